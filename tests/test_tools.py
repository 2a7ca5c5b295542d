"""The tools users' code already runs, next to the library: what each one sees of our calls.

Every case runs the library's two clients and, where it applies, botocore alone on the
same kind of client, so each difference is measured, not guessed. The tools:

* botocore's ``Stubber`` on a client passed in;
* moto's ``mock_aws`` active in the same process;
* OpenTelemetry's botocore and urllib3 instrumentations, with an in-memory exporter;
* the AWS X-Ray SDK's botocore patch, with a recorder whose emitter keeps the segments.

What is found here (including what is wrong) is written up in ``docs/tools.md``. Every
fixture undoes its instrumentation, so no other test (nor another test on the same
pytest-xdist worker) sees it.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import boto3
import botocore.client
import botocore.endpoint
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chime_speaker_search import (
    AsyncSpeakerSearchClient,
    NotFoundException,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    ThrottledClientException,
)
from chime_speaker_search.testing import LocalSpeakerSearchService
from tests.realworld import WAYS, get_task, seed_task

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

TASK_ID = "7f7e8a0c-0000-4000-8000-000000000001"
CONNECTOR = "a1b2c3d4e5f6g7h8i9j0kl"
GET = {"voice_connector_id": CONNECTOR, "speaker_search_task_id": TASK_ID}
WIRE_GET = {"VoiceConnectorId": CONNECTOR, "SpeakerSearchTaskId": TASK_ID}
# Long enough that a span or subsegment that covers the request is visibly longer.
SLOW = 1.0


def chime_client(endpoint_url: str | None = None) -> Any:
    return boto3.client("chime-sdk-voice", region_name="us-east-1", endpoint_url=endpoint_url)


def run_async(
    client: AsyncSpeakerSearchClient, call: Callable[[AsyncSpeakerSearchClient], Any]
) -> Any:
    async def main() -> Any:
        async with client:
            return await call(client)

    return asyncio.run(main())


@pytest.fixture
def service() -> Iterator[LocalSpeakerSearchService]:
    with LocalSpeakerSearchService() as running:
        yield running


# --- botocore's Stubber --------------------------------------------------------------------

STUBBED_TASK = {
    "SpeakerSearchTaskId": TASK_ID,
    "SpeakerSearchTaskStatus": "SUCCEEDED",
    "CallDetails": {
        "VoiceConnectorId": CONNECTOR,
        "TransactionId": "8c6e037a-04f3-494b-acb7-b90c671477f3",
        "IsCaller": True,
    },
    "SpeakerSearchDetails": {
        "Results": [{"ConfidenceScore": 0.93, "VoiceProfileId": "vp-1"}],
        "VoiceprintGenerationStatus": "VoiceprintGenerated",
    },
    "CreatedTimestamp": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
}


def _get_with(way: str, raw: Any) -> SpeakerSearchTask:
    if way == "sync":
        with SpeakerSearchClient(client=raw, retry=RetryPolicy.disabled()) as client:
            return client.get_speaker_search_task(**GET)
    async_client = AsyncSpeakerSearchClient(client=raw, retry=RetryPolicy.disabled())
    task: SpeakerSearchTask = run_async(async_client, lambda c: c.get_speaker_search_task(**GET))
    return task


@pytest.mark.parametrize("way", ["sync", "async"])
def test_stubber_on_a_passed_in_client_gives_the_typed_model(way: str) -> None:
    raw = chime_client()
    with Stubber(raw) as stubber:
        stubber.add_response(
            "get_speaker_search_task", {"SpeakerSearchTask": STUBBED_TASK}, expected_params=WIRE_GET
        )
        task = _get_with(way, raw)
        stubber.assert_no_pending_responses()
    assert isinstance(task, SpeakerSearchTask)
    assert task.speaker_search_task_id == TASK_ID
    assert task.status is SpeakerSearchTaskStatus.SUCCEEDED
    assert task.created_timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    best = task.best_match()
    assert best is not None
    assert best.voice_profile_id == "vp-1"
    assert best.confidence_score == pytest.approx(0.93)


@pytest.mark.parametrize("way", ["sync", "async"])
def test_stubber_expected_params_see_what_the_library_sends(way: str) -> None:
    """The Stubber checks the wire parameters the library passes botocore: a mismatch fails."""
    raw = chime_client()
    with Stubber(raw) as stubber:
        stubber.add_response(
            "get_speaker_search_task",
            {"SpeakerSearchTask": STUBBED_TASK},
            expected_params={**WIRE_GET, "SpeakerSearchTaskId": "another-task"},
        )
        # botocore's StubAssertionError, raised in the library's call, reaches the caller.
        with pytest.raises(AssertionError, match="SpeakerSearchTaskId"):
            _get_with(way, raw)


@pytest.mark.parametrize("way", ["sync", "async"])
@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("NotFoundException", 404, NotFoundException),
        ("ThrottledClientException", 429, ThrottledClientException),
    ],
)
def test_stubber_client_error_maps_to_the_library_exception(
    way: str, code: str, status: int, expected: type[Exception]
) -> None:
    raw = chime_client()
    with Stubber(raw) as stubber:
        stubber.add_client_error(
            "get_speaker_search_task",
            service_error_code=code,
            service_message="stubbed failure",
            http_status_code=status,
            expected_params=WIRE_GET,
        )
        with pytest.raises(expected) as caught:
            _get_with(way, raw)
        stubber.assert_no_pending_responses()
    error: Any = caught.value
    assert error.code == code
    assert error.http_status == status
    assert "stubbed failure" in str(error)
    assert isinstance(error.__cause__, ClientError)


def test_stubber_raw_botocore_for_comparison() -> None:
    raw = chime_client()
    with Stubber(raw) as stubber:
        stubber.add_response(
            "get_speaker_search_task", {"SpeakerSearchTask": STUBBED_TASK}, expected_params=WIRE_GET
        )
        answer = raw.get_speaker_search_task(**WIRE_GET)
    assert answer["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"


# --- moto -------------------------------------------------------------------------------------


@pytest.fixture
def moto_active() -> Iterator[None]:
    from moto import mock_aws  # noqa: PLC0415 (moto patches botocore when imported)

    with mock_aws():
        yield


@pytest.mark.parametrize("way", WAYS)
def test_under_mock_aws_calls_to_the_emulator_reach_it_and_moto_still_works(
    way: str, moto_active: None, service: LocalSpeakerSearchService
) -> None:
    connector, task_id = seed_task(service)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="tools-test")["QueueUrl"]
    before = len(service.requests)
    task = get_task(
        way, chime_client(service.endpoint_url), voice_connector_id=connector, task_id=task_id
    )
    assert task["SpeakerSearchTaskId"] == task_id
    seen = service.requests[before:]
    assert [r.operation for r in seen] == ["GetSpeakerSearchTask"]
    # moto's own mocks are untouched by the library's hook on the chime client.
    assert sqs.list_queues()["QueueUrls"] == [url]
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name looked up; names not on this machine fail to resolve, offline or not."""
    hosts: list[str] = []
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        hosts.append(str(host))
        if host not in {"127.0.0.1", "localhost", "::1"}:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return hosts


