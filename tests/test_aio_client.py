"""What only the async client promises: cancellation, concurrency on one loop, loops in turn.

Everything the two clients share (validation, error mapping, retries, tokens, deadlines
against hostile servers, waits) is pinned once for both: see ``BOTH_CLIENTS`` in
test_client.py, test_wait.py and test_hostile.py, and the engine tests in test_http.py.
Each test here runs its coroutines with plain ``asyncio.run``: the project uses no
pytest plugin for asyncio.

Cancellation is attacked at every point a call can be waiting (queued for a connection,
looking up a name, connecting, in the TLS handshake, waiting for the answer, in the
middle of its body, in a retry's backoff, between polls, in an async callback); each
must end within 0.1 s of ``cancel()`` and leave no connection or thread behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import socket
import sys
import threading
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.config
import pytest
from botocore.stub import Stubber

from chime_speaker_search import (
    AsyncClock,
    AsyncSpeakerSearchClient,
    NotFoundException,
    PollPolicy,
    RetryPolicy,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    TransportError,
    WaitTimeoutError,
    _aio_http,
)
from chime_speaker_search._aio_http import _Link
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.hostile import TASK, Blackholes
from tests.rawnet import Peer, RawServer, answer, keep_alive, proxy
from tests.timing import Starvation

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

GET = {"voice_connector_id": "vc1", "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}
TASK_BODY = (
    b'{"SpeakerSearchTask": {"SpeakerSearchTaskId": "'
    + TASK["SpeakerSearchTaskId"].encode()
    + b'", "SpeakerSearchTaskStatus": "IN_PROGRESS"}}'
)
PROMPT = 0.1  # SPEC.md "Async client": cancellation takes effect within 0.1 s
_STARVED: list[Starvation] = []


@pytest.fixture(autouse=True)
def _starvation() -> Iterator[None]:
    """Measure, for the whole test, how long this process waited for a core."""
    with Starvation() as starved:
        _STARVED[:] = [starved]
        yield


def prompt() -> float:
    """:data:`PROMPT`, plus the time this process has been starved of CPU in this test."""
    return PROMPT + (_STARVED[0].total if _STARVED else 0.0)


CAN_COUNT_SOCKETS = Path("/proc/self/fd").is_dir() and Path("/proc/net/tcp").is_file()


def client_for(url: str, **kwargs: Any) -> AsyncSpeakerSearchClient:
    return AsyncSpeakerSearchClient(endpoint_url=url, region_name="us-east-1", **kwargs)


def connections_to(port: int) -> int:
    """Open TCP sockets of this process whose peer is ``port`` on this machine (Linux)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text(encoding="ascii").splitlines()[1:]:
                fields = line.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    count += 1
    return count


def silent_until_closed(peer: Peer) -> None:
    """Read a request, answer nothing, and count the client's close."""
    if peer.read_request() is not None:
        peer.wait_closed()


def head_then_hang(peer: Peer) -> None:
    """Send the head and a tenth of the body, then nothing until the client closes."""
    if peer.read_request() is not None:
        peer.send(answer(body=b"x" * 1000)[:-900])
        peer.wait_closed()


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """After the test: no thread more than before it."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)  # a server's threads end as it closes
    assert set(threading.enumerate()) - before == set()


async def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` (what another thread does) until it holds, for 5 s at most."""
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.005)


async def cancel_after(
    call: Awaitable[object], parked: Callable[[], bool], *, settle: float = 0.1
) -> float:
    """Start ``call``, wait until ``parked()`` holds, cancel it; seconds until it ended."""
    task = asyncio.ensure_future(call)
    until = time.monotonic() + 5
    while not parked():
        assert not task.done(), task
        assert time.monotonic() < until, "the call never reached the point to cancel at"
        await asyncio.sleep(0.005)
    await asyncio.sleep(settle)  # let it settle into the await
    assert not task.done()
    began = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return time.monotonic() - began


# --- cancellation at every await point ------------------------------------------------


