"""Issue 11's adversarial list, one test per attack, against the public API only.

Every test talks real HTTP to :class:`tests.hostile.HostileServer` on 127.0.0.1 (or, for
unreachable addresses, to :class:`tests.hostile.Blackholes` behind an in-process name
resolution). Where time is the point, the bound is SPEC.md's "Deadlines are absolute":
the deadline + 0.25 s, measured with the real clock; the servers trickle a byte every
50 ms, so a client that waits per byte instead of per deadline is caught in seconds.
Where time is not the point, the client runs on a ManualClock and never sleeps.

Every attack is made on both clients, the synchronous one and the async one (see
``tests/aio.py``): the promises are the same.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import threading
import time
import traceback
import zlib
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.config
import pytest

from chime_speaker_search import (
    BadRequestException,
    MalformedResponseError,
    PollPolicy,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    SpeakerSearchError,
    SpeakerSearchTaskStatus,
    TransportError,
    WaitTimeoutError,
)
from tests.conftest import DUMMY_SECRET, DUMMY_SESSION_TOKEN, RELIABILITY
from tests.hostile import (
    TASK,
    Behaviour,
    Blackholes,
    HangMidBody,
    HostileServer,
    HugeBody,
    RawAnswer,
    Reply,
    ShortBody,
    Silent,
    TrickleBody,
    TrickleHead,
    deep_json,
    gateway,
    task_reply,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from typing_extensions import Self

    from chime_speaker_search.testing import ManualClock

BOTH_CLIENTS = True
GET = {"voice_connector_id": "vc1", "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}
START = {"voice_connector_id": "vc1", "transaction_id": "tx1", "voice_profile_domain_id": "d1"}
# SPEC.md "Deadlines are absolute": no call or wait returns later than its deadline + this.
SLACK = 0.25
ACCESS_KEY_ID = "AKIDUMMYDUMMYDUMMY00"  # what tests/conftest.py puts in the environment
SUCCEEDED = task_reply(SpeakerSearchTaskStatus="SUCCEEDED")


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as made:
        yield made


@pytest.fixture
def real_time_client(
    make_client: Callable[..., SpeakerSearchClient],
) -> Callable[..., SpeakerSearchClient]:
    """Make clients on the real clock (deadlines are the point); backoff at its window's top."""

    def make(
        server: HostileServer, retry: RetryPolicy | None = None, **kwargs: Any
    ) -> SpeakerSearchClient:
        return make_client(
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            retry=retry or RetryPolicy(),
            jitter=lambda: 1.0,
            **kwargs,
        )

    return make


@pytest.fixture
def manual(
    server: HostileServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> SpeakerSearchClient:
    """A client on a ManualClock: backoff and polling cost no real time."""
    return make_client(
        endpoint_url=server.endpoint_url, region_name="us-east-1", clock=clock, jitter=lambda: 1.0
    )


_TIMED: list[float] = []


def took(started: float) -> float:
    """Seconds since ``started``; also reported under "reliability figures"."""
    elapsed = time.monotonic() - started
    _TIMED.append(elapsed)
    return elapsed


@pytest.fixture(autouse=True)
def _report_timing(request: pytest.FixtureRequest) -> Iterator[None]:
    _TIMED.clear()
    yield
    if _TIMED:
        RELIABILITY[f"hostile: {request.node.name}"] = f"returned after {max(_TIMED):.2f}s"


SLOW = [
    pytest.param(TrickleHead(), id="trickled-status-line-and-headers"),
    pytest.param(TrickleBody(), id="trickled-body"),
    pytest.param(HangMidBody(), id="hang-mid-body"),
]


@pytest.mark.parametrize("behaviour", SLOW)
def test_a_slow_answer_cannot_hold_a_call_past_its_timeout(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
    behaviour: Behaviour,
) -> None:
    """RetryPolicy.timeout is absolute: a call raises TransportError by timeout + 0.25 s."""
    server.default = behaviour
    with real_time_client(server, RetryPolicy(timeout=1.0)) as client:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.get_speaker_search_task(**GET)
        elapsed = took(started)
    assert isinstance(caught.value, SpeakerSearchError)
    assert elapsed <= 1.0 + SLACK, f"get with timeout=1.0 returned after {elapsed:.2f}s"


@pytest.mark.parametrize("behaviour", SLOW)
def test_a_slow_answer_cannot_hold_a_wait_past_its_timeout(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
    behaviour: Behaviour,
) -> None:
    """wait(timeout=) is absolute: WaitTimeoutError by timeout + 0.25 s, whatever the server."""
    # The first poll is answered; the one made at the deadline meets the slow answer.
    server.script(task_reply())
    server.default = behaviour
    with real_time_client(server) as client:
        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as caught:
            client.wait(**GET, timeout=1.0)
        elapsed = took(started)
    assert elapsed <= 1.0 + SLACK, f"wait(timeout=1.0) returned after {elapsed:.2f}s"
    assert caught.value.task is not None
    assert caught.value.task.speaker_search_task_status is SpeakerSearchTaskStatus.IN_QUEUE


class PeakRss:
    """The highest resident set size seen while the block runs (sampled every 2 ms)."""

    def __init__(self) -> None:
        self.baseline = self.peak = self.rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss() -> int:
        resident_pages = Path("/proc/self/statm").read_text(encoding="ascii").split()[1]
        return int(resident_pages) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self) -> None:
        while not self._done.wait(0.002):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())


