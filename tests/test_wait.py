"""wait() and start_and_wait(): polling, deadlines, callbacks, terminal statuses.

Every test using the ``client`` or ``make_client`` fixture runs with both clients.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, TypedDict

import pytest

from chime_speaker_search import (
    InvalidParameterError,
    PollPolicy,
    RetryPolicy,
    SpeakerSearchClient,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    TaskFailedError,
    WaitTimeoutError,
)
from tests.scripted import TASK, Reply, ScriptedServer, error

if TYPE_CHECKING:
    from collections.abc import Callable

    from chime_speaker_search._clock import ManualClock

BOTH_CLIENTS = True
VC = "abcdef1ghij2klmno3pqr4"


class Ids(TypedDict):
    voice_connector_id: str
    speaker_search_task_id: str


IDS: Ids = {"voice_connector_id": VC, "speaker_search_task_id": TASK["SpeakerSearchTaskId"]}
RESULTS = {
    "Results": [
        {"ConfidenceScore": 0.42, "VoiceProfileId": "profile-low"},
        {"ConfidenceScore": 0.97, "VoiceProfileId": "profile-best"},
    ],
    "VoiceprintGenerationStatus": "VoiceprintGenerationSuccess",
}


def status(value: str, **extra: object) -> Reply:
    return Reply(body={"SpeakerSearchTask": {**TASK, "SpeakerSearchTaskStatus": value, **extra}})


def test_wait_polls_until_succeeded_and_reports_each_status_once(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(
        status("IN_QUEUE"),
        status("IN_PROGRESS"),
        status("IN_PROGRESS"),
        status("SUCCEEDED", SpeakerSearchDetails=RESULTS),
    )
    seen: list[SpeakerSearchTaskStatus] = []
    task = client.wait(**IDS, on_update=lambda t: seen.append(t.speaker_search_task_status))
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert seen == ["IN_QUEUE", "IN_PROGRESS", "SUCCEEDED"]
    assert len(scripted.requests) == 4
    # Default PollPolicy(2, 10), jitter 1.0: ceilings 2, 4, 8.
    assert clock.sleeps == [2.0, 4.0, 8.0]
    best = task.best_match()
    assert best is not None
    assert best.voice_profile_id == "profile-best"


def test_partial_success_is_returned(client: SpeakerSearchClient, scripted: ScriptedServer) -> None:
    scripted.script(
        status(
            "PARTIAL_SUCCESS",
            SpeakerSearchDetails={
                **RESULTS,
                "VoiceprintGenerationStatus": "VoiceprintGenerationFailure",
            },
        )
    )
    task = client.wait(**IDS)
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.PARTIAL_SUCCESS
    assert len(task.results) == 2


@pytest.mark.parametrize("final", ["FAILED", "STOPPED"])
def test_failed_and_stopped_raise_task_failed_error_with_the_task(
    client: SpeakerSearchClient, scripted: ScriptedServer, final: str
) -> None:
    scripted.script(status(final, StatusMessage="Not enough speech"))
    with pytest.raises(TaskFailedError) as caught:
        client.wait(**IDS)
    assert caught.value.task.speaker_search_task_status == final
    assert "Not enough speech" in str(caught.value)
    assert TASK["SpeakerSearchTaskId"] in str(caught.value)


def test_raise_on_failure_false_returns_the_failed_task(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(status("FAILED"))
    task = client.wait(**IDS, raise_on_failure=False)
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.FAILED


def test_timeout_raises_with_last_task_and_last_poll_at_the_deadline(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.default = status("IN_PROGRESS")
    with pytest.raises(WaitTimeoutError) as caught:
        client.wait(**IDS, timeout=timedelta(seconds=15), poll=PollPolicy(min_delay=2, max_delay=5))
    # Sleeps 2, 4, 5 (capped), then clamped to the 4 s left: the last poll is at 15 s.
    assert clock.sleeps == [2.0, 4.0, 5.0, 4.0]
    assert len(scripted.requests) == 5
    assert caught.value.elapsed == pytest.approx(15.0)
    assert caught.value.task is not None
    assert caught.value.task.speaker_search_task_status is SpeakerSearchTaskStatus.IN_PROGRESS
    assert isinstance(caught.value, TimeoutError)
    assert "IN_PROGRESS" in str(caught.value)


def test_unknown_status_keeps_waiting(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(status("SOMETHING_NEW"), status("SUCCEEDED"))
    updates: list[SpeakerSearchTask] = []
    task = client.wait(**IDS, on_update=updates.append)
    assert task.is_terminal
    assert updates[0].speaker_search_task_status.is_unknown


def test_retries_inside_a_wait_stay_within_its_budget(
    scripted: ScriptedServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    client = make_client(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        clock=clock,
        jitter=lambda: 1.0,
        retry=RetryPolicy(max_attempts=50, throttle_base_delay=1.0, max_delay=4.0),
    )
    scripted.default = error("ThrottledClientException", 429)
    with pytest.raises(WaitTimeoutError) as caught:
        client.wait(**IDS, timeout=10)
    assert caught.value.task is None
    assert isinstance(caught.value.__cause__, Exception)
    assert clock.monotonic() <= 10.0
    assert sum(clock.sleeps) <= 10.0


def test_non_retryable_error_during_wait_propagates(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(error("NotFoundException", 404, "no such task"))
    with pytest.raises(Exception, match="no such task") as caught:
        client.wait(**IDS)
    assert type(caught.value).__name__ == "NotFoundException"


def test_start_and_wait_starts_once_and_reports_the_start(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(
        status("IN_QUEUE"), status("IN_PROGRESS"), status("SUCCEEDED", SpeakerSearchDetails=RESULTS)
    )
    updates: list[str] = []
    task = client.start_and_wait(
        voice_connector_id=VC,
        transaction_id="tx1",
        voice_profile_domain_id="dom1",
        poll=PollPolicy(min_delay=1, max_delay=1),
        on_update=lambda t: updates.append(t.speaker_search_task_status.value),
    )
    assert task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert [r.method for r in scripted.requests] == ["POST", "GET", "GET"]
    assert updates == ["IN_QUEUE", "IN_PROGRESS", "SUCCEEDED"]
    assert clock.sleeps == [1.0, 1.0]


def test_zero_timeout_polls_once(
    scripted: ScriptedServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> None:
    """One poll, whatever its answer. No retries here: the poll's 0.1 s of grace is real
    time, and on a loaded machine an answer later than that is retried within it."""
    client = make_client(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        clock=clock,
        retry=RetryPolicy(max_attempts=1),
    )
    scripted.default = status("IN_PROGRESS")
    with pytest.raises(WaitTimeoutError):
        client.wait(**IDS, timeout=0)
    assert len(scripted.requests) == 1


def test_negative_timeout_is_rejected(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    with pytest.raises(ValueError, match="timeout"):
        client.wait(**IDS, timeout=-1)
    assert scripted.requests == []


def test_poll_policy_delays_and_validation() -> None:
    policy = PollPolicy(min_delay=timedelta(seconds=1), max_delay=6)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 6.0, 6.0]
    assert policy.delay(3, jitter=0.0) == 1.0
    assert policy.delay(3, jitter=0.5) == 2.5
    assert policy.delay(10_000) == 6.0  # no overflow
    with pytest.raises(InvalidParameterError, match="max_delay"):
        PollPolicy(min_delay=5, max_delay=1)
    with pytest.raises(InvalidParameterError, match="min_delay"):
        PollPolicy(min_delay=0)
    with pytest.raises(InvalidParameterError, match="finite"):
        PollPolicy(min_delay=float("inf"), max_delay=float("inf"))
    with pytest.raises(InvalidParameterError, match="finite"):
        PollPolicy(max_delay=float("nan"))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": -1}, InvalidParameterError),
        ({"timeout": float("nan")}, InvalidParameterError),
        ({"timeout": float("inf")}, InvalidParameterError),
        ({"timeout": "60"}, InvalidParameterError),
        ({"timeout": True}, InvalidParameterError),
        ({"poll": 5}, InvalidParameterError),
        ({"on_update": "print"}, InvalidParameterError),
    ],
)
def test_bad_wait_arguments_fail_before_anything_is_sent(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    kwargs: dict[str, object],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        client.start_and_wait(
            voice_connector_id=VC,
            transaction_id="tx",
            voice_profile_domain_id="d",
            **kwargs,  # type: ignore[arg-type]
        )
    with pytest.raises(error):
        client.wait(**IDS, **kwargs)  # type: ignore[arg-type]
    assert scripted.requests == []  # in particular, no task was started


def test_timeout_message_names_the_task(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.default = error("ServiceUnavailableException", 503)
    with pytest.raises(WaitTimeoutError, match=TASK["SpeakerSearchTaskId"]):
        client.wait(**IDS, timeout=1)