def test_under_mock_aws_raw_botocore_without_endpoint_gets_motos_not_implemented(
    moto_active: None, resolved: list[str]
) -> None:
    """moto has no speaker search: it answers chime-sdk-voice with 404 'Not yet implemented'."""
    with pytest.raises(ClientError) as caught:
        chime_client().get_speaker_search_task(**WIRE_GET)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "Not yet implemented" in str(caught.value)
    assert resolved == []  # moto answered: nothing went to the network


@pytest.mark.parametrize("way", ["sync", "async"])
def test_under_mock_aws_the_library_without_endpoint_gets_motos_answer_too(
    way: str, moto_active: None, resolved: list[str]
) -> None:
    """The library sends where botocore's HTTP session would, after every ``before-send``
    handler: moto's answers first, exactly as for raw botocore, and nothing leaves."""
    retry = RetryPolicy.disabled()

    def call() -> object:
        if way == "sync":
            with SpeakerSearchClient(client=chime_client(), retry=retry) as client:
                return client.get_speaker_search_task(**GET)
        return run_async(
            AsyncSpeakerSearchClient(client=chime_client(), retry=retry),
            lambda c: c.get_speaker_search_task(**GET),
        )

    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.http_status == 404
    assert "Not yet implemented" in str(caught.value)
    assert resolved == []  # moto answered: nothing went to the network


# --- OpenTelemetry --------------------------------------------------------------------------


@pytest.fixture
def tracing() -> tuple[TracerProvider, InMemorySpanExporter]:
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: PLC0415
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: PLC0415
        InMemorySpanExporter,
    )

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


