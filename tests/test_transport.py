"""The botocore boundary, through ``SpeakerSearchClient`` over real HTTP on loopback.

Which settings of a botocore client reach the library's HTTP engine (timeouts, pool,
TLS verification, client certificates, proxies), when botocore's own sender takes
over, how every failure of either leaves as a library error, and the pure helpers
(``check_endpoint_url``, ``retry_after``).
"""

from __future__ import annotations

import json
import ssl
import time
import warnings
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import chime_speaker_search as css
from chime_speaker_search import (
    InvalidParameterError,
    MalformedResponseError,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    TransportError,
)
from chime_speaker_search._clock import ManualClock
from chime_speaker_search._http import HttpEngine, HttpFailure
from chime_speaker_search._transport import (
    _botocore_sender,
    _engine_sender,
    check_endpoint_url,
    retry_after,
)
from tests.rawnet import (
    Peer,
    RawServer,
    answer,
    basic,
    free_port,
    keep_alive,
    proxy,
    self_signed,
    tls_server_context,
)
from tests.scripted import TASK, Reply, ScriptedServer
from tests.timing import Starvation
from tests.versions import needs_per_request_read_timeout, urllib3_1_https_proxy_warning

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

MARGIN = 0.25
VC = "abcdef1ghij2klmno3pqr4"
GET = {"voice_connector_id": VC, "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}
TASK_BODY = json.dumps({"SpeakerSearchTask": TASK}).encode()
ONCE = RetryPolicy(max_attempts=1)


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy settings from the machine: each test sets its own."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def engine_of(client: SpeakerSearchClient) -> HttpEngine | None:
    return client._transport._engine


def client_of(endpoint_url: str, **kwargs: Any) -> SpeakerSearchClient:
    """A library-made client of ``endpoint_url`` in us-east-1."""
    return SpeakerSearchClient(endpoint_url=endpoint_url, region_name="us-east-1", **kwargs)


def raw_client(endpoint_url: str, **kwargs: object) -> ChimeSDKVoiceClient:
    return boto3.client(  # type: ignore[call-overload,no-any-return]
        "chime-sdk-voice", endpoint_url=endpoint_url, region_name="us-east-1", **kwargs
    )


# --- what the engine takes from botocore's client ------------------------------------------------


def test_the_engine_takes_the_configs_timeouts_and_pool_size(no_proxy_environment: None) -> None:
    with client_of(
        "http://127.0.0.1:1",
        config=Config(connect_timeout=3, read_timeout=7, max_pool_connections=4),
    ) as client:
        engine = engine_of(client)
    assert engine is not None
    assert (engine.connect_timeout, engine.read_timeout, engine.max_pool) == (3.0, 7.0, 4)


def test_a_library_made_client_defaults_to_ten_seconds_to_connect(
    no_proxy_environment: None,
) -> None:
    with client_of("http://127.0.0.1:1") as client:
        engine = engine_of(client)
    assert engine is not None
    assert (engine.connect_timeout, engine.read_timeout, engine.max_pool) == (10.0, 60.0, 10)


def test_a_passed_clients_timeouts_are_used(no_proxy_environment: None) -> None:
    raw = raw_client("http://127.0.0.1:1", config=Config(connect_timeout=2, read_timeout=3))
    engine = engine_of(SpeakerSearchClient(client=raw))
    assert engine is not None
    assert (engine.connect_timeout, engine.read_timeout) == (2.0, 3.0)


def test_the_configured_read_timeout_bounds_an_attempt(no_proxy_environment: None) -> None:
    def silent(peer: Peer) -> None:
        peer.read_request()
        peer.server.stopping.wait()

    with RawServer(silent) as server:
        client = client_of(
            server.url,
            config=Config(read_timeout=0.3),
            retry=ONCE,
        )
        began = time.monotonic()
        with (
            Starvation() as starved,
            client,
            pytest.raises(TransportError, match="no answer in time") as caught,
        ):
            client.get_speaker_search_task(**GET)
        took = time.monotonic() - began
    assert caught.value.request_sent
    assert 0.3 <= took < 0.3 + MARGIN + starved.total


def test_a_read_timeout_of_any_size_works(
    scripted: ScriptedServer, no_proxy_environment: None
) -> None:
    with client_of(
        scripted.endpoint_url,
        config=Config(read_timeout=1e10, connect_timeout=1e10),
    ) as client:
        task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]