@pytest.mark.parametrize("hang", [silent_until_closed, head_then_hang], ids=["head", "body"])
def test_cancelling_a_call_waiting_for_its_answer_closes_its_connection(
    no_leaks: None, hang: Callable[[Peer], None]
) -> None:
    """The connection with the request in flight is closed at once, never reused."""

    def first_hangs(peer: Peer) -> None:
        (hang if peer.index == 0 else keep_alive(TASK_BODY))(peer)

    with RawServer(first_hangs) as server:
        client = client_for(server.url)

        async def main() -> SpeakerSearchTask:
            took = await cancel_after(
                client.get_speaker_search_task(**GET), lambda: len(server.requests) == 1
            )
            assert took < prompt()
            return await client.get_speaker_search_task(**GET)

        task = asyncio.run(main())
        assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
        assert server.wait_for(lambda s: s.closed_by_client == 1)  # closed by the cancel
        assert server.connections == 2  # the next request did not get its answer
        asyncio.run(client.close())
        if CAN_COUNT_SOCKETS:
            assert connections_to(server.port) == 0


@pytest.mark.parametrize("how", ["task.cancel", "wait_for", "timeout"])
def test_every_way_of_cancelling_takes_effect_at_once(no_leaks: None, how: str) -> None:
    """task.cancel(), asyncio.wait_for and asyncio.timeout all end a call within 0.1 s."""
    if how == "timeout" and sys.version_info < (3, 11):
        pytest.skip("asyncio.timeout is new in Python 3.11")
    with RawServer(silent_until_closed) as server:
        client = client_for(server.url)
        call = client.wait(**GET, timeout=60)

        async def main() -> float:
            if how == "task.cancel":
                return await cancel_after(call, lambda: len(server.requests) == 1)
            began = time.monotonic()
            if how == "wait_for":
                with pytest.raises(asyncio.TimeoutError):  # TimeoutError from Python 3.11
                    await asyncio.wait_for(call, 0.3)
            else:
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.3):  # type: ignore[attr-defined,unused-ignore]
                        await call
            return time.monotonic() - began - 0.3

        assert asyncio.run(main()) < prompt()
        assert server.wait_for(lambda s: s.closed_by_client == 1)
        asyncio.run(client.close())


def test_cancelling_a_call_queued_for_a_connection(no_leaks: None) -> None:
    """With every connection busy, a queued call is cancelled before it sends anything."""
    with RawServer(silent_until_closed) as server:
        client = client_for(server.url, config=botocore.config.Config(max_pool_connections=1))

        async def main() -> None:
            busy = asyncio.ensure_future(client.get_speaker_search_task(**GET))
            took = await cancel_after(
                client.get_speaker_search_task(**GET), lambda: len(server.requests) == 1
            )
            assert took < prompt()
            assert len(server.requests) == 1  # the queued call sent nothing
            busy.cancel()
            with pytest.raises(asyncio.CancelledError):
                await busy

        asyncio.run(main())
        assert server.connections == 1
        asyncio.run(client.close())


def test_cancelling_a_call_while_it_connects(no_leaks: None) -> None:
    with Blackholes(1) as holes:
        host, port = holes.addresses[0]
        before = connections_to(port) if CAN_COUNT_SOCKETS else 0
        client = client_for(f"http://{host}:{port}")
        started = time.monotonic()
        took = asyncio.run(
            cancel_after(client.get_speaker_search_task(**GET), lambda: True, settle=0.2)
        )
        assert took < prompt()
        assert time.monotonic() - started < 1  # not the 10 s connect timeout
        if CAN_COUNT_SOCKETS:
            assert connections_to(port) == before  # the half-open socket was closed
        asyncio.run(client.close())


# verify=False: its one warning is tested in tests/test_real_tls.py.
@pytest.mark.filterwarnings("ignore:verify=False:urllib3.exceptions.InsecureRequestWarning")
def test_cancelling_a_call_in_its_tls_handshake(no_leaks: None) -> None:
    with RawServer(silent_until_closed) as server:  # plain TCP: never answers the ClientHello
        raw = boto3.client(
            "chime-sdk-voice",
            endpoint_url=f"https://{server.authority}",
            region_name="us-east-1",
            verify=False,
        )
        client = AsyncSpeakerSearchClient(client=raw)
        took = asyncio.run(
            cancel_after(client.get_speaker_search_task(**GET), lambda: server.connections == 1)
        )
        assert took < prompt()
        if CAN_COUNT_SOCKETS:
            assert connections_to(server.port) == 0
        asyncio.run(client.close())
        raw.close()


