"""The urllib3 sender (``_u3``, issue 18 part 4) on its core cases, over real HTTP on loopback.

The whole suite runs with it too (``CHIME_SPEAKER_SEARCH_SENDER=urllib3``; see
``docs/design.md`` for what passes); these tests pin a handful of its promises under the
default run, each with the variable set while the client is made.
"""

from __future__ import annotations

import json
import time
import warnings
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config

from chime_speaker_search import (
    MalformedResponseError,
    OutcomeUnknownError,
    RetryPolicy,
    SpeakerSearchClient,
    TransportError,
)
from chime_speaker_search._http import MAX_BODY
from chime_speaker_search._transport import SENDER_VARIABLE
from chime_speaker_search._u3 import UrllibSender
from tests.rawnet import RawServer, answer, basic, free_port, keep_alive, proxy, tls_server_context
from tests.scripted import TASK

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.rawnet import Peer

if version("urllib3").startswith("1."):  # pragma: no cover (the floor's urllib3 1.26)
    pytest.skip("the urllib3 sender is written for urllib3 2", allow_module_level=True)

VC = "abcdef1ghij2klmno3pqr4"
GET = {"voice_connector_id": VC, "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}
TASK_BODY = json.dumps({"SpeakerSearchTask": TASK}).encode()
ONCE = RetryPolicy.disabled()
SLACK = 0.25


@pytest.fixture(autouse=True)
def _urllib3_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SENDER_VARIABLE, "urllib3")
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def make() -> Iterator[Callable[..., SpeakerSearchClient]]:
    made: list[SpeakerSearchClient] = []

    def make_client(endpoint_url: str, **kwargs: Any) -> SpeakerSearchClient:
        client = SpeakerSearchClient(endpoint_url=endpoint_url, region_name="us-east-1", **kwargs)
        made.append(client)
        return client

    yield make_client
    for client in made:
        client.close()