# --- TLS -------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:verify=False:urllib3.exceptions.InsecureRequestWarning")
@pytest.mark.parametrize("verify", ["bundle", False])
def test_a_passed_clients_verify_setting_is_used(
    certificate: tuple[str, str], verify: str | bool, no_proxy_environment: None
) -> None:
    with RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as origin:
        raw = raw_client(origin.url, verify=certificate[0] if verify == "bundle" else False)
        task = SpeakerSearchClient(client=raw).get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert origin.requests[0].line.startswith("GET /voice-connectors/")


def test_aws_ca_bundle_reaches_a_library_made_client(
    certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch, no_proxy_environment: None
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", certificate[0])
    with (
        RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as origin,
        client_of(origin.url) as client,
    ):
        assert client.get_speaker_search_task(**GET).speaker_search_task_id


def test_a_refused_certificate_is_not_retried(
    certificate: tuple[str, str], no_proxy_environment: None
) -> None:
    with RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as origin:
        client = client_of(
            origin.url,
            retry=RetryPolicy(max_attempts=4),
            clock=ManualClock(),
        )
        with client, pytest.raises(TransportError, match="certificate") as caught:
            client.get_speaker_search_task(**GET)
        assert origin.wait_for(lambda s: s.connections == 1)
    assert caught.value.retryable is False
    assert caught.value.request_sent is False
    assert caught.value.attempts == 1
    assert origin.connections == 1
    assert origin.requests == []


def test_a_client_certificate_from_the_config_is_presented(
    certificate: tuple[str, str], tmp_path: Path, no_proxy_environment: None
) -> None:
    mine = self_signed(tmp_path, "client")
    context = tls_server_context(certificate)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(mine[0])
    subjects: list[object] = []

    def record_peer(peer: Peer) -> None:
        subjects.append(peer.sock.getpeercert()["subject"])  # type: ignore[attr-defined]
        keep_alive(TASK_BODY)(peer)

    with RawServer(record_peer, tls=context) as origin:
        raw = raw_client(origin.url, verify=certificate[0], config=Config(client_cert=mine))
        task = SpeakerSearchClient(client=raw).get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert subjects == [((("commonName", "client"),),)]


# --- proxies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["HTTP_PROXY", "http_proxy", "Config"])
def test_an_http_proxy_from_the_environment_or_config_is_used(
    scripted: ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy_environment: None,
    how: str,
) -> None:
    with RawServer(proxy()) as forward:
        url = f"http://me:pa%24s@{forward.authority}"
        config = None
        if how == "Config":
            config = Config(proxies={"http": url})
        else:
            monkeypatch.setenv(how, url)
        with client_of(scripted.endpoint_url, config=config) as client:
            client.get_speaker_search_task(**GET)
    (seen,) = forward.requests
    assert seen.line.startswith(f"GET {scripted.endpoint_url}/voice-connectors/{VC}/")
    assert seen.headers["proxy-authorization"] == basic("me", "pa$s")
    assert len(scripted.requests) == 1
    assert "Proxy-Authorization" not in scripted.requests[0].headers


def test_no_proxy_is_honoured(
    scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch, no_proxy_environment: None
) -> None:
    with RawServer(proxy()) as forward:
        monkeypatch.setenv("HTTP_PROXY", forward.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        with client_of(scripted.endpoint_url) as client:
            client.get_speaker_search_task(**GET)
    assert forward.requests == []
    assert len(scripted.requests) == 1


def test_https_proxy_from_the_environment_tunnels_to_an_https_endpoint(
    certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch, no_proxy_environment: None
) -> None:
    with (
        RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as origin,
        RawServer(proxy()) as tunnel,
    ):
        monkeypatch.setenv("HTTPS_PROXY", tunnel.url)
        monkeypatch.setenv("AWS_CA_BUNDLE", certificate[0])
        with client_of(origin.url) as client:
            client.get_speaker_search_task(**GET)
            client.get_speaker_search_task(**GET)
    assert [r.line for r in tunnel.requests] == [f"CONNECT {origin.authority} HTTP/1.1"]
    assert len(origin.requests) == 2


# --- botocore's own sender, for proxy set-ups the engine leaves to it --------------------------------


@pytest.fixture
def tls_proxy(certificate: tuple[str, str]) -> Iterator[RawServer]:
    """A forward proxy reached over TLS (an https:// proxy URL)."""
    with RawServer(proxy(), tls=tls_server_context(certificate)) as server:
        yield server


@urllib3_1_https_proxy_warning
def test_an_https_proxy_url_falls_back_to_botocores_sender(
    scripted: ScriptedServer,
    tls_proxy: RawServer,
    certificate: tuple[str, str],
    no_proxy_environment: None,
) -> None:
    config = Config(
        proxies={"http": f"https://{tls_proxy.authority}"},
        proxies_config={"proxy_ca_bundle": certificate[0]},
    )
    with client_of(scripted.endpoint_url, config=config) as client:
        assert engine_of(client) is None
        task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert tls_proxy.requests[0].line.startswith(f"GET {scripted.endpoint_url}/voice-connectors/")
    assert len(scripted.requests) == 1


def test_proxy_settings_fall_back_to_botocores_sender_too(
    scripted: ScriptedServer, no_proxy_environment: None
) -> None:
    with RawServer(proxy()) as forward:
        config = Config(
            proxies={"http": forward.url},
            proxies_config={"proxy_use_forwarding_for_https": True},
        )
        with client_of(scripted.endpoint_url, config=config) as client:
            assert engine_of(client) is None
            scripted.script(Reply(status=503, body={"Message": "x"}, headers={}))
            with pytest.raises(ServiceError) as caught:
                SpeakerSearchClient(
                    client=client.botocore_client, retry=ONCE
                ).get_speaker_search_task(**GET)
    assert caught.value.retryable  # a gateway 503 through botocore's sender too
    assert len(forward.requests) == 1


@urllib3_1_https_proxy_warning
def test_the_library_parses_success_bodies_from_botocores_sender_too(
    scripted: ScriptedServer, tls_proxy: RawServer, certificate: tuple[str, str]
) -> None:
    """The strict reading holds whichever sender carried the bytes."""
    config = Config(
        proxies={"http": f"https://{tls_proxy.authority}"},
        proxies_config={"proxy_ca_bundle": certificate[0]},
    )
    scripted.script(Reply(body={"SpeakerSearchTask": {**TASK, "CallDetails": {"IsCaller": "yes"}}}))
    with (
        client_of(scripted.endpoint_url, config=config, retry=ONCE) as client,
        pytest.raises(css.MalformedResponseError) as caught,
    ):
        client.get_speaker_search_task(**GET)
    assert caught.value.field == "SpeakerSearchTask.CallDetails.IsCaller"


def https_proxy(authority: str, ca_bundle: str | None) -> Config:
    return Config(
        proxies={"http": f"https://{authority}"},
        proxies_config={} if ca_bundle is None else {"proxy_ca_bundle": ca_bundle},
    )


@pytest.mark.parametrize(
    ("setup", "attempts"),
    [
        ("refused", 2),  # a refused connection may be retried
        ("missing-ca-file", 1),  # botocore fails making the proxy's TLS context: no retry
    ],
)
def test_failures_of_botocores_sender_are_transport_errors(
    scripted: ScriptedServer,
    tls_proxy: RawServer,
    certificate: tuple[str, str],
    clock: ManualClock,
    setup: str,
    attempts: int,
) -> None:
    config = {
        "refused": https_proxy(f"127.0.0.1:{free_port()}", certificate[0]),
        "missing-ca-file": https_proxy(tls_proxy.authority, "/nonexistent/ca.pem"),
    }[setup]
    with client_of(
        scripted.endpoint_url,
        config=config,
        retry=RetryPolicy(max_attempts=2),
        clock=clock,
    ) as client:
        assert engine_of(client) is None
        with pytest.raises(TransportError) as caught:
            client.get_speaker_search_task(**GET)
    assert caught.value.request_sent is False  # neither opened a connection
    assert caught.value.attempts == attempts
    assert scripted.requests == []


def test_an_unloadable_proxies_config_file_is_no_unknown_outcome_for_a_write(
    scripted: ScriptedServer, tls_proxy: RawServer, clock: ManualClock
) -> None:
    """botocore wraps its ``InvalidProxiesConfigError`` (raised before connecting) in an
    ``HTTPClientError``, which otherwise means a connection broken after sending."""
    with (
        client_of(
            scripted.endpoint_url,
            config=https_proxy(tls_proxy.authority, "/nonexistent/ca.pem"),
            retry=RetryPolicy(max_attempts=3),
            clock=clock,
        ) as client,
        pytest.raises(TransportError) as caught,
    ):
        client.delete_voice_profile(voice_profile_id="vp-1")
    assert not isinstance(caught.value, css.OutcomeUnknownError)
    assert caught.value.request_sent is False
    assert caught.value.attempts == 1
    assert "No such file or directory" in str(caught.value)
    assert scripted.requests == []
    assert tls_proxy.requests == []


def test_a_refused_certificate_is_not_retried_with_botocores_sender_either(
    certificate: tuple[str, str], clock: ManualClock, no_proxy_environment: None
) -> None:
    with (
        RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as origin,
        RawServer(proxy()) as tunnel,
    ):
        config = Config(
            proxies={"https": tunnel.url}, proxies_config={"proxy_use_forwarding_for_https": False}
        )
        with client_of(
            origin.url,
            config=config,
            retry=RetryPolicy(max_attempts=3),
            clock=clock,
        ) as client:
            assert engine_of(client) is None
            with pytest.raises(TransportError) as caught:
                client.get_speaker_search_task(**GET)
    assert caught.value.retryable is False
    assert caught.value.attempts == 1
    assert len(tunnel.requests) == 1
    assert origin.requests == []


@urllib3_1_https_proxy_warning
def test_a_connection_closed_by_a_proxy_is_a_lost_answer_with_botocores_sender(
    scripted: ScriptedServer, certificate: tuple[str, str], clock: ManualClock
) -> None:
    def read_and_close(peer: Peer) -> None:
        peer.read_request()

    with (
        RawServer(read_and_close, tls=tls_server_context(certificate)) as closing,
        client_of(
            scripted.endpoint_url,
            config=https_proxy(closing.authority, certificate[0]),
            retry=RetryPolicy(max_attempts=3),
            clock=clock,
        ) as client,
        pytest.raises(TransportError, match="may have reached") as caught,
    ):
        client.get_speaker_search_task(**GET)
    assert caught.value.request_sent
    assert caught.value.attempts == 3
    assert len(closing.requests) == 3


@needs_per_request_read_timeout
@urllib3_1_https_proxy_warning
def test_botocores_sender_reads_no_longer_than_the_deadline(
    scripted: ScriptedServer, certificate: tuple[str, str]
) -> None:
    """With botocore's sender, a silent server is bounded by the time left too."""

    def silent(peer: Peer) -> None:
        peer.read_request()
        peer.server.stopping.wait()

    with RawServer(silent, tls=tls_server_context(certificate)) as hanging:
        config = https_proxy(hanging.authority, certificate[0]).merge(Config(read_timeout=5))
        with client_of(
            scripted.endpoint_url,
            config=config,
            retry=RetryPolicy(max_attempts=1, timeout=0.5),
        ) as client:
            began = time.monotonic()
            with Starvation() as starved, pytest.raises(TransportError, match="no answer in time"):
                client.get_speaker_search_task(**GET)
            took = time.monotonic() - began
    assert took < 0.5 + MARGIN + starved.total


class FakeSession:
    """Stands in for botocore's HTTP session: records the read timeout it was given."""

    def __init__(self) -> None:
        self.read_timeouts: list[object] = []

    def send(self, request: object) -> object:
        context = getattr(request, "context", None)
        self.read_timeouts.append(None if context is None else context.get("read_timeout"))
        return SimpleNamespace(status_code=200, headers={"X-A": "b"}, content=b"{}")


@pytest.mark.parametrize(
    ("time_left", "context", "seen"),
    [(None, {}, None), (2.0, {}, 2.0), (9.0, {}, 5.0), (2.0, None, None)],
)
def test_botocores_sender_caps_the_read_timeout_by_the_time_left(
    time_left: float | None, context: dict[str, float] | None, seen: float | None
) -> None:
    session = FakeSession()
    request = SimpleNamespace() if context is None else SimpleNamespace(context=context)
    response = _botocore_sender(session, 5.0)(request, time_left, fresh=False)
    assert (response.status, response.headers, response.body) == (200, {"x-a": "b"}, b"{}")
    assert session.read_timeouts == [seen]


@pytest.mark.parametrize("time_left", [0.0, -1.0])
def test_botocores_sender_sends_nothing_when_no_time_is_left(time_left: float) -> None:
    session = FakeSession()
    with pytest.raises(HttpFailure) as caught:
        _botocore_sender(session, 5.0)(SimpleNamespace(context={}), time_left, fresh=False)
    assert (caught.value.kind, caught.value.sent) == ("timeout", False)
    assert session.read_timeouts == []


# --- endpoint URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/",
        "notaurl",
        "http://[::1",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://",
        "https://:443",
        "http://127.0.0.1:port",
    ],
)
def test_endpoint_urls_no_request_could_go_to_are_refused(url: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client_of(url)
    (violation,) = caught.value.violations
    assert violation.parameter == "endpoint_url"
    assert violation.value == url
    assert "endpoint_url" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:0"])
def test_a_passed_client_with_an_unusable_endpoint_is_refused_up_front(
    url: str, no_proxy_environment: None
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        SpeakerSearchClient(client=raw_client(url))
    (violation,) = caught.value.violations
    assert violation.parameter == "client.meta.endpoint_url"
    assert violation.value == url


def test_a_passed_client_to_a_remote_plain_http_endpoint_does_not_warn() -> None:
    """Only endpoints the library is asked to use get the plain-http warning."""
    raw = raw_client("http://speaker-search.example.com")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SpeakerSearchClient(client=raw)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:4566", "https://example.com", "http://[::1]:80/", None]
)
def test_usable_endpoint_urls_pass(url: str | None) -> None:
    check_endpoint_url(url)


# --- Retry-After ----------------------------------------------------------------------------------

NOW = datetime(2026, 11, 21, 13, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "5"}, 5.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": " 7 "}, 7.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "-inf"}, None),
        ({"retry-after": "1e999"}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "nan", "x-amz-retry-after": "2"}, 2.0),
        ({"x-amz-retry-after": "4"}, 4.0),
        ({"retry-after": format_datetime(NOW + timedelta(seconds=10), usegmt=True)}, 10.0),
        ({"retry-after": format_datetime(NOW - timedelta(seconds=10), usegmt=True)}, 0.0),
        ({"retry-after": "Sat, 21 Nov 2026 13:00:30 +0100"}, 0.0),  # 12:00:30 UTC: past
        ({"retry-after": "Sat, 21 Nov 2026 13:00:30 -0000"}, None),  # naive: no zone known
        ({"retry-after": "Sat, 41 Nov 2026 13:00:30 GMT"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after(headers, NOW) == seconds


def test_retry_after_as_a_date_needs_a_now() -> None:
    assert retry_after({"retry-after": format_datetime(NOW, usegmt=True)}) is None
    assert retry_after({"retry-after": "3"}) == 3.0


# --- botocore's Stubber on a passed client --------------------------------------------------------


def test_botocores_stubber_still_works_with_a_passed_client(clock: ManualClock) -> None:
    raw = raw_client("https://chime-voice.example")
    params = {"VoiceConnectorId": VC, "SpeakerSearchTaskId": "t1"}
    answer_ = {
        "SpeakerSearchTask": {
            "SpeakerSearchTaskId": "t1",
            "SpeakerSearchTaskStatus": "SUCCEEDED",
            "CreatedTimestamp": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        }
    }
    with Stubber(raw) as stubber:
        stubber.add_client_error(
            "get_speaker_search_task",
            service_error_code="ThrottledClientException",
            http_status_code=429,
            expected_params=params,
        )
        stubber.add_response("get_speaker_search_task", answer_, params)
        client = SpeakerSearchClient(client=raw, clock=clock, jitter=lambda: 1.0)
        task = client.get_speaker_search_task(voice_connector_id=VC, speaker_search_task_id="t1")
        stubber.assert_no_pending_responses()
    assert task.speaker_search_task_id == "t1"
    assert task.created_timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert len(clock.sleeps) == 1  # the stubbed throttle was mapped and retried


def test_a_stubbed_error_maps_to_the_library_error(clock: ManualClock) -> None:
    raw = raw_client("https://chime-voice.example")
    with Stubber(raw) as stubber:
        stubber.add_client_error(
            "get_speaker_search_task",
            service_error_code="NotFoundException",
            service_message="no such task",
            http_status_code=404,
        )
        with pytest.raises(css.NotFoundException, match="no such task") as caught:
            SpeakerSearchClient(client=raw, clock=clock).get_speaker_search_task(**GET)
    assert caught.value.http_status == 404


# --- error bodies botocore's error parser cannot take -----------------------------------------------

ERROR_TYPE = {"x-amzn-ErrorType": "BadRequestException"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"\xe9chec", ERROR_TYPE),  # latin-1, not UTF-8
        (b"[1, 2]", ERROR_TYPE),
        (b'"just a string"', ERROR_TYPE),
        (b"5", ERROR_TYPE),
        (b"null", ERROR_TYPE),
        (b'{"__type": 5, "message": "m"}', ERROR_TYPE),
        (b'{"code": 5}', ERROR_TYPE),
        (b'{"message": {"nested": true}}', ERROR_TYPE),
        (b"[" * 5000 + b"]" * 5000, ERROR_TYPE),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, ERROR_TYPE),
        (b"{" * 300, ERROR_TYPE),  # deep-looking, not JSON
    ],
    ids=[
        "latin-1",
        "array",
        "string",
        "number",
        "null",
        "numeric-type",
        "numeric-code",
        "object-message",
        "deep-array",
        "deep-object",
        "braces",
    ],
)
def test_odd_error_bodies_still_map_to_the_error_type(
    client: SpeakerSearchClient, scripted: ScriptedServer, body: bytes, headers: dict[str, str]
) -> None:
    scripted.script(Reply(status=400, body=body, headers=headers))
    with pytest.raises(css.BadRequestException) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.http_status == 400
    assert len(scripted.requests) == 1


