"""Trying hard to break the client: fault storms, hung services, concurrency, secrets.

Everything runs against the emulator over real HTTP on 127.0.0.1. Backoff sleeps go to
a ManualClock shared by client and emulator, so only injected response delays cost
real time. Figures (faults injected and survived) are printed in the pytest summary.
"""

from __future__ import annotations

import io
import logging
import random
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from chime_speaker_search import (
    PollPolicy,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    SpeakerSearchTask,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.conftest import DUMMY_SECRET, DUMMY_SESSION_TOKEN, RELIABILITY

if TYPE_CHECKING:
    from collections.abc import Iterator

START = "StartSpeakerSearchTask"
GET = "GetSpeakerSearchTask"
RETRIED = ("ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException")
POLICY = RetryPolicy(max_attempts=5, timeout=60.0)


class World:
    """An emulator with a voice connector, a domain, two speakers, and a client on it."""

    def __init__(self, clock: ManualClock, *, real_clock: bool = False) -> None:
        self.clock = clock
        self.service = LocalSpeakerSearchService(
            clock=None if real_clock else clock, max_active_tasks=10_000
        )
        self.service.start()
        self.vc = self.service.add_voice_connector()
        self.domain = self.service.add_voice_profile_domain()
        self.alice = self.service.add_voice_profile(self.domain, speaker="alice")
        self.service.add_voice_profile(self.domain, speaker="bob")
        self.client = SpeakerSearchClient(
            endpoint_url=self.service.endpoint_url,
            region_name=self.service.region_name,
            retry=POLICY,
            clock=None if real_clock else clock,
            jitter=random.Random(7).random,
        )

    def call(self, speech: float = 60.0) -> str:
        return self.service.add_call(self.vc, caller="alice", caller_speech_seconds=speech)

    def close(self) -> None:
        self.client.close()
        self.service.stop()


@pytest.fixture
def world() -> Iterator[World]:
    made = World(ManualClock())
    yield made
    made.close()


def inject(world: World, rng: random.Random, operation: str, counter: Counter[str]) -> int:
    """Plan 0-6 faults for the next requests of ``operation``; return how many."""
    faults = rng.choice([0, 0, 1, 1, 2, 3, 6])
    for _ in range(faults):
        kind = rng.choice(["throttle", "5xx", "drop", "slow"])
        if kind == "throttle":
            world.service.fail_next(operation, "ThrottledClientException")
        elif kind == "5xx":
            world.service.fail_next(operation, rng.choice(RETRIED[1:]))
        elif kind == "drop":
            world.service.drop_next_response(operation)
        else:
            # Slow but within budget: the answer arrives, no fault for the client.
            world.service.delay_next(operation, 0.01)
        counter[kind] += 1
    return faults


def test_fault_storm_never_duplicates_tasks_and_keeps_every_promise(world: World) -> None:
    rng = random.Random(20261121)
    counter: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    tokens_sent: dict[str, set[str]] = {}
    for _ in range(60):
        transaction = world.call(speech=rng.choice([5.0, 15.0, 60.0]))
        before = len(world.service.requests)
        planned = inject(world, rng, START, counter)
        started = world.clock.monotonic()
        try:
            task = world.client.start_speaker_search_task(
                voice_connector_id=world.vc,
                transaction_id=transaction,
                voice_profile_domain_id=world.domain,
            )
        except (ServiceError, TransportError) as error:
            # Only when faults outnumber the attempts.
            assert planned >= POLICY.max_attempts
            assert error.attempts == POLICY.max_attempts
            outcomes["start gave up"] += 1
            world.service.clear_faults()
            continue
        finally:
            sent = world.service.requests[before:]
            assert len(sent) <= POLICY.max_attempts
            assert world.clock.monotonic() - started <= 60.0
            tokens_sent[transaction] = {r.body["ClientRequestToken"] for r in sent if r.body}
        outcomes["started"] += 1
        assert len(tokens_sent[transaction]) == 1  # one token for all of the call's retries
        assert task.call_details is not None
        assert task.call_details.transaction_id == transaction

        inject(world, rng, GET, counter)
        try:
            final = world.client.wait(
                voice_connector_id=world.vc,
                speaker_search_task_id=task.speaker_search_task_id,
                timeout=300,
                poll=PollPolicy(min_delay=1, max_delay=5),
            )
        except TaskFailedError as error:
            assert error.task.speaker_search_task_id == task.speaker_search_task_id
            outcomes["task failed (too little speech)"] += 1
        else:
            assert final.speaker_search_task_id == task.speaker_search_task_id
            best = final.best_match(min_confidence=0.85)
            assert best is not None
            assert best.voice_profile_id == world.alice
            outcomes[final.speaker_search_task_status.value] += 1
        world.service.clear_faults()

    # The invariant that matters most: never more than one task per logical start.
    per_transaction = Counter(
        t.call_details.transaction_id for t in world.service.tasks.values() if t.call_details
    )
    assert per_transaction
    assert max(per_transaction.values()) == 1
    assert sum(counter.values()) > 60
    RELIABILITY["fault storm"] = (
        f"{sum(counter.values())} faults injected ({dict(counter)}); outcomes {dict(outcomes)}; "
        f"{len(world.service.tasks)} tasks for {outcomes['started']} starts"
    )


def test_dropped_start_responses_never_create_a_second_task(world: World) -> None:
    transaction = world.call()
    world.service.drop_next_response(START, times=4)
    task = world.client.start_speaker_search_task(
        voice_connector_id=world.vc,
        transaction_id=transaction,
        voice_profile_domain_id=world.domain,
    )
    assert len(world.service.tasks) == 1
    assert next(iter(world.service.tasks)) == task.speaker_search_task_id
    assert len([r for r in world.service.requests if r.operation == START]) == 5


def test_wait_returns_within_its_timeout_when_the_service_hangs() -> None:
    made = World(ManualClock(), real_clock=True)
    try:
        task = made.client.start_speaker_search_task(
            voice_connector_id=made.vc,
            transaction_id=made.call(),
            voice_profile_domain_id=made.domain,
        )
        made.service.delay_next(GET, 30.0, times=100)
        began = time.monotonic()
        with pytest.raises(WaitTimeoutError) as caught:
            made.client.wait(
                voice_connector_id=made.vc,
                speaker_search_task_id=task.speaker_search_task_id,
                timeout=1.0,
            )
        elapsed = time.monotonic() - began
    finally:
        made.close()
    # Bounded by the wait's budget, not botocore's 60 s read timeout (generous margin).
    assert elapsed < 1.0 + 1.5
    assert isinstance(caught.value.__cause__, TransportError)
    RELIABILITY["hung service, wait(timeout=1)"] = f"returned after {elapsed:.2f}s"


def test_call_budget_bounds_a_hung_request() -> None:
    made = World(ManualClock(), real_clock=True)
    try:
        with SpeakerSearchClient(
            endpoint_url=made.service.endpoint_url,
            region_name="us-east-1",
            retry=RetryPolicy(max_attempts=3, timeout=0.8),
        ) as client:
            made.service.delay_next(GET, 30.0, times=10)
            began = time.monotonic()
            with pytest.raises(TransportError, match="no answer in time"):
                client.get_speaker_search_task(
                    voice_connector_id=made.vc, speaker_search_task_id="t"
                )
            elapsed = time.monotonic() - began
    finally:
        made.close()
    assert elapsed < 0.8 + 1.5
    RELIABILITY["hung service, RetryPolicy(timeout=0.8)"] = f"gave up after {elapsed:.2f}s"


def test_concurrency_soak_with_faults(world: World) -> None:
    errors: list[BaseException] = []
    completed = Counter[str]()
    lock = threading.Lock()
    rng = random.Random(99)
    transactions = [world.call() for _ in range(16 * 8)]

    def worker(index: int) -> None:
        local = random.Random(index)
        try:
            for round_ in range(8):
                transaction = transactions[index * 8 + round_]
                task = world.client.start_speaker_search_task(
                    voice_connector_id=world.vc,
                    transaction_id=transaction,
                    voice_profile_domain_id=world.domain,
                )
                for _ in range(local.randint(5, 12)):
                    got = world.client.get_speaker_search_task(
                        voice_connector_id=world.vc,
                        speaker_search_task_id=task.speaker_search_task_id,
                    )
                    assert got.speaker_search_task_id == task.speaker_search_task_id
                with lock:
                    completed["calls"] += 1
        except (ServiceError, TransportError) as error:
            # Documented outcome when one call drew more faults than its attempts.
            with lock:
                completed["gave up"] += 1
                assert error.attempts == POLICY.max_attempts
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for _ in range(150):  # faults sprinkled while the threads run
        operation = rng.choice([START, GET, GET])
        world.service.fail_next(operation, rng.choice(RETRIED))
        time.sleep(0.002)
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "deadlock or hang"
    assert errors == []
    per_transaction = Counter(
        t.call_details.transaction_id for t in world.service.tasks.values() if t.call_details
    )
    assert max(per_transaction.values()) == 1
    RELIABILITY["concurrency soak"] = (
        f"16 threads, {len(world.service.requests)} requests, 150 faults, {dict(completed)}"
    )


def test_no_secret_in_debug_logs_messages_or_reprs(world: World) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    texts: list[str] = []
    try:
        client = SpeakerSearchClient(
            endpoint_url=world.service.endpoint_url, region_name="us-east-1", clock=world.clock
        )
        world.service.fail_next(START, "ThrottledClientException")
        task = client.start_speaker_search_task(
            voice_connector_id=world.vc,
            transaction_id=world.call(),
            voice_profile_domain_id=world.domain,
        )
        world.service.fail_next(GET, "AccessDeniedException", times=1)
        try:
            client.get_speaker_search_task(
                voice_connector_id=world.vc, speaker_search_task_id=task.speaker_search_task_id
            )
        except ServiceError as error:
            texts += [str(error), repr(error)]
        texts += [repr(client), repr(task), repr(world.service), repr(client.retry_policy)]
        client.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = stream.getvalue()
    assert "x-amz-security-token" in logs.lower()  # botocore did log the header...
    assert "<redacted>" in logs  # ...with its value replaced
    everything = logs + "\n".join(texts)
    assert DUMMY_SECRET not in everything
    assert DUMMY_SESSION_TOKEN not in everything


def test_emulator_listens_on_loopback_and_rejects_unsigned_requests(world: World) -> None:
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    assert world.service.endpoint_url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(  # noqa: S310 (loopback emulator)
        f"{world.service.endpoint_url}/voice-connectors/{world.vc}/speaker-search-tasks/x"
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    with caught.value:  # an HTTPError holds the open response
        assert caught.value.code == 401
        assert caught.value.headers["x-amzn-ErrorType"].startswith("UnauthorizedClientException")


def test_every_task_a_storm_made_is_a_valid_model(world: World) -> None:
    for _ in range(5):
        world.client.start_speaker_search_task(
            voice_connector_id=world.vc,
            transaction_id=world.call(),
            voice_profile_domain_id=world.domain,
        )
    for task in world.service.tasks.values():
        assert SpeakerSearchTask.from_dict(task.to_dict()) == task