@pytest.mark.filterwarnings("ignore:endpoint_url .* is plain http:UserWarning")
def test_cancelling_a_call_while_its_host_name_is_looked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lookup runs in a daemon thread the call stops waiting for; it ends with the lookup."""
    real = socket.getaddrinfo
    released = threading.Event()
    looking = threading.Event()

    def slow(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "slow.test":
            looking.set()
            released.wait(5)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    before = set(threading.enumerate())
    client = client_for("http://slow.test:9")

    async def main() -> float:
        took = await cancel_after(client.get_speaker_search_task(**GET), looking.is_set)
        released.set()  # the lookup ends while the loop runs: its late answer is dropped
        await until(lambda: not set(threading.enumerate()) - before)
        await asyncio.sleep(0.01)
        return took

    try:
        assert asyncio.run(main()) < prompt()
    finally:
        released.set()
    assert set(threading.enumerate()) - before == set()
    asyncio.run(client.close())


def test_cancelling_a_retry_backoff(no_leaks: None) -> None:
    """Between attempts the call sleeps on the loop: cancelling it ends the sleep."""

    def throttled(peer: Peer) -> None:
        while peer.read_request() is not None:
            headers = (("x-amzn-ErrorType", "ThrottledClientException"), ("Retry-After", "10"))
            peer.send(answer(429, b'{"Message": "slow down"}', headers=headers))

    with RawServer(throttled) as server:
        client = client_for(server.url)
        took = asyncio.run(
            cancel_after(client.get_speaker_search_task(**GET), lambda: len(server.requests) == 1)
        )
        assert took < prompt()
        assert len(server.requests) == 1
        asyncio.run(client.close())


def test_cancelling_a_wait_between_polls(no_leaks: None) -> None:
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url)
        call = client.wait(**GET, poll=PollPolicy(min_delay=30, max_delay=30))
        took = asyncio.run(cancel_after(call, lambda: len(server.requests) == 1))
        assert took < prompt()
        assert len(server.requests) == 1
        asyncio.run(client.close())
        assert server.wait_for(lambda s: s.closed_by_client == 1)  # the idle one, on close


def test_cancelling_a_wait_inside_an_async_callback(no_leaks: None) -> None:
    entered = threading.Event()

    async def on_update(task: SpeakerSearchTask) -> None:
        entered.set()
        await asyncio.sleep(60)

    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url)
        call = client.wait(**GET, on_update=on_update)
        assert asyncio.run(cancel_after(call, entered.is_set)) < prompt()
        asyncio.run(client.close())


def test_a_cancelled_start_is_never_repeated_and_logs_the_token_that_repeats_it_safely(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The start took effect but its answer was cancelled: one task, found again by token."""
    caplog.set_level(logging.INFO, logger="chime_speaker_search")
    with LocalSpeakerSearchService(time_scale=10.0) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        call = service.add_call(vc, caller="alice")
        service.delay_next("StartSpeakerSearchTask", 5.0)
        client = client_for(service.endpoint_url)
        start = {
            "voice_connector_id": vc,
            "transaction_id": call,
            "voice_profile_domain_id": domain,
        }

        async def main() -> SpeakerSearchTask:
            took = await cancel_after(
                client.start_speaker_search_task(**start), lambda: len(service.tasks) == 1
            )
            assert took < prompt()
            (record,) = [r for r in caplog.records if "cancelled" in r.getMessage()]
            token = record.args[0]  # type: ignore[index]
            assert isinstance(token, str)
            return await client.start_speaker_search_task(**start, client_request_token=token)

        again = asyncio.run(main())
        assert list(service.tasks) == [again.speaker_search_task_id]  # never a second task
        starts = [r for r in service.requests if r.operation == "StartSpeakerSearchTask"]
        assert len(starts) == 2  # the cancelled one was not retried
        asyncio.run(client.close())