@pytest.mark.parametrize(
    "body",
    [b"\xe9chec de la passerelle", b"[1]", b"<html><body>Bad Gateway</body></html>", b"{}"],
    ids=["latin-1", "array", "html", "empty-object"],
)
def test_odd_gateway_pages_are_retried(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock, body: bytes
) -> None:
    scripted.script(Reply(status=502, body=body))
    task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert len(scripted.requests) == 2
    assert len(clock.sleeps) == 1


def test_a_latin1_error_message_keeps_its_text(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(status=400, body=b"caf\xe9 ferm\xe9", headers=ERROR_TYPE))
    with pytest.raises(css.BadRequestException, match="caf\ufffd ferm\ufffd"):
        client.get_speaker_search_task(**GET)


# --- what the engine refuses or cuts off, as the client reports it ----------------------------------


def test_a_header_with_a_line_break_is_never_sent(
    scripted: ScriptedServer, clock: ManualClock
) -> None:
    """A handler on a passed client cannot smuggle a header through the engine."""
    raw = raw_client(scripted.endpoint_url)

    def smuggle(request: object, **_: object) -> None:
        request.headers["X-Trace"] = "a\r\nX-Evil: 1"  # type: ignore[attr-defined]

    raw.meta.events.register("before-sign.chime-sdk-voice", smuggle)
    client = SpeakerSearchClient(client=raw, retry=RetryPolicy(max_attempts=2), clock=clock)
    with pytest.raises(TransportError, match="line break") as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.request_sent is False
    assert scripted.requests == []