def replying(data: bytes) -> Callable[[Peer], None]:
    """A handler that reads one request and sends ``data``, then closes."""

    def handle(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(data)

    return handle


def silent(peer: Peer) -> None:
    """Read the request, never answer, until the server stops."""
    if peer.read_request() is not None:
        peer.server.stopping.wait(10)


def test_the_variable_selects_the_urllib3_sender_and_a_get_reuses_its_connection(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = make(server.url)
        assert isinstance(client._transport._sender, UrllibSender)
        first = client.get_speaker_search_task(**GET)
        client.get_speaker_search_task(**GET)
        client.close()
    assert first.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert server.connections == 1
    assert [r.method for r in server.requests] == ["GET", "GET"]
    assert "accept-encoding" in server.requests[0].headers


def test_a_silent_server_is_given_up_on_at_the_deadline(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    with RawServer(silent) as server:
        client = make(server.url, retry=RetryPolicy(timeout=0.5, max_attempts=1))
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.get_speaker_search_task(**GET)
        elapsed = time.monotonic() - started
    assert elapsed <= 0.5 + SLACK, elapsed
    assert caught.value.request_sent is True
    assert "in time" in str(caught.value)


def test_a_trickled_body_ends_at_the_deadline(make: Callable[..., SpeakerSearchClient]) -> None:
    def trickle(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        peer.send(answer(body=TASK_BODY)[: -len(TASK_BODY)])
        for byte in TASK_BODY:
            if peer.server.stopping.wait(0.05):
                return
            peer.send(bytes([byte]))

    with RawServer(trickle) as server:
        client = make(server.url, retry=RetryPolicy(timeout=0.5, max_attempts=1))
        started = time.monotonic()
        with pytest.raises(TransportError, match="in time"):
            client.get_speaker_search_task(**GET)
        assert time.monotonic() - started <= 0.5 + SLACK


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "until-close"])
def test_a_body_over_the_cap_is_malformed(
    make: Callable[..., SpeakerSearchClient], *, announced: bool
) -> None:
    body = b" " * (MAX_BODY + 1)
    with RawServer(replying(answer(body=body, length=announced))) as server:
        client = make(server.url, retry=ONCE)
        with pytest.raises(MalformedResponseError, match=r"larger than|over the"):
            client.get_speaker_search_task(**GET)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_certificate_not_trusted_fails_not_sent_and_is_not_retried(
    make: Callable[..., SpeakerSearchClient], certificate: tuple[str, str]
) -> None:
    with RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as server:
        client = make(server.url)
        with pytest.raises(TransportError, match="certificate") as caught:
            client.get_speaker_search_task(**GET)
        assert caught.value.request_sent is False
        assert caught.value.retryable is False
        assert server.requests == []
        # verify=False: works, and warns once per client, not per request.
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            insecure = make(server.url, config=Config())
            insecure._transport._u3 = UrllibSender(connect_timeout=2, read_timeout=5, verify=False)
            insecure._transport._sender = insecure._transport._u3
            insecure.get_speaker_search_task(**GET)
            insecure.get_speaker_search_task(**GET)
        assert len([w for w in warned if "verify=False" in str(w.message)]) == 1


def test_a_trusted_certificate_works(
    make: Callable[..., SpeakerSearchClient],
    certificate: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", certificate[0])
    with RawServer(keep_alive(TASK_BODY), tls=tls_server_context(certificate)) as server:
        task = make(server.url).get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]


def test_a_refused_port_is_not_sent(make: Callable[..., SpeakerSearchClient]) -> None:
    client = make(f"http://127.0.0.1:{free_port()}", retry=ONCE)
    with pytest.raises(TransportError) as caught:
        client.create_voice_profile(speaker_search_task_id="t-1")
    assert type(caught.value) is TransportError
    assert caught.value.request_sent is False


def test_writes_without_a_token_never_ride_a_pooled_connection(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    body = json.dumps({"VoiceProfile": {"VoiceProfileId": "vp-1"}}).encode()
    with RawServer(keep_alive(body)) as server:
        client = make(server.url)
        client.get_voice_profile(voice_profile_id="vp-1")
        client.create_voice_profile(speaker_search_task_id="t-1")
        client.update_voice_profile(voice_profile_id="vp-1", speaker_search_task_id="t-1")
        client.get_voice_profile(voice_profile_id="vp-1")
        client.close()
    assert server.connections == 3


def test_a_write_whose_answer_is_lost_is_an_unknown_outcome(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    with RawServer(replying(b"")) as server:
        client = make(server.url)
        with pytest.raises(OutcomeUnknownError):
            client.create_voice_profile(speaker_search_task_id="t-1")


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", MalformedResponseError, "no HTTP status"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: \xc2\xb2\r\n\r\n",
            MalformedResponseError,
            "Content-Length",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{}", TransportError, "ended early"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            MalformedResponseError,
            "chunk",
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", TransportError, r"chunk|early"),
    ],
    ids=["not-http", "odd-length", "short", "bad-chunk", "cut-chunked"],
)
def test_broken_answers_map_to_the_engines_kinds(
    make: Callable[..., SpeakerSearchClient], data: bytes, error: type[Exception], match: str
) -> None:
    with RawServer(replying(data)) as server:
        client = make(server.url, retry=ONCE)
        with pytest.raises(error, match=match):
            client.get_speaker_search_task(**GET)


def test_an_http_proxy_with_a_password_relays_and_a_407_is_not_retried(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    with RawServer(keep_alive(TASK_BODY)) as origin, RawServer(proxy()) as relay:
        url = f"http://user:p%40ss@{relay.authority}"
        client = make(origin.url, config=Config(proxies={"http": url}))
        client.get_speaker_search_task(**GET)
    assert relay.requests[0].headers["proxy-authorization"] == basic("user", "p@ss")
    with (
        RawServer(keep_alive(TASK_BODY), tls=None) as origin,
        RawServer(proxy(refuse=407)) as relay,
    ):
        client = make(
            origin.url.replace("http:", "https:"),
            config=Config(proxies={"https": f"http://{relay.authority}"}),
        )
        with pytest.raises(TransportError, match="407") as caught:
            client.get_speaker_search_task(**GET)
    assert caught.value.retryable is False


def test_a_proxy_url_it_cannot_use_fails_without_its_password(
    make: Callable[..., SpeakerSearchClient],
) -> None:
    client = make(
        "http://127.0.0.1:9",
        retry=ONCE,
        config=Config(proxies={"http": "socks5://user:hunter2@127.0.0.1:1080"}),
    )
    with pytest.raises(TransportError) as caught:
        client.get_speaker_search_task(**GET)
    assert "hunter2" not in str(caught.value)
    assert caught.value.request_sent is False
