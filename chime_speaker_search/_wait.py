"""Waiting for a task to finish: poll timing, deadlines, status callbacks.

The decisions (when to poll next, what a failed poll means, when the deadline has
passed, which callbacks to call) live in one place, ``_Waiting``; the synchronous and
the async loop around it only sleep, poll and (for the async one) await.
"""

from __future__ import annotations

import inspect
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
    from collections.abc import Awaitable, Callable

    from ._clock import AsyncClock, Clock
    from ._models import SpeakerSearchTask

__all__ = ["PollPolicy", "await_task", "check_wait_arguments", "wait_for_task"]

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


class _Waiting:
    """One wait's state and decisions, shared by the synchronous and the async loop.

    The loops only sleep, poll and await; every decision is made here::

        while (pause := waiting.pause()) is not None:
            sleep(pause)                      # 0.0: poll at once
            try:
                task = get(waiting.poll_deadline())
            except SpeakerSearchError as error:
                waiting.poll_failed(error)    # re-raises what a wait cannot survive
                continue
            waiting.polled(task)              # callbacks; their results are returned
        return waiting.result()
    """

    def __init__(
        self,
        *,
        task_id: str,
        timeout: float,
        poll: PollPolicy,
        clock: Clock,
        jitter: Callable[[], float],
        on_update: Callable[[SpeakerSearchTask], object] | None,
        raise_on_failure: bool,
        first: SpeakerSearchTask | None,
        on_poll: Callable[[SpeakerSearchTask], object] | None,
    ) -> None:
        self._task_id = task_id
        self._timeout = timeout
        self._poll = poll
        self._clock = clock
        self._jitter = jitter
        self._on_update = on_update
        self._on_poll = on_poll
        self._raise_on_failure = raise_on_failure
        self._start = clock.monotonic()
        self._deadline = self._start + timeout
        self._seen: SpeakerSearchTaskStatus | None = None
        self._task = first
        self._waits = 0
        self._failed_poll: SpeakerSearchError | None = None
        self._need_sleep = first is not None

    def first_results(self) -> list[object]:
        """Report a task already in hand (from a start); the callbacks' results."""
        return [] if self._task is None else self._observe(self._task)

    def pause(self) -> float | None:
        """Seconds to sleep before the next poll (0.0: poll now); None once terminal.

        Raises:
            WaitTimeoutError: the deadline has passed.
        """
        if self._task is not None and self._task.is_terminal:
            return None
        if not self._need_sleep:
            self._need_sleep = True
            return 0.0
        left = self._deadline - self._clock.monotonic()
        if left <= 0:
            raise self._timed_out()
        self._waits += 1
        return min(self._poll.delay(self._waits, jitter=self._jitter()), left)

    def poll_deadline(self) -> float:
        """The ``clock.monotonic()`` deadline the next poll (and its retries) must keep.

        The last poll, at the deadline, gets ``FINAL_POLL_GRACE`` for its answer.
        """
        return max(self._deadline, self._clock.monotonic() + FINAL_POLL_GRACE)

    def poll_failed(self, error: SpeakerSearchError) -> None:
        """A poll gave up: re-raise it unless the wait's budget may still see it through."""
        if not is_retryable(error):
            raise error
        # The poll's own retries gave up; the wait's budget decides what is next.
        self._failed_poll = error
        logger.info("A poll failed (%s); waiting on until the deadline", error)

    def polled(self, task: SpeakerSearchTask) -> list[object]:
        """A poll's answer; returns what the callbacks returned (the async loop awaits them)."""
        self._failed_poll = None
        self._task = task
        results = [self._on_poll(task)] if self._on_poll is not None else []
        return results + self._observe(task)

    def result(self) -> SpeakerSearchTask:
        """The terminal task.

        Raises:
            TaskFailedError: it ended FAILED or STOPPED, and ``raise_on_failure`` is set.
        """
        task = self._task
        assert task is not None  # noqa: S101 (pause() returns None only for a terminal task)
        if self._raise_on_failure and task.speaker_search_task_status in _FAILED:
            reason = f": {task.status_message}" if task.status_message else ""
            raise TaskFailedError(
                f"{_describe(task)} ended {task.speaker_search_task_status.value}{reason}",
                task=task,
            )
        return task

    def _observe(self, current: SpeakerSearchTask) -> list[object]:
        if current.speaker_search_task_status == self._seen:
            return []
        self._seen = current.speaker_search_task_status
        logger.debug(
            "%s is %s after %.1fs",
            _describe(current),
            self._seen.value,
            self._clock.monotonic() - self._start,
        )
        return [self._on_update(current)] if self._on_update is not None else []

    def _timed_out(self) -> WaitTimeoutError:
        elapsed = self._clock.monotonic() - self._start
        task = self._task
        state = (
            "could not be read"
            if task is None
            else f"was still {task.speaker_search_task_status.value}"
        )
        cause = self._failed_poll
        because = f" (the last poll failed: {cause})" if cause is not None else ""
        error = WaitTimeoutError(
            f"Speaker search task {self._task_id} {state} after {elapsed:.1f}s "
            f"(timeout {self._timeout:g}s){because}. Call wait() again to keep waiting.",
            task=task,
            elapsed=elapsed,
        )
        error.__cause__ = cause
        return error


def wait_for_task(
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
    waiting = _Waiting(
        task_id=task_id,
        timeout=timeout,
        poll=poll,
        clock=clock,
        jitter=jitter,
        on_update=on_update,
        raise_on_failure=raise_on_failure,
        first=first,
        on_poll=on_poll,
    )
    waiting.first_results()
    while (pause := waiting.pause()) is not None:
        if pause:
            clock.sleep(pause)
        try:
            task = get(waiting.poll_deadline())
        except SpeakerSearchError as error:
            waiting.poll_failed(error)
            continue
        waiting.polled(task)
    return waiting.result()


async def await_task(
    get: Callable[[float], Awaitable[SpeakerSearchTask]],
    *,
    task_id: str,
    timeout: float,
    poll: PollPolicy,
    clock: AsyncClock,
    jitter: Callable[[], float],
    on_update: Callable[[SpeakerSearchTask], object] | None,
    raise_on_failure: bool,
    first: SpeakerSearchTask | None = None,
    on_poll: Callable[[SpeakerSearchTask], object] | None = None,
) -> SpeakerSearchTask:
    """:func:`wait_for_task` for a coroutine: the same decisions, asleep on the loop.

    A callback may be a coroutine function: what it returns is awaited before the
    wait goes on.
    """
    waiting = _Waiting(
        task_id=task_id,
        timeout=timeout,
        poll=poll,
        clock=clock,
        jitter=jitter,
        on_update=on_update,
        raise_on_failure=raise_on_failure,
        first=first,
        on_poll=on_poll,
    )
    await _settle_callbacks(waiting.first_results())
    while (pause := waiting.pause()) is not None:
        if pause:
            await clock.sleep_async(pause)
        try:
            task = await get(waiting.poll_deadline())
        except SpeakerSearchError as error:
            waiting.poll_failed(error)
            continue
        await _settle_callbacks(waiting.polled(task))
    return waiting.result()


async def _settle_callbacks(results: list[object]) -> None:
    for result in results:
        if inspect.isawaitable(result):
            await result