@pytest.fixture
def otel_botocore(
    tracing: tuple[TracerProvider, InMemorySpanExporter],
) -> Iterator[InMemorySpanExporter]:
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor  # noqa: PLC0415

    provider, exporter = tracing
    originals = _patched_by_tracers()
    instrumentor: Any = BotocoreInstrumentor  # the package has no type hints
    instrumentor().instrument(tracer_provider=provider)
    try:
        yield exporter
    finally:
        instrumentor().uninstrument()
    assert all(a is b for a, b in zip(_patched_by_tracers(), originals, strict=True))


@pytest.fixture
def otel_urllib3(
    tracing: tuple[TracerProvider, InMemorySpanExporter],
) -> Iterator[InMemorySpanExporter]:
    from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor  # noqa: PLC0415

    provider, exporter = tracing
    URLLib3Instrumentor().instrument(tracer_provider=provider)
    try:
        yield exporter
    finally:
        URLLib3Instrumentor().uninstrument()


def _patched_by_tracers() -> tuple[Any, Any]:
    """What OpenTelemetry and X-Ray wrap: compared before and after, to prove them undone."""
    return (
        botocore.client.BaseClient.__dict__["_make_api_call"],
        botocore.endpoint.Endpoint.__dict__["prepare_request"],
    )


def _spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return list(exporter.get_finished_spans())


def _duration(span: ReadableSpan) -> float:
    assert span.start_time is not None
    assert span.end_time is not None
    return (span.end_time - span.start_time) / 1e9


@pytest.mark.parametrize("way", WAYS)
def test_otel_botocore_gives_every_call_one_complete_span(
    way: str, otel_botocore: InMemorySpanExporter, service: LocalSpeakerSearchService
) -> None:
    from opentelemetry.trace import SpanKind, StatusCode  # noqa: PLC0415

    connector, task_id = seed_task(service)
    service.delay_next("GetSpeakerSearchTask", SLOW)
    get_task(way, chime_client(service.endpoint_url), voice_connector_id=connector, task_id=task_id)
    (span,) = _spans(otel_botocore)
    assert span.name == "Chime SDK Voice.GetSpeakerSearchTask"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    attributes = dict(span.attributes or {})
    assert attributes["rpc.system"] == "aws-api"
    assert attributes["rpc.service"] == "Chime SDK Voice"
    assert attributes["rpc.method"] == "GetSpeakerSearchTask"
    assert attributes["cloud.region"] == "us-east-1"
    assert attributes["http.status_code"] == 200
    assert attributes["retry_attempts"] == 0
    (request,) = [r for r in service.requests if r.operation == "GetSpeakerSearchTask"]
    # The emulator's request id, which it also answers in x-amzn-requestid.
    assert isinstance(attributes["aws.request_id"], str)
    assert attributes["aws.request_id"]
    # The span covers the request: it lasts at least as long as the answer was held back.
    assert _duration(span) >= SLOW
    # The instrumentation's X-Ray trace header (Endpoint.prepare_request) reaches the server
    # and names this span as the parent.
    trace_header = request.headers["x-amzn-trace-id"]
    assert f"Parent={span.context.span_id:016x}" in trace_header


def test_otel_async_calls_run_in_a_worker_thread_under_the_callers_span(
    otel_botocore: InMemorySpanExporter, service: LocalSpeakerSearchService
) -> None:
    """Under the instrumentation the async client sends from a worker thread, so the span
    covers the request; the caller's current span is still its parent."""
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415

    connector, task_id = seed_task(service)
    tracer = TracerProvider().get_tracer("tools-test")
    with tracer.start_as_current_span("caller") as caller:
        get_task(
            "async",
            chime_client(service.endpoint_url),
            voice_connector_id=connector,
            task_id=task_id,
        )
    (span,) = _spans(otel_botocore)
    assert span.parent is not None
    assert span.parent.span_id == caller.get_span_context().span_id


def _get_made_by_library(way: str, service: LocalSpeakerSearchService, **get: str) -> None:
    """A library-made client: botocore makes one request per call, the library retries."""
    options: dict[str, Any] = {
        "endpoint_url": service.endpoint_url,
        "region_name": "us-east-1",
        "retry": RetryPolicy(max_attempts=3, base_delay=0),
    }
    if way == "sync-made":
        with SpeakerSearchClient(**options) as client:
            client.get_speaker_search_task(**get)
    else:
        run_async(AsyncSpeakerSearchClient(**options), lambda c: c.get_speaker_search_task(**get))


