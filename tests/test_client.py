"""The client over real HTTP: error mapping, retries, idempotency, budgets, construction.

Every test using the ``client`` or ``make_client`` fixture runs with both clients, the
synchronous one and the async one (see ``tests/aio.py``).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import warnings
from datetime import timedelta
from email.utils import format_datetime
from typing import TYPE_CHECKING, TypedDict

import boto3
import botocore.session
import pytest
from botocore.config import Config

import chime_speaker_search as css
from chime_speaker_search import (
    CallLeg,
    InvalidParameterError,
    MalformedResponseError,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    SpeakerSearchTaskStatus,
    TransportError,
)
from chime_speaker_search._clock import ManualClock
from tests.conftest import DUMMY_SECRET, DUMMY_SESSION_TOKEN
from tests.scripted import TASK, Reply, ScriptedServer, error

if TYPE_CHECKING:
    from collections.abc import Callable

BOTH_CLIENTS = True
VC = "abcdef1ghij2klmno3pqr4"


class StartArgs(TypedDict):
    voice_connector_id: str
    transaction_id: str
    voice_profile_domain_id: str


class GetArgs(TypedDict):
    voice_connector_id: str
    speaker_search_task_id: str


START: StartArgs = {
    "voice_connector_id": VC,
    "transaction_id": "tx1",
    "voice_profile_domain_id": "dom1",
}
GET: GetArgs = {"voice_connector_id": VC, "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}


# (code, HTTP status, class, retried by default)
CODES = [
    ("BadRequestException", 400, css.BadRequestException, False),
    ("ResourceLimitExceededException", 400, css.ResourceLimitExceededException, False),
    ("UnauthorizedClientException", 401, css.UnauthorizedClientException, False),
    ("ForbiddenException", 403, css.ForbiddenException, False),
    ("AccessDeniedException", 403, css.AccessDeniedException, False),
    ("NotFoundException", 404, css.NotFoundException, False),
    ("ConflictException", 409, css.ConflictException, False),
    ("GoneException", 410, css.GoneException, False),
    ("UnprocessableEntityException", 422, css.UnprocessableEntityException, False),
    ("ThrottledClientException", 429, css.ThrottledClientException, True),
    ("ServiceFailureException", 500, css.ServiceFailureException, True),
    ("ServiceUnavailableException", 503, css.ServiceUnavailableException, True),
]


@pytest.mark.parametrize(("code", "status", "cls", "retried"), CODES)
def test_each_error_code_maps_to_its_class_and_is_retried_or_not(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    code: str,
    status: int,
    cls: type[ServiceError],
    retried: bool,
) -> None:
    scripted.script(*[error(code, status, "it went wrong")] * 5)
    with pytest.raises(cls) as caught:
        client.get_speaker_search_task(**GET)
    expected_requests = 5 if retried else 1
    assert len(scripted.requests) == expected_requests
    err = caught.value
    assert type(err) is cls
    assert err.code == code
    assert err.message == "it went wrong"
    assert err.http_status == status
    assert err.request_id == f"req-{expected_requests}"
    assert err.operation_name == "GetSpeakerSearchTask"
    assert err.attempts == expected_requests
    assert err.retryable is retried
    assert err.throttling is (code == "ThrottledClientException")
    assert type(err.__cause__).__name__ in {code, "ClientError"}  # botocore's, chained
    assert code in str(err)
    assert "it went wrong" in str(err)


def test_unknown_error_code_becomes_plain_service_error(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(error("BrandNewException", 418, "teapot"))
    with pytest.raises(ServiceError) as caught:
        client.get_speaker_search_task(**GET)
    assert type(caught.value) is ServiceError
    assert caught.value.code == "BrandNewException"
    assert caught.value.http_status == 418
    assert not caught.value.retryable
    assert len(scripted.requests) == 1


def test_error_code_read_from_body_when_header_missing(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(status=404, body={"Code": "NotFoundException", "Message": "no task"}))
    with pytest.raises(css.NotFoundException, match="no task"):
        client.get_speaker_search_task(**GET)


def test_throttling_then_success_sleeps_with_throttle_backoff(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(error("ThrottledClientException", 429), error("ServiceFailureException", 500))
    task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert len(scripted.requests) == 3
    # jitter pinned to 1.0: the top of each window. Throttle base 1.0 at attempt 1,
    # base 0.05 * 2 at attempt 2.
    assert clock.sleeps == [1.0, 0.1]


def test_retry_after_header_is_honoured(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(error("ServiceUnavailableException", 503, **{"Retry-After": "7"}))
    client.get_speaker_search_task(**GET)
    assert clock.sleeps == [7.0]


def test_x_amz_retry_after_header_is_honoured(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(error("ThrottledClientException", 429, **{"x-amz-retry-after": "3"}))
    client.get_speaker_search_task(**GET)
    assert clock.sleeps == [3.0]


def test_retry_after_longer_than_max_delay_gives_up_instead_of_retrying_early(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(error("ThrottledClientException", 429, **{"Retry-After": "600"}))
    with pytest.raises(css.ThrottledClientException) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.retry_after == 600.0
    assert caught.value.attempts == 1
    assert clock.sleeps == []


def test_start_retries_reuse_one_generated_token(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(
        error("ThrottledClientException", 429), error("ServiceUnavailableException", 503)
    )
    client.start_speaker_search_task(**START)
    tokens = [seen.body["ClientRequestToken"] for seen in scripted.requests]
    assert len(tokens) == 3
    assert len(set(tokens)) == 1
    assert 2 <= len(tokens[0]) <= 64


def test_each_start_call_gets_a_fresh_token(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    client.start_speaker_search_task(**START)
    client.start_speaker_search_task(**START)
    first, second = (seen.body["ClientRequestToken"] for seen in scripted.requests)
    assert first != second


def test_start_sends_exactly_the_wire_request(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    task = client.start_speaker_search_task(
        **START, call_leg=CallLeg.CALLEE, client_request_token="my-token_1"
    )
    (seen,) = scripted.requests
    assert seen.method == "POST"
    assert seen.path == f"/voice-connectors/{VC}/speaker-search-tasks"
    assert seen.body == {
        "TransactionId": "tx1",
        "VoiceProfileDomainId": "dom1",
        "CallLeg": "Callee",
        "ClientRequestToken": "my-token_1",
    }
    assert seen.headers["Authorization"].startswith("AWS4-HMAC-SHA256")
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.IN_QUEUE


def test_get_sends_the_wire_request(client: SpeakerSearchClient, scripted: ScriptedServer) -> None:
    client.get_speaker_search_task(**GET)
    (seen,) = scripted.requests
    assert (seen.method, seen.path) == (
        "GET",
        f"/voice-connectors/{VC}/speaker-search-tasks/{GET['speaker_search_task_id']}",
    )


def test_stop_sends_the_wire_request(client: SpeakerSearchClient, scripted: ScriptedServer) -> None:
    scripted.script(Reply(status=204, body=b""))
    client.stop_speaker_search_task(**GET)
    (seen,) = scripted.requests
    assert seen.method == "POST"
    assert seen.path.endswith(
        "/speaker-search-tasks/7f7e8a0c-0000-4000-8000-000000000001?operation=stop"
    )


def test_invalid_input_sends_nothing(client: SpeakerSearchClient, scripted: ScriptedServer) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client.start_speaker_search_task(
            voice_connector_id="x" * 129,
            transaction_id="   ",
            voice_profile_domain_id="d",
            client_request_token="a",
        )
    assert [v.parameter for v in caught.value.violations] == [
        "VoiceConnectorId",
        "TransactionId",
        "ClientRequestToken",
    ]
    with pytest.raises(InvalidParameterError):
        client.get_speaker_search_task(voice_connector_id=VC, speaker_search_task_id="")
    with pytest.raises(InvalidParameterError):
        client.wait(voice_connector_id=VC, speaker_search_task_id=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        client.stop_speaker_search_task(voice_connector_id=5, speaker_search_task_id="t")  # type: ignore[arg-type]
    assert scripted.requests == []


def test_dropped_connection_is_retried_then_raises_transport_error(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(*[Reply(drop=True)] * 5)
    with pytest.raises(TransportError) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.attempts == 5
    assert len(scripted.requests) == 5
    assert caught.value.__cause__ is not None
    assert "GetSpeakerSearchTask" in str(caught.value)


def test_dropped_start_response_is_retried_with_the_same_token(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(drop=True))
    task = client.start_speaker_search_task(**START)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    first, second = scripted.requests
    assert first.body == second.body


def test_connection_refused_is_a_transport_error(
    clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        clock=clock,
        retry=RetryPolicy(max_attempts=3),
    )
    with pytest.raises(TransportError) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.attempts == 3
    assert len(clock.sleeps) == 2


def test_retry_policy_disabled_makes_one_request(
    scripted: ScriptedServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    client = make_client(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        clock=clock,
        retry=RetryPolicy.disabled(),
    )
    scripted.script(error("ThrottledClientException", 429))
    with pytest.raises(css.ThrottledClientException):
        client.get_speaker_search_task(**GET)
    assert len(scripted.requests) == 1


def test_call_budget_stops_retrying_before_overrunning(
    scripted: ScriptedServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    client = make_client(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        clock=clock,
        jitter=lambda: 1.0,
        retry=RetryPolicy(max_attempts=10, throttle_base_delay=1.0, timeout=timedelta(seconds=5)),
    )
    scripted.script(*[error("ThrottledClientException", 429)] * 10)
    with pytest.raises(css.ThrottledClientException) as caught:
        client.get_speaker_search_task(**GET)
    # Sleeps of 1, 2 (total 3) fit in 5 s; the next (4) would not.
    assert clock.sleeps == [1.0, 2.0]
    assert caught.value.attempts == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "SpeakerSearchTask"),
        (
            {"SpeakerSearchTask": {"SpeakerSearchTaskStatus": "IN_QUEUE"}},
            "SpeakerSearchTask.SpeakerSearchTaskId",
        ),
        (
            {"SpeakerSearchTask": {**TASK, "SpeakerSearchTaskStatus": 3}},
            "SpeakerSearchTask.SpeakerSearchTaskStatus",
        ),
        (
            {
                "SpeakerSearchTask": {
                    **TASK,
                    "SpeakerSearchDetails": {"Results": [{"ConfidenceScore": 0.5}]},
                }
            },
            "SpeakerSearchTask.SpeakerSearchDetails.Results[0].VoiceProfileId",
        ),
    ],
)
def test_malformed_responses_raise_malformed_response_error(
    client: SpeakerSearchClient, scripted: ScriptedServer, body: object, field: str
) -> None:
    scripted.script(Reply(body=body))
    with pytest.raises(MalformedResponseError) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_response_that_is_not_json_is_malformed(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body=b"<html>gateway</html>"))
    with pytest.raises(MalformedResponseError, match="not JSON"):
        client.get_speaker_search_task(**GET)


def test_unknown_fields_and_statuses_are_tolerated(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(
        Reply(
            body={
                "SpeakerSearchTask": {**TASK, "SpeakerSearchTaskStatus": "PAUSED", "New": {"x": 1}},
                "Other": 1,
            }
        )
    )
    task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_status.is_unknown
    assert task.speaker_search_task_status.value == "PAUSED"
    assert not task.is_terminal


def test_shared_client_is_thread_safe(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    failures: list[BaseException] = []
    tokens: list[str] = []

    def work() -> None:
        try:
            for _ in range(10):
                client.start_speaker_search_task(**START)
                client.get_speaker_search_task(**GET)
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    tokens = [
        seen.body["ClientRequestToken"] for seen in scripted.requests if seen.method == "POST"
    ]
    assert len(tokens) == 80
    assert len(set(tokens)) == 80  # every start its own token, none shared across threads


def test_no_secret_in_debug_logs_errors_or_repr(
    client: SpeakerSearchClient, scripted: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    scripted.script(error("ThrottledClientException", 429), error("AccessDeniedException", 403))
    with pytest.raises(css.AccessDeniedException) as caught:
        client.start_speaker_search_task(**START)
    ours = [r for r in caplog.records if r.name == "chime_speaker_search"]
    assert any("Retrying StartSpeakerSearchTask" in r.getMessage() for r in ours)
    everything = (
        "\n".join(r.getMessage() for r in ours)
        + str(caught.value)
        + repr(caught.value)
        + repr(client)
    )
    assert DUMMY_SECRET not in everything
    assert DUMMY_SESSION_TOKEN not in everything
    assert repr(client) == (
        f"{type(getattr(client, 'wrapped', client)).__name__}(region_name='us-east-1', "
        f"endpoint_url='{scripted.endpoint_url}')"
    )


def test_retry_log_names_operation_attempt_delay_and_code(
    client: SpeakerSearchClient, scripted: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chime_speaker_search")
    scripted.script(error("ServiceFailureException", 500))
    client.get_speaker_search_task(**GET)
    (record,) = [r for r in caplog.records if "Retrying" in r.getMessage()]
    assert record.getMessage() == (
        "Retrying GetSpeakerSearchTask in 0.050s (attempt 1 of 5 failed with ServiceFailureException)"
    )


# --- construction -------------------------------------------------------------------


def test_library_made_client_has_botocore_retries_off(scripted: ScriptedServer) -> None:
    client = SpeakerSearchClient(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 7}, read_timeout=12),
    )
    config = client.botocore_client.meta.config
    assert config.retries["total_max_attempts"] == 1  # type: ignore[attr-defined]
    assert config.read_timeout == 12  # type: ignore[attr-defined]  # the caller's settings stay


def test_passed_in_client_keeps_its_settings_and_stays_open(
    scripted: ScriptedServer, make_client: Callable[..., SpeakerSearchClient], client_kind: str
) -> None:
    raw = boto3.client(
        "chime-sdk-voice",
        endpoint_url=scripted.endpoint_url,
        region_name="eu-central-1",
        config=Config(retries={"total_max_attempts": 2, "mode": "standard"}),
    )
    client = make_client(client=raw, retry=RetryPolicy(max_attempts=2), clock=ManualClock())
    assert client.botocore_client is raw
    assert client.region_name == "eu-central-1"
    # Retries stack: 2 of ours x 2 of botocore's. The async client sends outside
    # botocore, so only its RetryPolicy retries (documented).
    requests = 4 if client_kind == "sync" else 2
    scripted.script(*[error("ServiceUnavailableException", 503)] * requests)
    with pytest.raises(css.ServiceUnavailableException) as caught:
        client.get_speaker_search_task(**GET)
    client.close()
    assert len(scripted.requests) == requests
    # .attempts counts the requests made, botocore's retries included.
    assert caught.value.attempts == requests
    assert f"[after {requests} attempts]" in str(caught.value)
    raw.get_speaker_search_task(VoiceConnectorId=VC, SpeakerSearchTaskId="t")  # not closed by us


def test_client_with_other_connection_arguments_is_rejected() -> None:
    raw = boto3.client("chime-sdk-voice", region_name="us-east-1")
    with pytest.raises(TypeError, match="region_name"):
        SpeakerSearchClient(client=raw, region_name="us-west-2")


@pytest.mark.parametrize("kind", ["boto3", "botocore"])
def test_sessions_of_both_kinds_are_accepted(
    scripted: ScriptedServer, kind: str, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    session: boto3.Session | botocore.session.Session
    if kind == "boto3":
        session = boto3.Session(
            aws_access_key_id="AKIDSESSION", aws_secret_access_key="s", region_name="us-west-2"
        )
    else:
        session = botocore.session.Session()
        session.set_credentials("AKIDSESSION", "s")
        session.set_config_variable("region", "us-west-2")
    client = make_client(session=session, endpoint_url=scripted.endpoint_url)
    client.get_speaker_search_task(**GET)
    assert client.region_name == "us-west-2"
    assert "Credential=AKIDSESSION/" in scripted.requests[0].headers["Authorization"]


def test_plain_http_to_a_remote_host_warns() -> None:
    with pytest.warns(UserWarning, match="unencrypted"):
        SpeakerSearchClient(
            endpoint_url="http://speaker-search.example.com", region_name="us-east-1"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SpeakerSearchClient(endpoint_url="http://localhost:4566", region_name="us-east-1")
        SpeakerSearchClient(endpoint_url="http://[::1]:4566", region_name="us-east-1")
        SpeakerSearchClient(
            endpoint_url="https://speaker-search.example.com", region_name="us-east-1"
        )


def test_version_is_exposed() -> None:
    assert isinstance(css.__version__, str)
    assert css.__version__
    with pytest.raises(AttributeError):
        _ = css.no_such_name


def test_response_json_round_trips_through_to_dict(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    task = client.get_speaker_search_task(**GET)
    wire = task.to_dict()
    assert json.loads(json.dumps(wire))["SpeakerSearchTaskId"] == TASK["SpeakerSearchTaskId"]
    assert wire["CreatedTimestamp"] == "2026-11-21T13:00:00Z"


@pytest.mark.parametrize(
    ("task", "field"),
    [
        # botocore's parser fails on these with bare errors...
        ({**TASK, "CreatedTimestamp": "garbage"}, "SpeakerSearchTask.CreatedTimestamp"),
        (
            {**TASK, "SpeakerSearchDetails": {"Results": {"a": 1}}},
            "SpeakerSearchTask.SpeakerSearchDetails.Results",
        ),
        ({**TASK, "StartedTimestamp": 6.7e16}, "SpeakerSearchTask.StartedTimestamp"),
        ([1, 2], "SpeakerSearchTask"),
        # ...and silently coerces these to the model's types.
        ({**TASK, "CallDetails": {"IsCaller": "yes"}}, "SpeakerSearchTask.CallDetails.IsCaller"),
        (
            {
                **TASK,
                "SpeakerSearchDetails": {
                    "Results": [{"ConfidenceScore": "0.9", "VoiceProfileId": "p"}]
                },
            },
            "SpeakerSearchTask.SpeakerSearchDetails.Results[0].ConfidenceScore",
        ),
        ({**TASK, "CreatedTimestamp": True}, "SpeakerSearchTask.CreatedTimestamp"),
    ],
)
def test_bodies_off_the_model_are_malformed_naming_the_field(
    client: SpeakerSearchClient, scripted: ScriptedServer, task: object, field: str
) -> None:
    scripted.script(Reply(body={"SpeakerSearchTask": task}))
    with pytest.raises(MalformedResponseError) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.field == field
    assert len(scripted.requests) == 1  # not retried: the same request would get the same


def test_a_json_array_body_is_malformed(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body=[{"SpeakerSearchTask": TASK}]))
    with pytest.raises(MalformedResponseError, match="not an object"):
        client.get_speaker_search_task(**GET)


def test_retry_after_as_http_date(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    when = clock.now() + timedelta(seconds=6)
    scripted.script(
        error(
            "ServiceUnavailableException",
            503,
            **{"Retry-After": format_datetime(when, usegmt=True)},
        )
    )
    client.get_speaker_search_task(**GET)
    (slept,) = clock.sleeps
    assert 3.0 <= slept <= 6.0


def test_unparseable_retry_after_is_ignored(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(error("ServiceUnavailableException", 503, **{"Retry-After": "soon"}))
    client.get_speaker_search_task(**GET)
    assert clock.sleeps == [0.05]


def test_properties_and_botocore_client_are_exposed(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    assert client.retry_policy == RetryPolicy()
    assert client.endpoint_url == scripted.endpoint_url
    assert client.region_name == "us-east-1"


def test_library_made_client_connects_within_ten_seconds_unless_told(
    scripted: ScriptedServer,
) -> None:
    default = SpeakerSearchClient(endpoint_url=scripted.endpoint_url, region_name="us-east-1")
    told = SpeakerSearchClient(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        config=Config(connect_timeout=3),
    )
    assert default.botocore_client.meta.config.connect_timeout == 10.0  # type: ignore[attr-defined]
    assert told.botocore_client.meta.config.connect_timeout == 3  # type: ignore[attr-defined]
    assert told.botocore_client.meta.config.retries["total_max_attempts"] == 1  # type: ignore[attr-defined]


def test_a_passed_in_client_gets_the_same_strict_reading(
    scripted: ScriptedServer, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """Hooks reach clients made outside the library too (not inherited from a session)."""
    raw = boto3.client(
        "chime-sdk-voice", endpoint_url=scripted.endpoint_url, region_name="us-east-1"
    )
    scripted.script(Reply(body={"SpeakerSearchTask": {**TASK, "CallDetails": {"IsCaller": "yes"}}}))
    with pytest.raises(MalformedResponseError) as caught:
        make_client(client=raw).get_speaker_search_task(**GET)
    assert caught.value.field == "SpeakerSearchTask.CallDetails.IsCaller"


def test_a_users_session_is_left_unchanged_and_each_client_gets_the_hooks(
    scripted: ScriptedServer,
) -> None:
    """The library registers its hooks on its own clients, never on the caller's session."""
    session = boto3.Session(
        aws_access_key_id="AKID", aws_secret_access_key="s", region_name="us-east-1"
    )
    for _ in range(2):
        with SpeakerSearchClient(session=session, endpoint_url=scripted.endpoint_url) as client:
            scripted.script(
                Reply(body={"SpeakerSearchTask": {**TASK, "CallDetails": {"IsCaller": "yes"}}})
            )
            with pytest.raises(MalformedResponseError):
                client.get_speaker_search_task(**GET)
    # A plain client of the same session sends and parses with botocore, as always.
    raw = session.client(
        "chime-sdk-voice", endpoint_url=scripted.endpoint_url, region_name="us-east-1"
    )
    scripted.script(Reply(body={"SpeakerSearchTask": {**TASK, "CallDetails": {"IsCaller": "yes"}}}))
    answer = raw.get_speaker_search_task(
        VoiceConnectorId=VC, SpeakerSearchTaskId=TASK["SpeakerSearchTaskId"]
    )
    # botocore's parser, not the library's: newer releases coerce "yes" to False, the
    # floor (1.29) passes it through; either way no MalformedResponseError.
    assert answer["SpeakerSearchTask"]["CallDetails"]["IsCaller"] in (False, "yes")
    raw.close()