def test_a_cancellation_is_never_lost_whatever_instant_it_lands_at(no_leaks: None) -> None:
    """Cancel at random instants of fast calls: each cancelled call raises CancelledError.

    asyncio.wait_for (before Python 3.12) drops a cancellation that lands as the awaited
    operation finishes: on loopback, four in ten. Slots freed by cancelled calls are
    passed on, none lost.
    """
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url, config=botocore.config.Config(max_pool_connections=2))
        rng = random.Random(15)

        async def ended(call: asyncio.Future[SpeakerSearchTask]) -> str:
            try:
                await call
            except asyncio.CancelledError:
                return "cancelled"
            return "ok"

        async def main() -> Counter[str]:
            outcomes = Counter[str]()
            for _ in range(300):
                calls = [
                    asyncio.ensure_future(client.get_speaker_search_task(**GET)) for _ in range(3)
                ]
                for _ in range(rng.randrange(8)):
                    await asyncio.sleep(0)
                victim = rng.choice(calls)
                was_done = victim.done()
                outcomes["done before the cancel"] += was_done
                victim.cancel()
                for call in calls:
                    if await ended(call) == "cancelled":
                        assert call is victim
                        outcomes["cancelled"] += 1
                    else:
                        outcomes["ok"] += 1
                        outcomes["lost"] += call is victim and not was_done
            # Every slot came back: two calls at once need no queueing deadline.
            both = client.get_speaker_search_task(**GET), client.get_speaker_search_task(**GET)
            await asyncio.wait_for(asyncio.gather(*both), 5)
            return outcomes

        outcomes = asyncio.run(main())
        asyncio.run(client.close())
    assert outcomes["lost"] == 0, outcomes
    assert outcomes["cancelled"] + outcomes["done before the cancel"] == 300
    assert outcomes["cancelled"] > 30  # enough cancels landed mid-call to mean something
    assert outcomes["ok"] == 600 + outcomes["done before the cancel"]


def test_a_wait_queued_for_a_connection_keeps_its_deadline(no_leaks: None) -> None:
    """Queueing for a connection counts against the deadline: by its deadline + 0.25 s."""
    with RawServer(silent_until_closed) as server:
        client = client_for(server.url, config=botocore.config.Config(max_pool_connections=1))

        async def main() -> float:
            busy = asyncio.ensure_future(client.get_speaker_search_task(**GET))
            await until(lambda: bool(server.requests))
            began = time.monotonic()
            with pytest.raises(WaitTimeoutError) as caught:
                await client.wait(**GET, timeout=0.3)
            took = time.monotonic() - began
            cause = caught.value.__cause__
            assert isinstance(cause, TransportError)
            assert cause.request_sent is False
            assert "free connection" in str(cause)
            busy.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await busy
            return took

        assert asyncio.run(main()) < 0.3 + 0.25
        assert len(server.requests) == 1  # the queued polls sent nothing
        asyncio.run(client.close())


def test_a_loop_that_ends_with_a_call_in_flight_closes_its_connection(no_leaks: None) -> None:
    """asyncio.run cancels what is left at its end: the request's connection is closed."""
    with RawServer(silent_until_closed) as server:
        client = client_for(server.url)

        async def main() -> None:
            asyncio.ensure_future(client.get_speaker_search_task(**GET))  # noqa: RUF006 (left on purpose)
            await until(lambda: bool(server.requests))

        asyncio.run(main())
        assert server.wait_for(lambda s: s.closed_by_client == 1)
        asyncio.run(client.close())


def test_a_client_dropped_without_close_closes_its_connections() -> None:
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url)
        asyncio.run(client.get_speaker_search_task(**GET))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del client
            gc.collect()
        assert server.wait_for(lambda s: s.closed_by_client == 1)
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_the_emulators_scaled_clock_paces_async_waits(no_leaks: None) -> None:
    """A client on the emulator's ScaledClock sleeps emulated seconds on the loop."""
    with LocalSpeakerSearchService(time_scale=100.0) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        call = service.add_call(vc, caller="alice")
        clock = service.clock
        assert isinstance(clock, AsyncClock)
        client = client_for(service.endpoint_url, clock=clock)
        began = time.monotonic()
        task = asyncio.run(
            client.start_and_wait(
                voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
            )
        )  # the default PollPolicy(2, 10) in emulated seconds: 21 s of task life
        took = time.monotonic() - began
        asyncio.run(client.close())
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert 0.2 <= took < 1.5


def test_on_a_loop_that_cannot_watch_sockets_calls_work_and_keep_deadlines(
    monkeypatch: pytest.MonkeyPatch, no_leaks: None
) -> None:
    """Windows' proactor loop has no add_reader: the engine uses the loop's sock_* methods."""
    monkeypatch.setattr(_aio_http, "_has_readiness", lambda _: False)
    with RawServer(keep_alive(TASK_BODY)) as answering, RawServer(silent_until_closed) as silent:
        fine = client_for(answering.url)
        hung = client_for(silent.url, retry=RetryPolicy(timeout=0.3))

        async def main() -> float:
            task = await fine.get_speaker_search_task(**GET)
            assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
            began = time.monotonic()
            with pytest.raises(TransportError):
                await hung.get_speaker_search_task(**GET)
            return time.monotonic() - began

        assert asyncio.run(main()) < 0.3 + 0.25
        for client in (fine, hung):
            asyncio.run(client.close())