@pytest.mark.parametrize("way", [*WAYS, "sync-made", "async-made"])
def test_otel_botocore_spans_of_a_retried_call(
    way: str, otel_botocore: InMemorySpanExporter, service: LocalSpeakerSearchService
) -> None:
    """A retry inside botocore stays in one span; a retry by the library is another span."""
    from opentelemetry.trace import StatusCode  # noqa: PLC0415

    connector, task_id = seed_task(service)
    service.fail_next("GetSpeakerSearchTask", "ServiceUnavailableException")
    if way.endswith("-made"):
        _get_made_by_library(
            way, service, voice_connector_id=connector, speaker_search_task_id=task_id
        )
    else:
        # A client passed in keeps botocore's own retries (the library's stack on them).
        get_task(
            way,
            chime_client(service.endpoint_url),
            voice_connector_id=connector,
            task_id=task_id,
            retry=RetryPolicy(max_attempts=3, base_delay=0),
        )
    assert [r.operation for r in service.requests].count("GetSpeakerSearchTask") == 2
    spans = _spans(otel_botocore)
    seen = [
        (
            span.status.status_code,
            dict(span.attributes or {}).get("http.status_code"),
            dict(span.attributes or {}).get("retry_attempts"),
        )
        for span in spans
    ]
    if way in WAYS:
        assert seen == [(StatusCode.UNSET, 200, 1)]  # botocore retried, in one span
    else:  # a library-made client: botocore makes one request, the library retries
        assert seen == [(StatusCode.ERROR, 503, 0), (StatusCode.UNSET, 200, 0)]


def test_otel_urllib3_sees_raw_botocore_but_not_the_library(
    otel_urllib3: InMemorySpanExporter, service: LocalSpeakerSearchService
) -> None:
    connector, task_id = seed_task(service)
    seen: dict[str, list[Any]] = {}
    for way in WAYS:
        otel_urllib3.clear()
        before = len(service.requests)
        get_task(
            way, chime_client(service.endpoint_url), voice_connector_id=connector, task_id=task_id
        )
        seen[way] = [_spans(otel_urllib3), service.requests[before:]]
    (http_span,) = seen["raw"][0]
    assert http_span.name == "GET"
    assert dict(http_span.attributes or {})["http.status_code"] == 200
    (raw_request,) = seen["raw"][1]
    assert raw_request.headers["traceparent"].split("-")[2] == f"{http_span.context.span_id:016x}"
    for way in ("sync", "async"):
        spans, requests = seen[way]
        assert spans == [], way  # the library's sender is not urllib3
        (request,) = requests
        assert "traceparent" not in request.headers, way


@pytest.mark.parametrize("way", WAYS)
def test_otel_botocore_and_urllib3_together_give_one_span_per_call(
    way: str,
    otel_botocore: InMemorySpanExporter,
    otel_urllib3: InMemorySpanExporter,
    service: LocalSpeakerSearchService,
) -> None:
    """The botocore instrumentation suppresses HTTP spans inside its own: raw botocore's
    urllib3 span disappears too, so all three ways show the one botocore span."""
    assert otel_botocore is otel_urllib3  # one exporter
    connector, task_id = seed_task(service)
    get_task(way, chime_client(service.endpoint_url), voice_connector_id=connector, task_id=task_id)
    assert [span.name for span in _spans(otel_botocore)] == ["Chime SDK Voice.GetSpeakerSearchTask"]


def inject_trace_context(request: Any, **_: Any) -> None:
    """The hook docs/tools.md documents: the current trace context into each request."""
    from opentelemetry.propagate import inject  # noqa: PLC0415

    inject(request.headers)


@pytest.mark.parametrize("way", WAYS)
def test_a_before_sign_hook_carries_traceparent_to_the_server(
    way: str,
    tracing: tuple[TracerProvider, InMemorySpanExporter],
    service: LocalSpeakerSearchService,
) -> None:
    provider, _ = tracing
    connector, task_id = seed_task(service)
    raw = chime_client(service.endpoint_url)
    raw.meta.events.register("before-sign.chime-sdk-voice", inject_trace_context)
    before = len(service.requests)
    with provider.get_tracer("tests").start_as_current_span("caller") as parent:
        task = get_task(way, raw, voice_connector_id=connector, task_id=task_id)
    assert task["SpeakerSearchTaskId"] == task_id  # signed with the header: accepted
    (request,) = service.requests[before:]
    version, trace_id, span_id, _flags = request.headers["traceparent"].split("-")
    assert version == "00"
    assert trace_id == f"{parent.get_span_context().trace_id:032x}"
    assert span_id == f"{parent.get_span_context().span_id:016x}"