def test_a_body_over_the_cap_is_malformed_and_not_retried(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body=b"x" * (4 * 1024 * 1024 + 1)))
    with pytest.raises(css.MalformedResponseError, match="over the 4194304-byte limit"):
        client.get_speaker_search_task(**GET)
    assert len(scripted.requests) == 1


def test_a_success_body_nested_too_deeply_is_malformed(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body=b'{"a":' * 100_000 + b"1" + b"}" * 100_000))
    with pytest.raises(css.MalformedResponseError, match="nested too deeply"):
        client.get_speaker_search_task(**GET)


def test_a_refused_endpoint_with_botocores_sender_was_not_sent(clock: ManualClock) -> None:
    config = Config(proxies_config={"proxy_use_forwarding_for_https": True})
    with client_of(
        f"http://127.0.0.1:{free_port()}",
        config=config,
        retry=RetryPolicy(max_attempts=2),
        clock=clock,
    ) as client:
        assert engine_of(client) is None
        with pytest.raises(TransportError, match="could not reach") as caught:
            client.get_speaker_search_task(**GET)
    assert caught.value.request_sent is False
    assert caught.value.attempts == 2


def test_a_text_body_is_sent_as_utf8() -> None:
    """botocore hands some bodies over as text; the engine sends their UTF-8 bytes."""
    with RawServer(keep_alive()) as server:
        engine = HttpEngine(connect_timeout=2, read_timeout=5)
        request = SimpleNamespace(
            method="POST", url=f"{server.url}/x", headers={"X-A": "b"}, body="caf\u00e9 \u20ac"
        )
        response = _engine_sender(engine)(request, 5.0, fresh=False)
        engine.close()
    assert response.status == 200
    assert server.requests[0].body == "caf\u00e9 \u20ac".encode()