def test_a_pooled_socket_that_cannot_be_polled_counts_as_stale() -> None:
    sock = socket.socket()
    sock.close()
    assert _Link(("http", "h", 80), sock, 0).is_stale()


def test_identify_enrol_identify_and_list_profiles_on_one_loop() -> None:
    """The voice-profile half of the workflow, async: enrol a caller, find them next call."""
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        service.add_voice_profile(domain, speaker="bob")

        async def search(client: AsyncSpeakerSearchClient) -> SpeakerSearchTask:
            return await client.start_and_wait(
                voice_connector_id=vc,
                transaction_id=service.add_call(vc, caller="alice"),
                voice_profile_domain_id=domain,
            )

        async def main() -> tuple[str | None, str, list[str], list[str]]:
            async with service.async_client() as client:
                first = await search(client)
                before = first.best_match(min_confidence=0.85)
                profile = await client.enrol(first)
                again = await search(client)
                after = again.best_match(min_confidence=0.85)
                assert after is not None
                listed = [
                    p.voice_profile_id
                    async for p in client.list_voice_profiles(
                        voice_profile_domain_id=domain, page_size=1
                    )
                ]
                domains = [
                    d.voice_profile_domain_id async for d in client.list_voice_profile_domains()
                ]
                assert (
                    await client.get_voice_profile(voice_profile_id=profile.voice_profile_id)
                ) == profile
                await client.delete_voice_profile(voice_profile_id=profile.voice_profile_id)
            return (
                None if before is None else before.voice_profile_id,
                after.voice_profile_id
                if after.voice_profile_id == profile.voice_profile_id
                else "",
                listed,
                domains,
            )

        before, after, listed, domains = asyncio.run(main())
    assert before is None  # alice was not enrolled yet
    assert after  # ...then the next call found her profile
    assert after in listed
    assert len(listed) == 2  # bob's and alice's, one page each
    assert domains == [domain]


def test_a_cancelled_create_that_reached_the_service_is_never_repeated(no_leaks: None) -> None:
    """CreateVoiceProfile has no token: after a cancel it may have acted, so it is not re-sent."""
    with LocalSpeakerSearchService(time_scale=100.0) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        service.delay_next("CreateVoiceProfile", 5.0)
        client = service.async_client()  # on the service's clock: the task's 21 s take 0.2 s

        async def main() -> float:
            task = await client.start_and_wait(
                voice_connector_id=vc,
                transaction_id=service.add_call(vc, caller="alice"),
                voice_profile_domain_id=domain,
            )
            return await cancel_after(client.enrol(task), lambda: bool(service.voice_profiles))

        assert asyncio.run(main()) < prompt()
        asyncio.run(client.close())
        creates = [r for r in service.requests if r.operation == "CreateVoiceProfile"]
        assert len(creates) == 1
        assert len(service.voice_profiles) == 1  # it did act: one profile, not two


# --- many calls on one loop -----------------------------------------------------------


