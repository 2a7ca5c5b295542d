"""Waiting for a task to finish: poll timing, deadlines, status callbacks."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import TYPE_CHECKING

import attrs

from ._clock import to_seconds
from ._models import SpeakerSearchTaskStatus
from ._retry import is_retryable
from .errors import (
    InvalidParameterError,
    SpeakerSearchError,
    TaskFailedError,
    Violation,
    WaitTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._clock import Clock
    from ._models import SpeakerSearchTask

__all__ = ["PollPolicy", "check_wait_arguments", "wait_for_task"]

logger = logging.getLogger("chime_speaker_search")

_FAILED = frozenset({SpeakerSearchTaskStatus.FAILED, SpeakerSearchTaskStatus.STOPPED})


# The one last poll made at a wait's deadline has no time left; it gets this much for
# its answer, so it can still see a task that ended just in time. A wait therefore
# returns by its deadline + this (SPEC: + 0.25 s).
FINAL_POLL_GRACE = 0.1


def _violation(parameter: str, rule: str, value: object) -> InvalidParameterError:
    return InvalidParameterError([Violation(parameter=parameter, constraint=rule, value=value)])


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value < math.inf:  # also rejects NaN
        raise _violation(
            f"PollPolicy.{attribute.name}", "must be a finite number of seconds > 0", value
        )


@attrs.frozen(kw_only=True)
class PollPolicy:
    """How often :meth:`~chime_speaker_search.SpeakerSearchClient.wait` polls.

    The first poll after the start waits ``min_delay``; each later one waits a random
    time between ``min_delay`` and a ceiling that doubles each poll up to
    ``max_delay``. A sleep never runs past the wait's deadline: the last poll is made
    at it.

    Args:
        min_delay: Shortest time between polls, in seconds (or a ``timedelta``).
        max_delay: Longest time between polls, in seconds (or a ``timedelta``).
    """

    min_delay: float = attrs.field(default=2.0, converter=to_seconds, validator=_positive)
    max_delay: float = attrs.field(default=10.0, converter=to_seconds, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.max_delay < self.min_delay:
            raise _violation(
                "PollPolicy.max_delay", f"must be >= min_delay ({self.min_delay:g})", self.max_delay
            )

    def delay(self, poll_number: int, *, jitter: float = 1.0) -> float:
        """Seconds to wait before poll number ``poll_number`` (1 = the first wait).

        Args:
            poll_number: Which wait this is, from 1.
            jitter: A sample from [0, 1); 1.0 gives the upper bound of the window.
        """
        ceiling = min(self.max_delay, self.min_delay * 2.0 ** min(poll_number - 1, 62))
        return self.min_delay + jitter * (ceiling - self.min_delay)


def _describe(task: SpeakerSearchTask) -> str:
    return f"Speaker search task {task.speaker_search_task_id}"


def check_wait_arguments(timeout: float | timedelta, poll: object, **callbacks: object) -> float:
    """Check ``wait``'s own arguments before anything is sent; return the timeout in seconds.

    Raises:
        InvalidParameterError: every broken rule at once: ``timeout`` is not a finite
            number of seconds >= 0 (or a ``timedelta``), ``poll`` is not a
            ``PollPolicy``, a callback is not callable.
    """
    violations: list[Violation] = []
    seconds = 0.0
    if isinstance(timeout, bool) or not isinstance(timeout, int | float | timedelta):
        violations.append(
            Violation(
                parameter="timeout", constraint="must be seconds or a timedelta", value=timeout
            )
        )
    else:
        seconds = to_seconds(timeout)
        if not 0 <= seconds < math.inf:
            violations.append(
                Violation(
                    parameter="timeout",
                    constraint="must be a finite number of seconds >= 0",
                    value=timeout,
                )
            )
    if not isinstance(poll, PollPolicy):
        violations.append(
            Violation(parameter="poll", constraint="must be a PollPolicy", value=poll)
        )
    for name, callback in callbacks.items():
        if callback is not None and not callable(callback):
            violations.append(
                Violation(parameter=name, constraint="must be callable or None", value=callback)
            )
    if violations:
        raise InvalidParameterError(violations)
    return seconds


def wait_for_task(  # noqa: C901 (one loop; its steps read best in order)
    get: Callable[[float], SpeakerSearchTask],
    *,
    task_id: str,
    timeout: float,
    poll: PollPolicy,
    clock: Clock,
    jitter: Callable[[], float],
    on_update: Callable[[SpeakerSearchTask], object] | None,
    raise_on_failure: bool,
    first: SpeakerSearchTask | None = None,
    on_poll: Callable[[SpeakerSearchTask], object] | None = None,
) -> SpeakerSearchTask:
    """Poll ``get`` until the task is terminal; see ``SpeakerSearchClient.wait``.

    Args:
        get: Fetches the task; receives the ``clock.monotonic()`` deadline its request
            and retries must keep (the last poll, at the deadline, gets a short grace).
        task_id: The task's id, for messages.
        timeout: Budget in seconds for the whole wait (checked: see ``check_wait_arguments``).
        poll: Delays between polls.
        clock: Time source and sleeper.
        jitter: Source of samples in [0, 1).
        on_update: Called once for each status observed.
        raise_on_failure: Raise ``TaskFailedError`` for FAILED and STOPPED.
        first: A task already in hand (from a start), observed before the first sleep.
        on_poll: Called with the task after every successful poll.
    """
    start = clock.monotonic()
    deadline = start + timeout
    seen: SpeakerSearchTaskStatus | None = None
    task = first
    waits = 0

    def observe(current: SpeakerSearchTask) -> None:
        nonlocal seen
        if current.speaker_search_task_status != seen:
            seen = current.speaker_search_task_status
            logger.debug(
                "%s is %s after %.1fs", _describe(current), seen.value, clock.monotonic() - start
            )
            if on_update is not None:
                on_update(current)

    def timed_out(cause: SpeakerSearchError | None) -> WaitTimeoutError:
        elapsed = clock.monotonic() - start
        if task is None:
            state = "could not be read"
        else:
            state = f"was still {task.speaker_search_task_status.value}"
        because = f" (the last poll failed: {cause})" if cause is not None else ""
        error = WaitTimeoutError(
            f"Speaker search task {task_id} {state} after {elapsed:.1f}s (timeout {timeout:g}s)"
            f"{because}. Call wait() again to keep waiting.",
            task=task,
            elapsed=elapsed,
        )
        error.__cause__ = cause
        return error

    if task is not None:
        observe(task)
    failed_poll: SpeakerSearchError | None = None
    need_sleep = task is not None
    while task is None or not task.is_terminal:
        if need_sleep:
            left = deadline - clock.monotonic()
            if left <= 0:
                raise timed_out(failed_poll)
            waits += 1
            clock.sleep(min(poll.delay(waits, jitter=jitter()), left))
        need_sleep = True
        try:
            current = get(max(deadline, clock.monotonic() + FINAL_POLL_GRACE))
        except SpeakerSearchError as error:
            if not is_retryable(error):
                raise
            # The poll's own retries gave up; the wait's budget decides what is next.
            failed_poll = error
            logger.info("A poll failed (%s); waiting on until the deadline", error)
            continue
        failed_poll = None
        task = current
        if on_poll is not None:
            on_poll(task)
        observe(task)

    if raise_on_failure and task.speaker_search_task_status in _FAILED:
        reason = f": {task.status_message}" if task.status_message else ""
        raise TaskFailedError(
            f"{_describe(task)} ended {task.speaker_search_task_status.value}{reason}", task=task
        )
    return task