def test_a_task_under_a_status_code_outside_http_is_malformed(no_proxy_environment: None) -> None:
    def answer_042(peer: Peer) -> None:
        while peer.read_request() is not None:
            peer.send(
                b"HTTP/1.1 042 Odd\r\nContent-Length: %d\r\n\r\n%s" % (len(TASK_BODY), TASK_BODY)
            )

    with (
        RawServer(answer_042) as server,
        client_of(server.url, retry=ONCE) as client,
        pytest.raises(css.MalformedResponseError, match="no HTTP status"),
    ):
        client.get_speaker_search_task(**GET)


@pytest.mark.parametrize("status", [300, 301, 399])
def test_a_3xx_answer_is_a_service_error_whatever_its_body(
    client: SpeakerSearchClient, scripted: ScriptedServer, status: int
) -> None:
    """botocore reads a 300 with its success parser, which raises bare errors on odd bodies."""
    scripted.script(
        Reply(status=status, body={"SpeakerSearchTask": {**TASK, "CreatedTimestamp": "x"}})
    )
    with pytest.raises(ServiceError) as caught:
        client.get_speaker_search_task(**GET)
    assert caught.value.http_status == status
    assert not caught.value.retryable


# --- framing the project's raw servers send and uvicorn cannot ---------------------------------