@pytest.mark.timeout(180)  # ~10 s idle; several times that on a loaded machine
def test_a_thousand_concurrent_waits_on_one_loop_hold_no_threads() -> None:
    """1,000 waits at once against the emulator: each returns its own task, right results,
    and the process never runs more than 40 threads (the emulator's included)."""
    speakers = ["alice", "bob", "carol", "dave"]
    speech = [30.0, 12.0, 5.0]  # SUCCEEDED, PARTIAL_SUCCESS, FAILED
    with LocalSpeakerSearchService(time_scale=200.0, max_active_tasks=2000) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        profiles = {name: service.add_voice_profile(domain, speaker=name) for name in speakers}
        calls = [
            (
                service.add_call(vc, caller=speakers[i % 4], caller_speech_seconds=speech[i % 3]),
                speakers[i % 4],
                i % 3,
            )
            for i in range(1000)
        ]
        client = client_for(service.endpoint_url, retry=RetryPolicy(timeout=30))
        threads: list[int] = []
        waiting = Counter[str]()

        async def sample(stop: asyncio.Event) -> None:
            while not stop.is_set():
                threads.append(threading.active_count())
                await asyncio.sleep(0.005)

        async def start_and_wait(call: str) -> SpeakerSearchTask:
            waiting["now"] += 1
            waiting["peak"] = max(waiting["peak"], waiting["now"])
            try:
                # A fresh task is never terminal at once: every wait sleeps at least once.
                return await client.start_and_wait(
                    voice_connector_id=vc,
                    transaction_id=call,
                    voice_profile_domain_id=domain,
                    poll=PollPolicy(min_delay=0.05, max_delay=0.2),
                    timeout=60,
                    raise_on_failure=False,
                )
            finally:
                waiting["now"] -= 1

        async def main() -> list[SpeakerSearchTask]:
            stop = asyncio.Event()
            sampler = asyncio.ensure_future(sample(stop))
            finished = await asyncio.gather(*(start_and_wait(call) for call, _, _ in calls))
            stop.set()
            await sampler
            await client.close()
            return finished

        began = time.monotonic()
        finished = asyncio.run(main())
        elapsed = time.monotonic() - began
    assert waiting["peak"] == 1000  # all the waits were in progress at once
    assert max(threads) <= 40, f"peak {max(threads)} threads"
    expected = [
        SpeakerSearchTaskStatus.SUCCEEDED,
        SpeakerSearchTaskStatus.PARTIAL_SUCCESS,
        SpeakerSearchTaskStatus.FAILED,
    ]
    for (call, speaker, kind), task in zip(calls, finished, strict=True):
        assert task.call_details is not None
        assert task.call_details.transaction_id == call
        assert task.speaker_search_task_status is expected[kind]
        if kind != 2:  # a FAILED task identified nobody
            best = task.best_match(min_confidence=0.85)
            assert best is not None
            assert best.voice_profile_id == profiles[speaker]
    print(f"1,000 concurrent waits: {elapsed:.2f}s, peak {max(threads)} threads")


def test_hundreds_of_start_and_wait_gathered_start_each_task_once() -> None:
    with LocalSpeakerSearchService(time_scale=200.0, max_active_tasks=500) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        alice = service.add_voice_profile(domain, speaker="alice")
        calls = [service.add_call(vc, caller="alice") for _ in range(300)]
        service.fail_next("StartSpeakerSearchTask", "ThrottledClientException", times=20)
        service.drop_next_response("StartSpeakerSearchTask", times=20)
        client = client_for(service.endpoint_url, jitter=lambda: 0.01)

        async def main() -> list[SpeakerSearchTask]:
            async with client:
                return await asyncio.gather(
                    *(
                        client.start_and_wait(
                            voice_connector_id=vc,
                            transaction_id=call,
                            voice_profile_domain_id=domain,
                            poll=PollPolicy(min_delay=0.05, max_delay=0.2),
                        )
                        for call in calls
                    )
                )

        tasks = asyncio.run(main())
        assert [t.call_details.transaction_id for t in tasks if t.call_details] == calls
        assert all(t.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED for t in tasks)
        assert all((t.best_match() or t).voice_profile_id == alice for t in tasks)  # type: ignore[union-attr]
        assert len(service.tasks) == 300  # throttled and dropped starts made no second task


# --- event loops, lifetime, the seams -------------------------------------------------


def test_one_client_serves_successive_event_loops_on_one_connection(no_leaks: None) -> None:
    """asyncio.run per invocation (a Lambda handler): the pooled connection is reused."""
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url)
        for _ in range(3):
            task = asyncio.run(client.get_speaker_search_task(**GET))
            assert task.speaker_search_task_id == TASK["SpeakerSearchTaskId"]
        assert server.connections == 1
        asyncio.run(client.close())
        assert server.wait_for(lambda s: s.closed_by_client == 1)