def test_a_huge_body_is_refused_fast_without_reading_it_into_memory(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
) -> None:
    """A 400 MB body is a MalformedResponseError after a few MB: fast, bounded memory."""
    server.default = HugeBody(size=400 * 1024 * 1024)
    with real_time_client(server) as client, PeakRss() as memory:
        started = time.monotonic()
        with pytest.raises(MalformedResponseError):
            client.get_speaker_search_task(**GET)
        elapsed = took(started)
    grown = (memory.peak - memory.baseline) / 2**20
    figures = f"a 400 MB body took {elapsed:.2f}s to refuse and grew the RSS by {grown:.0f} MB"
    assert elapsed < 2.0, figures
    assert grown < 100, figures
    assert len(server.requests) == 1  # too big is not transient: no retry downloads it again


def test_a_gzip_bomb_is_refused_at_the_body_cap_once_decompressed(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
) -> None:
    """100 MB of zeros gzipped to ~100 KB: decoded no further than the 4 MiB cap."""
    gzipper = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip, made in 1 MB steps
    megabyte = bytes(2**20)
    bomb = b"".join(gzipper.compress(megabyte) for _ in range(100)) + gzipper.flush()
    server.default = Reply(status=200, body=bomb, headers={"Content-Encoding": "gzip"})
    with real_time_client(server) as client, PeakRss() as memory:
        started = time.monotonic()
        with pytest.raises(MalformedResponseError, match="once decompressed"):
            client.get_speaker_search_task(**GET)
        elapsed = took(started)
    grown = (memory.peak - memory.baseline) / 2**20
    figures = f"a {len(bomb) / 2**10:.0f} KiB gzip bomb took {elapsed:.2f}s, RSS +{grown:.0f} MB"
    assert elapsed < 2.0, figures
    assert grown < 100, figures
    assert len(server.requests) == 1


HOST = "speaker-search.test"


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An endpoint whose name resolves to three addresses that never answer a connect."""
    resolve = socket.getaddrinfo
    with Blackholes(3) as holes:

        def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host == HOST:
                return [
                    (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)
                    for address in holes.addresses
                ]
            return resolve(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
        yield f"http://{HOST}:{holes.addresses[0][1]}"


def assert_bounded_by_one_second(
    make_client: Callable[..., SpeakerSearchClient], endpoint_url: str, call: str
) -> None:
    """A get with RetryPolicy(timeout=1), or a wait(timeout=1) with its own deadline only,
    ends with the library's error by 1 s + SLACK."""
    retry = RetryPolicy(timeout=1.0) if call == "get" else RetryPolicy()
    with make_client(endpoint_url=endpoint_url, region_name="us-east-1", retry=retry) as client:
        started = time.monotonic()
        if call == "get":
            with pytest.raises(TransportError):
                client.get_speaker_search_task(**GET)
        else:
            with pytest.raises(WaitTimeoutError):
                client.wait(**GET, timeout=1.0)
        elapsed = took(started)
    assert elapsed <= 1.0 + SLACK, f"{call} with timeout 1 returned after {elapsed:.2f}s"