def answering(wire: bytes, connections: list[int] | None = None) -> Callable[[Peer], None]:
    """A handler answering every request on its connection with these exact bytes.

    ``connections`` gets the connection (0, 1...) of each request.
    """

    def handle(peer: Peer) -> None:
        while peer.read_request() is not None:
            if connections is not None:
                connections.append(peer.index)
            peer.send(wire)
        peer.client_closed()

    return handle


def test_a_redirect_is_not_followed_and_the_error_says_so(no_proxy_environment: None) -> None:
    moved = answer(301, b"", headers=(("Location", "https://elsewhere.example/"),))
    connections: list[int] = []
    with RawServer(answering(moved, connections)) as server:
        with (
            client_of(server.url, retry=RetryPolicy.disabled()) as client,
            pytest.raises(ServiceError) as caught,
        ):
            client.get_speaker_search_task(**GET)
        assert caught.value.http_status == 301
        assert "does not follow" in str(caught.value)
        assert "https://elsewhere.example/" in str(caught.value)
        raw = raw_client(server.url, config=Config(retries={"max_attempts": 1}))
        with pytest.raises(raw.exceptions.ClientError) as raw_caught:
            raw.get_speaker_search_task(
                VoiceConnectorId=VC, SpeakerSearchTaskId=TASK["SpeakerSearchTaskId"]
            )
        assert raw_caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 301
    assert len(connections) == 2  # one each: neither went to the Location


@pytest.mark.parametrize(
    "headers",
    [
        (("Transfer-Encoding", "chunked"),),  # and the Content-Length answer() adds
        (("Content-Length", str(len(TASK_BODY))),),  # a second one
    ],
    ids=["content-length-and-chunked", "two-content-lengths"],
)
def test_ambiguous_framing_is_refused_and_the_connection_never_pooled(
    headers: tuple[tuple[str, str], ...], no_proxy_environment: None
) -> None:
    ambiguous = answer(body=TASK_BODY, headers=headers)
    connections: list[int] = []
    with (
        RawServer(answering(ambiguous, connections)) as server,
        client_of(server.url, retry=RetryPolicy.disabled()) as client,
    ):
        for _ in range(2):
            with pytest.raises(MalformedResponseError):
                client.get_speaker_search_task(**GET)
    assert connections == [0, 1]  # the first connection was dropped, not pooled
