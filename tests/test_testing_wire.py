"""The emulator's HTTP: status codes, headers, bodies, keep-alive, authentication,
routing, validation, request records, fault injection and start/stop of the server."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import attrs
import boto3
import botocore.config
import botocore.exceptions
import pytest

from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

# A well-formed SigV4 header (the emulator checks the form, not the signature, unless it
# is given credentials).
SIGNED = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/chime/aws4_request,"
    " SignedHeaders=host;x-amz-date, Signature=" + "0123456789abcdef" * 4,
    "X-Amz-Date": "20260101T000000Z",
}


@attrs.frozen
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_type(self) -> str | None:
        return self.headers.get("x-amzn-errortype")


@attrs.frozen(kw_only=True)
class World:
    service: LocalSpeakerSearchService
    clock: ManualClock
    vc: str
    domain: str
    transaction_id: str

    @property
    def port(self) -> int:
        port = urlsplit(self.service.endpoint_url).port
        assert port is not None
        return port

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)

    def send(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        headers: dict[str, str] | None = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> Reply:
        conn = connection or self.connect()
        raw = (
            body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
        )
        conn.request(method, path, body=raw, headers=SIGNED if headers is None else headers)
        response = conn.getresponse()
        reply = Reply(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=response.read(),
        )
        if connection is None:
            conn.close()
        return reply

    def tasks_path(self, vc: str | None = None) -> str:
        return f"/voice-connectors/{quote(vc if vc is not None else self.vc, safe='')}/speaker-search-tasks"

    def start_body(self, **overrides: object) -> dict[str, object]:
        body: dict[str, object] = {
            "TransactionId": self.transaction_id,
            "VoiceProfileDomainId": self.domain,
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not None}

    def start(self, **overrides: object) -> Reply:
        return self.send("POST", self.tasks_path(), self.start_body(**overrides))


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        service.add_voice_profile(domain, speaker="alice")
        yield World(
            service=service,
            clock=clock,
            vc=vc,
            domain=domain,
            transaction_id=service.add_call(vc, caller="alice"),
        )


def boto_client(world: World, **config: Any) -> ChimeSDKVoiceClient:
    return boto3.client(
        "chime-sdk-voice",
        endpoint_url=world.service.endpoint_url,
        region_name="us-east-1",
        config=botocore.config.Config(retries={"total_max_attempts": 1}, **config),
    )


# --- responses -----------------------------------------------------------------------------


def test_start_and_get_speak_rest_json(world: World) -> None:
    started = world.start()
    assert started.status == 201
    assert started.headers["content-type"] == "application/json"
    assert int(started.headers["content-length"]) == len(started.body)
    assert started.headers["x-amzn-requestid"]
    task = started.json["SpeakerSearchTask"]
    assert task["CreatedTimestamp"] == "2026-01-01T00:00:00Z"  # ISO-8601 text
    got = world.send("GET", f"{world.tasks_path()}/{task['SpeakerSearchTaskId']}")
    assert got.status == 200
    assert got.json == started.json


def test_stop_is_204_with_an_empty_body(world: World) -> None:
    task_id = world.start().json["SpeakerSearchTask"]["SpeakerSearchTaskId"]
    stopped = world.send("POST", f"{world.tasks_path()}/{task_id}?operation=stop")
    assert stopped.status == 204
    assert stopped.body == b""
    assert stopped.headers["content-length"] == "0"
    assert stopped.headers["x-amzn-requestid"]


def test_keep_alive_serves_many_requests_on_one_connection(world: World) -> None:
    """HTTP/1.1: successes and errors alike leave the connection usable."""
    conn = world.connect()
    try:
        first = world.send("POST", world.tasks_path(), world.start_body(), connection=conn)
        missing = world.send("GET", f"{world.tasks_path()}/nope", connection=conn)
        again = world.send("GET", "/nowhere", connection=conn)
        task_id = first.json["SpeakerSearchTask"]["SpeakerSearchTaskId"]
        stop = world.send("POST", f"{world.tasks_path()}/{task_id}?operation=stop", connection=conn)
        last = world.send("GET", f"{world.tasks_path()}/{task_id}", connection=conn)
    finally:
        conn.close()
    assert [r.status for r in (first, missing, again, stop, last)] == [201, 404, 404, 204, 200]
    request_ids = {r.headers["x-amzn-requestid"] for r in (first, missing, again, stop, last)}
    assert len(request_ids) == 5


def test_ids_in_the_path_are_percent_decoded(world: World) -> None:
    vc = world.service.add_voice_connector("vc with/slash")
    transaction_id = world.service.add_call(vc, caller="alice")
    reply = world.send(
        "POST",
        world.tasks_path(vc),
        {"TransactionId": transaction_id, "VoiceProfileDomainId": world.domain},
    )
    assert reply.status == 201
    assert reply.json["SpeakerSearchTask"]["CallDetails"]["VoiceConnectorId"] == vc


# --- errors --------------------------------------------------------------------------------


def test_unsigned_request_is_unauthorized(world: World) -> None:
    request = urllib.request.Request(  # noqa: S310 (a loopback http URL)
        f"{world.service.endpoint_url}{world.tasks_path()}",
        data=json.dumps(world.start_body()).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    with raised.value as error:  # closes the response it carries
        assert error.code == 401
        assert error.headers["x-amzn-ErrorType"] == "UnauthorizedClientException"
        assert error.headers["x-amzn-RequestId"]
        assert "Signature Version 4" in json.loads(error.read())["Message"]
    assert world.service.tasks == {}


def test_a_non_sigv4_authorization_is_an_incomplete_signature(world: World) -> None:
    reply = world.send("GET", f"{world.tasks_path()}/x", headers={"Authorization": "Basic eDp5"})
    assert reply.status == 403
    assert reply.error_type is not None
    assert reply.error_type.startswith("IncompleteSignatureException:")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/voice-connectors/vc/speaker-search-tasks"),
        ("POST", "/voice-connectors/vc/speaker-search-tasks/task"),  # no ?operation=stop
        ("POST", "/voice-connectors/vc/speaker-search-tasks/task?operation=pause"),
        ("DELETE", "/voice-connectors/vc/speaker-search-tasks/task"),
        ("PUT", "/voice-connectors/vc/other"),
    ],
)
def test_unknown_route_is_a_clear_404(world: World, method: str, path: str) -> None:
    reply = world.send(method, path)
    assert reply.status == 404
    assert reply.error_type == "UnknownOperationException"
    assert reply.headers["x-amzn-requestid"]
    message = reply.json["Message"]
    assert f"{method} {path.split('?', maxsplit=1)[0]}" in message
    assert "StartSpeakerSearchTask (POST /voice-connectors/{VoiceConnectorId}" in message
    assert world.service.requests[-1].operation is None


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"TransactionId": None}, ["TransactionId"]),
        ({"TransactionId": "   "}, ["TransactionId"]),
        ({"TransactionId": "x" * 257}, ["TransactionId"]),
        ({"TransactionId": 12}, ["TransactionId"]),
        ({"VoiceProfileDomainId": "\n\t"}, ["VoiceProfileDomainId"]),
        ({"ClientRequestToken": "a"}, ["ClientRequestToken"]),
        ({"ClientRequestToken": "has space"}, ["ClientRequestToken"]),
        ({"ClientRequestToken": "x" * 65}, ["ClientRequestToken"]),
        ({"CallLeg": "Both"}, ["CallLeg"]),
        ({"CallLeg": "caller"}, ["CallLeg"]),
        ({"TransactionId": "", "CallLeg": "Both"}, ["TransactionId", "CallLeg"]),
    ],
)
def test_invalid_start_is_a_bad_request_naming_the_field(
    world: World, overrides: dict[str, object], fields: list[str]
) -> None:
    reply = world.start(**overrides)
    assert reply.status == 400
    assert reply.error_type == "BadRequestException"
    message = reply.json["Message"]
    for field in fields:
        assert field in message
    assert world.service.tasks == {}


def test_voice_connector_id_in_the_path_is_validated(world: World) -> None:
    for vc in ("", "   ", "x" * 129):
        reply = world.send("POST", world.tasks_path(vc), world.start_body())
        assert reply.status == 400, vc
        assert "VoiceConnectorId" in reply.json["Message"]


def test_task_id_in_the_path_is_validated(world: World) -> None:
    for method, suffix in (("GET", ""), ("POST", "?operation=stop")):
        reply = world.send(method, f"{world.tasks_path()}/{'t' * 257}{suffix}")
        assert reply.status == 400
        assert "SpeakerSearchTaskId" in reply.json["Message"]
        reply = world.send(method, f"{world.tasks_path()}/%20{suffix}")
        assert reply.status == 400
        assert "SpeakerSearchTaskId" in reply.json["Message"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(world: World, body: bytes) -> None:
    reply = world.send("POST", world.tasks_path(), body)
    assert reply.status == 400
    assert reply.error_type == "BadRequestException"
    assert "JSON" in reply.json["Message"]


def test_boto3_parses_errors_into_its_modelled_exceptions(world: World) -> None:
    boto = boto_client(world)
    with pytest.raises(boto.exceptions.NotFoundException) as raised:
        boto.get_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId="missing")
    response = raised.value.response
    assert response["Error"]["Code"] == "NotFoundException"
    assert "missing" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["RequestId"]


# --- records -------------------------------------------------------------------------------


def test_every_request_is_recorded(world: World) -> None:
    world.start(ClientRequestToken="tok-1")
    world.send("GET", "/nowhere?x=1&x=2", headers={})
    first, second = world.service.requests
    assert first.operation == "StartSpeakerSearchTask"
    assert first.method == "POST"
    assert first.path == world.tasks_path()
    assert first.query == {}
    assert first.body == world.start_body(ClientRequestToken="tok-1")
    assert first.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "Signature=0123456789abcdef" not in repr(first)
    assert "<redacted>" in repr(first)
    assert second.operation is None
    assert second.query == {"x": "2"}
    assert second.body is None
    assert "authorization" not in second.headers


# --- fault injection -----------------------------------------------------------------------


def test_fail_next_answers_the_error_then_recovers(world: World) -> None:
    world.service.fail_next("StartSpeakerSearchTask", "ThrottledClientException", times=2)
    first, second, third = world.start(), world.start(), world.start()
    assert [first.status, second.status, third.status] == [429, 429, 201]
    assert first.error_type == "ThrottledClientException"
    assert "injected" in first.json["Message"]
    assert "retry-after" not in first.headers
    assert len(world.service.tasks) == 1  # failed requests had no effect
    assert len(world.service.requests) == 3


def test_fail_next_sends_retry_after_and_the_message(world: World) -> None:
    world.service.fail_next(
        "get_speaker_search_task",
        "ServiceUnavailableException",
        message="down for lunch",
        retry_after=3,
    )
    world.service.fail_next("GetSpeakerSearchTask", "TooManyCooksException", retry_after=0.5)
    reply = world.send("GET", f"{world.tasks_path()}/any")
    assert (reply.status, reply.error_type) == (503, "ServiceUnavailableException")
    assert reply.headers["retry-after"] == "3"
    # [smithy] every modelled error has the members Code (ErrorCode) and Message.
    assert reply.json == {"Code": "ServiceUnavailable", "Message": "down for lunch"}
    reply = world.send("GET", f"{world.tasks_path()}/any")
    assert (reply.status, reply.error_type) == (400, "TooManyCooksException")  # unknown: 400
    assert reply.headers["retry-after"] == "0.5"
    assert world.send("GET", f"{world.tasks_path()}/any").status == 404  # back to normal


def test_fail_next_only_affects_its_operation(world: World) -> None:
    world.service.fail_next("StopSpeakerSearchTask", "ServiceFailureException")
    assert world.start().status == 201
    world.service.clear_faults()
    task_id = next(iter(world.service.tasks))
    assert world.send("POST", f"{world.tasks_path()}/{task_id}?operation=stop").status == 204


def test_boto3_sees_an_injected_error_as_its_modelled_exception(world: World) -> None:
    world.service.fail_next("StartSpeakerSearchTask", "ResourceLimitExceededException")
    boto = boto_client(world)
    with pytest.raises(boto.exceptions.ResourceLimitExceededException):
        boto.start_speaker_search_task(
            VoiceConnectorId=world.vc,
            TransactionId=world.transaction_id,
            VoiceProfileDomainId=world.domain,
        )


def test_fault_arguments_are_checked(world: World) -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        world.service.fail_next("ListSpeakerSearchTasks", "ConflictException")
    with pytest.raises(ValueError, match="times"):
        world.service.drop_next_response("StartSpeakerSearchTask", times=0)
    with pytest.raises(ValueError, match="delay"):
        world.service.delay_next("StartSpeakerSearchTask", -1)
    with pytest.raises(ValueError, match="error code"):
        world.service.fail_next("StartSpeakerSearchTask", "")
    with pytest.raises(ValueError, match="retry_after"):
        world.service.fail_next("StartSpeakerSearchTask", "X", retry_after=-1)


def test_dropped_response_takes_effect_then_hangs_up(world: World) -> None:
    world.service.drop_next_response("StartSpeakerSearchTask")
    conn = world.connect()
    body = json.dumps(world.start_body(ClientRequestToken="tok-drop")).encode()
    conn.request("POST", world.tasks_path(), body=body, headers=SIGNED)
    with pytest.raises(http.client.RemoteDisconnected):
        conn.getresponse()
    conn.close()
    (task_id,) = world.service.tasks  # the task exists although nobody was told
    retried = world.start(ClientRequestToken="tok-drop")
    assert retried.status == 201
    assert retried.json["SpeakerSearchTask"]["SpeakerSearchTaskId"] == task_id


def test_planned_failures_and_drops_happen_in_the_order_planned(world: World) -> None:
    world.service.fail_next("StartSpeakerSearchTask", "ServiceFailureException")
    world.service.drop_next_response("StartSpeakerSearchTask")
    world.service.delay_next("StartSpeakerSearchTask", 0.05)  # combines with the failure
    began = time.monotonic()
    assert world.start(ClientRequestToken="tok-order").status == 500
    assert time.monotonic() - began >= 0.05
    assert world.service.tasks == {}
    with pytest.raises(http.client.RemoteDisconnected):
        world.start(ClientRequestToken="tok-order")
    assert len(world.service.tasks) == 1
    assert world.start(ClientRequestToken="tok-order").status == 201
    assert len(world.service.tasks) == 1


def test_boto3_sees_a_dropped_response_as_a_closed_connection(world: World) -> None:
    world.service.drop_next_response("GetSpeakerSearchTask", times=2)
    boto = boto_client(world)
    for _ in range(2):
        with pytest.raises(botocore.exceptions.ConnectionClosedError):
            boto.get_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId="x")
    with pytest.raises(boto.exceptions.NotFoundException):
        boto.get_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId="x")


def test_delayed_response_arrives_late(world: World) -> None:
    world.service.delay_next("StartSpeakerSearchTask", 0.3)
    began = time.monotonic()
    reply = world.start()
    assert time.monotonic() - began >= 0.3
    assert reply.status == 201
    began = time.monotonic()
    assert world.start().error_type == "ResourceLimitExceededException"  # took effect once
    assert time.monotonic() - began < 0.3  # the next one is not delayed


def test_a_delay_beyond_the_read_timeout_times_boto3_out(world: World) -> None:
    world.service.delay_next("GetSpeakerSearchTask", 1.0)
    boto = boto_client(world, read_timeout=0.2, connect_timeout=1)
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        boto.get_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId="x")


# --- server life ---------------------------------------------------------------------------


def test_stop_is_prompt_with_open_connections_and_pending_delays() -> None:
    service = LocalSpeakerSearchService(clock=ManualClock()).start()
    port = urlsplit(service.endpoint_url).port
    assert port is not None
    idle = socket.create_connection(("127.0.0.1", port))  # an idle keep-alive client
    service.delay_next("GetSpeakerSearchTask", 30)
    outcome: list[object] = []

    def delayed() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/voice-connectors/vc/speaker-search-tasks/t", headers=SIGNED)
            outcome.append(conn.getresponse().status)
        except (OSError, http.client.HTTPException) as error:
            outcome.append(error)
        finally:
            conn.close()

    thread = threading.Thread(target=delayed)
    thread.start()
    deadline = time.monotonic() + 5
    while not service.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    began = time.monotonic()
    service.stop()
    assert time.monotonic() - began < 1.0
    thread.join(5)
    assert isinstance(outcome[0], Exception)  # cut off, not answered after 30 s
    assert idle.recv(1) == b""  # the idle connection was closed
    idle.close()
    service.stop()  # idempotent
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def running(service: LocalSpeakerSearchService) -> bool:
    return service.is_running  # a call, so that mypy does not narrow it across stop()


def test_restart_keeps_the_port_and_the_state() -> None:
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        url = service.endpoint_url
        vc = service.add_voice_connector()
        assert running(service)
        service.stop()
        assert not running(service)
        assert "stopped" in repr(service)
        service.start()
        assert service.endpoint_url == url
        reply = World(
            service=service, clock=ManualClock(), vc=vc, domain="d", transaction_id="t"
        ).send("GET", f"/voice-connectors/{vc}/speaker-search-tasks/none")
        assert reply.status == 404
        assert "not found" in reply.json["Message"]


def test_endpoint_url_needs_a_start_and_is_loopback() -> None:
    service = LocalSpeakerSearchService()
    with pytest.raises(RuntimeError, match="start"):
        _ = service.endpoint_url
    assert "not started" in repr(service)
    with service:
        assert service.endpoint_url.startswith("http://127.0.0.1:")
        assert "running" in repr(service)


def test_a_bad_content_length_is_rejected(world: World) -> None:
    with socket.create_connection(("127.0.0.1", world.port), timeout=5) as raw:
        raw.sendall(
            b"POST /voice-connectors/vc/speaker-search-tasks HTTP/1.1\r\n"
            b"Host: x\r\nContent-Length: -3\r\n\r\n"
        )
        assert raw.recv(100).startswith(b"HTTP/1.1 400")


def test_an_emulator_bug_is_a_500_not_a_dead_connection(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(world.service._app.emulator, "get", broken)
    reply = world.send("GET", f"{world.tasks_path()}/any")
    assert reply.status == 500
    assert reply.error_type == "ServiceFailureException"


def test_ipv6_loopback_endpoint_is_bracketed() -> None:
    try:
        service = LocalSpeakerSearchService(host="::1", clock=ManualClock()).start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with service:
        assert service.endpoint_url.startswith("http://[::1]:")
        port = urlsplit(service.endpoint_url).port
        conn = http.client.HTTPConnection("::1", port, timeout=5)
        conn.request("GET", "/", headers=SIGNED)
        assert conn.getresponse().status == 404
        conn.close()