# --- AWS X-Ray SDK -----------------------------------------------------------------------


class CapturingEmitter:
    """An X-Ray emitter that keeps what it would send to the daemon."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(entity.to_dict())

    def set_daemon_address(self, address: str | None) -> None:
        pass

    @property
    def ip(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return 2000


@pytest.fixture
def xray() -> Iterator[CapturingEmitter]:
    """The X-Ray SDK's botocore patch, undone afterwards (the SDK has no unpatch)."""
    from aws_xray_sdk.core import patch, patcher, xray_recorder  # noqa: PLC0415

    emitter = CapturingEmitter()
    originals = _patched_by_tracers()
    # The recorder's default emitter holds a UDP socket for the daemon: closed, not leaked.
    default_socket = getattr(xray_recorder.emitter, "_socket", None)
    if default_socket is not None:
        default_socket.close()
    xray_recorder.configure(
        emitter=emitter, context_missing="LOG_ERROR", sampling=False, service="tools-tests"
    )
    patch(["botocore"])
    try:
        yield emitter
    finally:
        xray_recorder.clear_trace_entities()
        # What the patch wrapped, put back as it was.
        botocore.client.BaseClient._make_api_call = originals[0]  # type: ignore[attr-defined]
        botocore.endpoint.Endpoint.prepare_request = originals[1]  # type: ignore[method-assign]
        if hasattr(botocore.client, "_xray_enabled"):
            delattr(botocore.client, "_xray_enabled")
        patcher._PATCHED_MODULES.discard("botocore")
    assert all(a is b for a, b in zip(_patched_by_tracers(), originals, strict=True))


def _traced(way: str, service: LocalSpeakerSearchService, emitter: CapturingEmitter) -> Any:
    from aws_xray_sdk.core import xray_recorder  # noqa: PLC0415

    connector, task_id = seed_task(service)
    service.delay_next("GetSpeakerSearchTask", SLOW)
    before = len(service.requests)
    xray_recorder.begin_segment(f"tools-{way}")
    try:
        task = get_task(
            way, chime_client(service.endpoint_url), voice_connector_id=connector, task_id=task_id
        )
    finally:
        xray_recorder.end_segment()
    assert task["SpeakerSearchTaskId"] == task_id
    (segment,) = emitter.sent
    (subsegment,) = segment["subsegments"]
    (request,) = service.requests[before:]
    return subsegment, request


@pytest.mark.parametrize("way", ["sync", "raw"])
def test_xray_gives_sync_and_raw_calls_a_complete_subsegment(
    way: str, xray: CapturingEmitter, service: LocalSpeakerSearchService
) -> None:
    subsegment, request = _traced(way, service, xray)
    assert subsegment["name"] == "voice-chime"  # the service's endpoint prefix
    assert subsegment["namespace"] == "aws"
    assert subsegment["aws"]["operation"] == "GetSpeakerSearchTask"
    assert subsegment["aws"]["region"] == "us-east-1"
    assert subsegment["aws"]["request_id"]
    assert subsegment["http"]["response"]["status"] == 200
    assert "fault" not in subsegment
    assert "error" not in subsegment
    assert subsegment["end_time"] - subsegment["start_time"] >= SLOW
    assert f"Parent={subsegment['id']}" in request.headers["x-amzn-trace-id"]


def test_xray_subsegment_of_an_async_call_ends_before_the_request_is_sent(
    xray: CapturingEmitter, service: LocalSpeakerSearchService
) -> None:
    """Found here, not fixed: as with OpenTelemetry, the subsegment covers only the signing.

    X-Ray's botocore meta processor records only ``ClientError``s, so the library's
    internal signal leaves no fault on it: it looks like a success with no answer."""
    subsegment, request = _traced("async", service, xray)
    assert subsegment["aws"] == {"operation": "GetSpeakerSearchTask", "region": "us-east-1"}
    assert "http" not in subsegment
    assert "fault" not in subsegment
    assert "error" not in subsegment
    # No "http" part: the subsegment ended with no response to record, before the answer
    # (held back SLOW s by the server) came. Not timed: signing alone takes a second on
    # a loaded machine.
    # The trace header still reaches the server, naming the (already ended) subsegment.
    assert f"Parent={subsegment['id']}" in request.headers["x-amzn-trace-id"]