@pytest.mark.filterwarnings("ignore:endpoint_url .* is plain http:UserWarning")
@pytest.mark.parametrize("call", ["get", "wait"])
def test_a_name_resolving_to_unreachable_addresses_cannot_hold_a_call(
    unreachable: str, call: str, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """Connecting counts against the deadline too, across all the addresses a name has."""
    assert_bounded_by_one_second(make_client, unreachable, call)


@pytest.mark.parametrize("call", ["get", "wait"])
def test_a_lost_answer_is_retried_after_the_configured_read_timeout(
    server: HostileServer, real_time_client: Callable[..., SpeakerSearchClient], call: str
) -> None:
    """Config(read_timeout=1) caps each request inside a 20 s budget; it is not replaced by it."""
    server.script(Silent())
    server.default = SUCCEEDED
    with real_time_client(
        server, RetryPolicy(timeout=20.0), config=botocore.config.Config(read_timeout=1)
    ) as client:
        started = time.monotonic()
        if call == "get":
            task = client.get_speaker_search_task(**GET)
        else:
            task = client.wait(**GET, timeout=20.0)
        elapsed = took(started)
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert len(server.requests) == 2
    assert elapsed < 2.0, f"one lost answer under read_timeout=1 cost {elapsed:.2f}s"


def test_a_tiny_call_timeout_is_not_stretched_by_a_minimum_read_timeout(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
) -> None:
    """RetryPolicy(timeout=0.1) against a silent server returns by 0.35 s: no 0.5 s floor."""
    server.default = Silent()
    with real_time_client(server, RetryPolicy(timeout=0.1)) as client:
        started = time.monotonic()
        with pytest.raises(TransportError):
            client.get_speaker_search_task(**GET)
        elapsed = took(started)
    assert elapsed <= 0.1 + SLACK, f"get with timeout=0.1 returned after {elapsed:.2f}s"


def test_the_last_poll_at_a_waits_deadline_is_not_stretched_either(
    server: HostileServer,
    real_time_client: Callable[..., SpeakerSearchClient],
) -> None:
    """wait(timeout=1): the poll made at the deadline to a silent server ends by 1.25 s."""
    server.script(task_reply())  # answered at once; the next poll, at the deadline, is not
    server.default = Silent()
    with real_time_client(server) as client:
        started = time.monotonic()
        with pytest.raises(WaitTimeoutError) as caught:
            client.wait(**GET, timeout=1.0)
        elapsed = took(started)
    assert elapsed <= 1.0 + SLACK, f"wait(timeout=1) returned after {elapsed:.2f}s"
    assert caught.value.task is not None  # the task the first poll saw
    assert len(server.requests) >= 2  # the last poll was made, not skipped


GATEWAY_STATUSES = [500, 502, 503, 504]


@pytest.mark.parametrize("status", GATEWAY_STATUSES)
def test_a_gateway_error_page_is_retried_then_raised_with_its_status(
    server: HostileServer, manual: SpeakerSearchClient, status: int
) -> None:
    """5xx without x-amzn-ErrorType (a proxy's page) is retried; the last is a ServiceError."""
    server.default = gateway(status)
    with pytest.raises(ServiceError) as caught:
        manual.get_speaker_search_task(**GET)
    assert caught.value.http_status == status
    assert caught.value.attempts == 5
    assert caught.value.retryable  # says what the library did with it
    assert len(server.requests) == 5


def test_one_gateway_error_then_an_answer_succeeds(
    server: HostileServer, manual: SpeakerSearchClient
) -> None:
    """A 502 from a load balancer is transient: the retry's answer is returned."""
    server.script(gateway(502))
    task = manual.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert len(server.requests) == 2


def test_a_wait_keeps_polling_through_gateway_errors(
    server: HostileServer, manual: SpeakerSearchClient
) -> None:
    """wait() outlasts a poll whose every retry met a 503 page, and returns the task."""
    server.script(task_reply(), *[gateway(503)] * 5)
    server.default = SUCCEEDED
    task = manual.wait(**GET, timeout=300)
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert len(server.requests) == 7


def test_a_body_cut_short_of_its_content_length_is_retried(
    server: HostileServer, manual: SpeakerSearchClient
) -> None:
    """A body shorter than its Content-Length is a transport failure, so it is retried."""
    server.script(ShortBody())
    task = manual.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert len(server.requests) == 2


def test_a_start_cut_short_is_retried_with_the_same_token(
    server: HostileServer, manual: SpeakerSearchClient
) -> None:
    """A start whose answer was cut short (its task exists) is retried idempotently."""
    server.script(ShortBody())
    task = manual.start_speaker_search_task(**START)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    first, second = server.requests
    assert first.body["ClientRequestToken"] == second.body["ClientRequestToken"]
    assert first.body == second.body


def test_bodies_always_cut_short_end_in_a_transport_error(
    server: HostileServer, manual: SpeakerSearchClient
) -> None:
    """After the last short body, TransportError with .attempts == max_attempts."""
    server.default = ShortBody()
    with pytest.raises(TransportError) as caught:
        manual.get_speaker_search_task(**GET)
    assert caught.value.attempts == 5
    assert len(server.requests) == 5


@pytest.mark.timeout(10)  # today this never returns; fail instead of holding the suite
@pytest.mark.parametrize(
    "timeout", [pytest.param(1e10, id="1e10"), pytest.param(timedelta.max, id="timedelta.max")]
)
def test_a_huge_finite_wait_timeout_works(
    server: HostileServer, manual: SpeakerSearchClient, timeout: float | timedelta
) -> None:
    """Any finite wait timeout works, however large: a terminal task is returned at once."""
    server.default = SUCCEEDED
    task = manual.wait(**GET, timeout=timeout)
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert len(server.requests) == 1


@pytest.mark.timeout(10)
def test_a_huge_finite_call_timeout_works(
    server: HostileServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """RetryPolicy(timeout=1e10) is a valid budget: the call is made and answered."""
    with make_client(
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        retry=RetryPolicy(timeout=1e10),
        clock=clock,
    ) as client:
        task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("make", "names"),
    [
        pytest.param(lambda: RetryPolicy(timeout=math.inf), "timeout", id="retry-timeout-inf"),
        pytest.param(lambda: RetryPolicy(timeout=math.nan), "timeout", id="retry-timeout-nan"),
        pytest.param(
            lambda: PollPolicy(min_delay=math.inf, max_delay=math.inf),
            "min_delay",
            id="poll-delays-inf",
        ),
        pytest.param(lambda: PollPolicy(max_delay=math.nan), "max_delay", id="poll-max-delay-nan"),
    ],
)
def test_infinite_or_nan_policies_are_rejected(make: Callable[[], object], names: str) -> None:
    """Infinite and NaN durations are a ValueError naming the field, not a broken policy."""
    with pytest.raises(ValueError, match=names):
        make()


@pytest.mark.parametrize("timeout", [math.inf, math.nan], ids=["inf", "nan"])
def test_infinite_or_nan_wait_timeouts_are_rejected_before_sending(
    server: HostileServer, manual: SpeakerSearchClient, timeout: float
) -> None:
    """wait(timeout=inf/nan) is a ValueError and nothing is sent."""
    with pytest.raises(ValueError, match="timeout"):
        manual.wait(**GET, timeout=timeout)
    assert server.requests == []


@pytest.mark.parametrize("inside_task", [True, False], ids=["inside-task", "top-level"])
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_malformed_not_a_recursion_error(
    server: HostileServer, manual: SpeakerSearchClient, depth: int, inside_task: bool
) -> None:
    """JSON nested 1,000 or 100,000 deep is a MalformedResponseError, never RecursionError."""
    server.default = Reply(body=deep_json(depth, inside_task=inside_task))
    with pytest.raises(MalformedResponseError):
        manual.get_speaker_search_task(**GET)
    assert len(server.requests) == 1


STARTS = [
    pytest.param(lambda client: client.start_speaker_search_task(**START), id="start"),
    pytest.param(
        lambda client: client.start_and_wait(
            voice_connector_id="vc1", transaction_id="tx1", voice_profile_domain_id="d1"
        ),
        id="start_and_wait",
    ),
]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize(
    "task_id", [pytest.param("   ", id="blank"), pytest.param("", id="empty"), None]
)
def test_a_start_answered_without_a_usable_task_id_gives_the_token_to_retry_with(
    server: HostileServer,
    manual: SpeakerSearchClient,
    task_id: str | None,
    start: Callable[[SpeakerSearchClient], object],
) -> None:
    """No usable task id in a start's answer: MalformedResponseError naming the token sent."""
    # None: the field is missing altogether.
    server.default = task_reply(SpeakerSearchTaskId=task_id)
    # Not InvalidParameterError, which says "nothing sent": the task may well exist.
    with pytest.raises(MalformedResponseError) as caught:
        start(manual)
    tokens = {seen.body["ClientRequestToken"] for seen in server.requests}
    assert len(tokens) == 1  # retried or not, it was one start
    assert tokens.pop() in str(caught.value)
    assert all(seen.method == "POST" for seen in server.requests)  # no poll of a bad id


def test_debug_logs_never_show_credentials(
    server: HostileServer, manual: SpeakerSearchClient, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, no log record shows the access key id, the secret or the session token."""
    caplog.set_level(logging.DEBUG)  # the root: botocore's, urllib3's and ours all propagate
    for name in ("botocore", "chime_speaker_search"):
        caplog.set_level(logging.DEBUG, logger=name)
    manual.start_speaker_search_task(**START)
    manual.get_speaker_search_task(**GET)
    assert any(record.name.startswith("botocore") for record in caplog.records)
    for record in caplog.records:
        shown = caplog.handler.format(record) + record.getMessage()
        for secret in (ACCESS_KEY_ID, DUMMY_SECRET, DUMMY_SESSION_TOKEN):
            assert secret not in shown, f"{record.name} logged a credential: {shown[:300]}"


# --- Beyond issue 11's list: breaks found by attacking the rewritten transport ------------

TASK_BODY = json.dumps({"SpeakerSearchTask": TASK}).encode()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n" + TASK_BODY,
            id="content-length-superscript-two",
        ),
        pytest.param(b"HTTP/1.1 \xb200 OK\r\nContent-Length: 2\r\n\r\n{}", id="status-superscript"),
    ],
)
def test_digits_that_are_not_ascii_in_the_head_are_malformed(
    server: HostileServer, manual: SpeakerSearchClient, raw: bytes
) -> None:
    """'\\xb2' passes str.isdigit() but not int(): the answer is malformed, never ValueError."""
    server.default = RawAnswer(raw)
    with pytest.raises(MalformedResponseError):
        manual.get_speaker_search_task(**GET)


ODD_ERROR_BODIES = [
    pytest.param(b"[1]", id="array"),
    pytest.param(b"1", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b'"x"', id="string"),
    pytest.param(b"\xff\xfe", id="not-utf-8"),
]


@pytest.mark.parametrize("body", ODD_ERROR_BODIES)
def test_an_error_whose_body_is_not_a_json_object_keeps_its_error_type(
    server: HostileServer, manual: SpeakerSearchClient, body: bytes
) -> None:
    """A 400 naming its error type maps by the header even when its body is not an object."""
    server.default = Reply(
        status=400, body=body, headers={"x-amzn-ErrorType": "BadRequestException"}
    )
    with pytest.raises(BadRequestException) as caught:
        manual.get_speaker_search_task(**GET)
    assert caught.value.http_status == 400
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", ODD_ERROR_BODIES)
def test_a_bare_5xx_whose_body_is_not_a_json_object_is_a_retried_gateway_error(
    server: HostileServer, manual: SpeakerSearchClient, body: bytes
) -> None:
    """A 503 with no error type and a non-object body is a gateway error: retried, then raised."""
    server.default = Reply(status=503, body=body)
    with pytest.raises(ServiceError) as caught:
        manual.get_speaker_search_task(**GET)
    assert caught.value.http_status == 503
    assert caught.value.attempts == 5


@pytest.fixture
def slow_resolution(monkeypatch: pytest.MonkeyPatch, server: HostileServer) -> Iterator[str]:
    """An endpoint whose name takes 5 s to resolve (a slow DNS server), then resolves."""
    resolve = socket.getaddrinfo
    released = threading.Event()

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == HOST:
            released.wait(5.0)
            return [
                (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))
            ]
        return resolve(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    yield f"http://{HOST}:{server.port}"
    released.set()  # a resolver thread left behind finishes now


@pytest.mark.filterwarnings("ignore:endpoint_url .* is plain http:UserWarning")
@pytest.mark.parametrize("call", ["get", "wait"])
def test_slow_name_resolution_cannot_hold_a_call_past_its_deadline(
    slow_resolution: str, call: str, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """Resolving the endpoint's name counts against the deadline too."""
    assert_bounded_by_one_second(make_client, slow_resolution, call)


def test_huge_botocore_timeouts_work(
    server: HostileServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """Config(read_timeout=1e10, connect_timeout=1e10) is finite: calls work, no OverflowError."""
    with make_client(
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        config=botocore.config.Config(read_timeout=1e10, connect_timeout=1e10),
        clock=clock,
    ) as client:
        task = client.get_speaker_search_task(**GET)
    assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]


@pytest.mark.parametrize(
    "proxy",
    [
        pytest.param("socks5://user:hunter2@127.0.0.1:1080", id="socks5"),
        pytest.param("ftp://user:hunter2@127.0.0.1:1", id="ftp"),
    ],
)
def test_a_proxy_that_cannot_be_used_fails_without_showing_its_password(
    server: HostileServer,
    clock: ManualClock,
    proxy: str,
    make_client: Callable[..., SpeakerSearchClient],
) -> None:
    """A proxy URL the client cannot use is a library error; its password shows nowhere."""
    with (
        make_client(
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            config=botocore.config.Config(proxies={"http": proxy}),
            retry=RetryPolicy.disabled(),
            clock=clock,
        ) as client,
        pytest.raises(SpeakerSearchError) as caught,
    ):
        client.get_speaker_search_task(**GET)
    # The whole traceback a user would see, chained causes included.
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value)
    assert "hunter2" not in shown