def test_two_event_loops_in_two_threads_share_one_client() -> None:
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url, config=botocore.config.Config(max_pool_connections=2))
        results: list[object] = []

        def worker() -> None:
            async def calls() -> list[SpeakerSearchTask]:
                return await asyncio.gather(
                    *(client.get_speaker_search_task(**GET) for _ in range(20))
                )

            try:
                results.extend(asyncio.run(calls()))
            except BaseException as error:  # collected and asserted below
                results.append(error)

        workers = [threading.Thread(target=worker) for _ in range(2)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(10)
        asyncio.run(client.close())
    assert len(results) == 40
    assert all(isinstance(result, SpeakerSearchTask) for result in results)
    assert server.connections < 40  # connections were reused across the calls


def test_close_during_a_request_closes_its_connection_when_it_ends(no_leaks: None) -> None:
    def slow_answer(peer: Peer) -> None:
        while peer.read_request() is not None:
            time.sleep(0.2)
            peer.send(answer(body=TASK_BODY))
        peer.client_closed()

    with RawServer(slow_answer) as server:
        client = client_for(server.url)

        async def main() -> SpeakerSearchTask:
            call = asyncio.ensure_future(client.get_speaker_search_task(**GET))
            await asyncio.sleep(0.1)
            await client.close()
            return await call

        assert asyncio.run(main()).speaker_search_task_id == TASK["SpeakerSearchTaskId"]
        assert server.wait_for(lambda s: s.closed_by_client == 1)  # not kept in the pool
        asyncio.run(client.get_speaker_search_task(**GET))  # still usable: a new connection
        assert server.connections == 2
        asyncio.run(client.close())


def test_async_callbacks_are_awaited_in_order(clock: ManualClock) -> None:
    statuses = ["IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    bodies = [TASK_BODY.replace(b"IN_PROGRESS", s.encode()) for s in statuses]

    def answers(peer: Peer) -> None:
        for body in bodies:
            if peer.read_request() is None:
                return
            peer.send(answer(body=body))

    seen: list[str] = []

    async def on_update(task: SpeakerSearchTask) -> None:
        await asyncio.sleep(0)
        seen.append(task.speaker_search_task_status.value)

    def on_poll(task: SpeakerSearchTask) -> None:
        seen.append("poll")

    with RawServer(answers) as server:
        client = client_for(server.url, clock=clock, jitter=lambda: 1.0)
        task = asyncio.run(client.wait(**GET, on_update=on_update, on_poll=on_poll))
        asyncio.run(client.close())
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert seen == [
        "poll",
        "IN_QUEUE",
        "poll",
        "IN_PROGRESS",
        "poll",
        "poll",
        "SUCCEEDED",
    ]
    assert clock.sleeps == [2.0, 4.0, 8.0]  # PollPolicy(), jitter at the window's top


def test_a_passed_in_client_with_a_stubber_answers_without_sending() -> None:
    """botocore's Stubber answers before anything is sent; the async client takes that answer."""
    raw = boto3.client("chime-sdk-voice", region_name="us-east-1")
    wire = {"SpeakerSearchTask": {**TASK, "SpeakerSearchTaskStatus": "SUCCEEDED"}}
    with Stubber(raw) as stubber:
        stubber.add_response("get_speaker_search_task", wire)
        stubber.add_client_error(
            "get_speaker_search_task", service_error_code="NotFoundException", http_status_code=404
        )
        client = AsyncSpeakerSearchClient(client=raw, retry=RetryPolicy.disabled())

        async def main() -> SpeakerSearchTask:
            task = await client.get_speaker_search_task(**GET)
            with pytest.raises(NotFoundException):
                await client.get_speaker_search_task(**GET)
            return task

        assert asyncio.run(main()).speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED


def test_botocore_logs_no_traceback_for_a_request_it_only_prepared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """botocore logs any exception raised while sending; the library's 'prepared' signal is none."""
    caplog.set_level(logging.DEBUG)
    with RawServer(keep_alive(TASK_BODY)) as server:
        client = client_for(server.url)
        asyncio.run(client.get_speaker_search_task(**GET))
        asyncio.run(client.close())
    assert any(r.name == "botocore.endpoint" for r in caplog.records)  # botocore did log
    assert not [r for r in caplog.records if r.exc_info]
    assert not [r for r in caplog.records if "Exception received" in r.getMessage()]


def test_a_set_up_the_engine_does_not_take_runs_calls_in_a_thread_pool(no_leaks: None) -> None:
    """botocore's proxies_config leaves sending to botocore: each call runs in a worker thread."""
    with RawServer(keep_alive(TASK_BODY)) as origin, RawServer(proxy()) as forward:
        config = botocore.config.Config(
            proxies={"http": forward.url}, proxies_config={"proxy_use_forwarding_for_https": True}
        )
        client = client_for(origin.url, config=config)

        async def main() -> list[SpeakerSearchTask]:
            return await asyncio.gather(*(client.get_speaker_search_task(**GET) for _ in range(5)))

        tasks = asyncio.run(main())
        asyncio.run(client.close())
    assert len(tasks) == 5
    assert len(origin.requests) == 5
    assert all(r.method == "GET" for r in forward.requests)  # through the proxy
