"""The single retry authority: which failures are retried, when, and for how long.

Built on tenacity. The backoff maths are pure functions of the policy, the attempt
number and a jitter sample, so they are tested without any clock. One set of rules
(``_Rules``: when to stop, how long to wait, what to log, how a failed attempt is
settled) drives both loops: tenacity's ``Retrying`` for the client, and its
``AsyncRetrying`` for the async client, which sleeps on the event loop.
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import attrs
import tenacity

from ._clock import to_seconds
from .errors import (
    InvalidParameterError,
    OutcomeUnknownError,
    ServiceError,
    TransportError,
    Violation,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, Mapping
    from datetime import datetime, timedelta

    from ._clock import AsyncClock, Clock

__all__ = ["RetryPolicy", "acall_with_retries", "call_with_retries", "is_retryable"]

logger = logging.getLogger("chime_speaker_search")

_T = TypeVar("_T")


def _optional_seconds(value: float | timedelta | None) -> float | None:
    return None if value is None else to_seconds(value)


def _reject(attribute: attrs.Attribute[Any], rule: str, value: object) -> NoReturn:
    raise InvalidParameterError(
        [Violation(parameter=f"RetryPolicy.{attribute.name}", constraint=rule, value=value)]
    )


def _non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < math.inf:  # also rejects NaN
        _reject(attribute, "must be a finite number of seconds >= 0", value)


def _positive_or_none(
    _: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    if value is not None and not 0 < value < math.inf:
        _reject(attribute, "must be a finite number of seconds > 0, or None", value)


def _at_least_one(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        _reject(attribute, "must be an int >= 1", value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed requests are retried.

    Delays are "full jitter" exponential backoff: before retry *n* the client sleeps a
    random time between 0 and ``min(max_delay, base * 2 ** (n - 1))``, where ``base``
    is ``throttle_base_delay`` after a throttling error and ``base_delay`` otherwise.
    A ``Retry-After`` (or ``x-amz-retry-after``) header is honoured: the client never
    retries sooner than the service asked, and gives up instead when the service asks
    for more than ``max_delay`` or more than the time budget left.

    Args:
        max_attempts: Requests per call at most, the first one included (1 = no retries).
        base_delay: Backoff base, in seconds, for transient failures.
        throttle_base_delay: Backoff base, in seconds, after ``ThrottledClientException``.
        max_delay: Longest single sleep between attempts, in seconds.
        timeout: Budget for one call including all retries and sleeps (``None`` = no
            budget beyond ``max_attempts``). Each request is also bounded by what is
            left of it.
    """

    max_attempts: int = attrs.field(default=5, validator=_at_least_one)
    base_delay: float = attrs.field(default=0.05, converter=to_seconds, validator=_non_negative)
    throttle_base_delay: float = attrs.field(
        default=1.0, converter=to_seconds, validator=_non_negative
    )
    max_delay: float = attrs.field(default=20.0, converter=to_seconds, validator=_non_negative)
    timeout: float | None = attrs.field(
        default=None, converter=_optional_seconds, validator=_positive_or_none
    )

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that makes exactly one request per call."""
        return cls(max_attempts=1)

    def backoff(
        self,
        attempt: int,
        *,
        throttled: bool = False,
        retry_after: float | None = None,
        jitter: float = 1.0,
    ) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based).

        Args:
            attempt: The attempt that just failed (1 for the first request).
            throttled: Whether it failed with a throttling error.
            retry_after: Seconds the service asked to wait, if it said.
            jitter: A sample from [0, 1); 1.0 gives the upper bound of the window.
        """
        base = self.throttle_base_delay if throttled else self.base_delay
        # min() before the power would overflow for large attempt numbers.
        ceiling = min(self.max_delay, base * 2.0 ** min(attempt - 1, 62))
        delay = jitter * ceiling
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def is_retryable(error: BaseException) -> bool:
    """Whether the library retries this error by default."""
    return isinstance(error, ServiceError | TransportError) and error.retryable


def _retry_after(error: BaseException | None) -> float | None:
    return error.retry_after if isinstance(error, ServiceError) else None


def _from_gateway(error: ServiceError) -> bool:
    """A 5xx page naming no AWS error: retryable although its class is not (see _transport).

    Such a page comes from a proxy or load balancer, which may have forwarded the request
    (a 502 or 504 typically means the service behind it did not answer in time), so it
    proves nothing about the request's effect.
    """
    return error.retryable and not type(error).retryable


def _outcome_unknown(
    what: str,
    operation_name: str,
    attempts: int,
    sent_at: datetime,
    details: Mapping[str, str] | None,
) -> OutcomeUnknownError:
    what = what if what.endswith((".", "!", "?")) else f"{what}."
    return OutcomeUnknownError(
        f"{what} The service may or may not have acted on it, and {operation_name} has no "
        "idempotency token, so it was not retried: check the outcome (e.g. list the "
        "domain's voice profiles) before trying again.",
        operation_name=operation_name,
        attempts=attempts,
        sent_at=sent_at,
        details=details,
    )


class _Rules:
    """One call's retry rules, shared by the synchronous and the asynchronous loop.

    Holds the call's deadline and builds tenacity's stop, wait and before_sleep from the
    policy; :meth:`attempt` stamps a failed attempt's error and decides whether a lost
    answer of a non-idempotent request becomes an ``OutcomeUnknownError``.
    """

    def __init__(
        self,
        *,
        operation_name: str,
        policy: RetryPolicy,
        clock: Clock,
        jitter: Callable[[], float],
        deadline: float | None,
        idempotent: bool,
        details: Mapping[str, str] | None,
    ) -> None:
        self.operation_name = operation_name
        self.policy = policy
        self.clock = clock
        self.jitter = jitter
        if policy.timeout is not None:
            own = clock.monotonic() + policy.timeout
            deadline = own if deadline is None else min(deadline, own)
        self.deadline = deadline
        self.idempotent = idempotent
        self.details = details
        # Requests made so far: one per attempt, or more when a client passed in by the
        # user retried within an attempt (the error then says how many it made).
        self.requests = 0

    def remaining(self) -> float | None:
        """Seconds left until the deadline, or ``None`` without one."""
        return None if self.deadline is None else self.deadline - self.clock.monotonic()

    def tenacity_arguments(self) -> dict[str, Any]:
        """``stop``, ``wait``, ``retry``, ``before_sleep`` and ``reraise`` for tenacity."""
        return {
            "stop": self._stop,
            "wait": self._wait,
            "retry": tenacity.retry_if_exception(is_retryable),
            "before_sleep": self._before_sleep,
            "reraise": True,
        }

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return self.policy.backoff(
            state.attempt_number,
            throttled=isinstance(error, ServiceError) and error.throttling,
            retry_after=_retry_after(error),
            jitter=self.jitter(),
        )

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        policy = self.policy
        if state.attempt_number >= policy.max_attempts:
            return True
        asked = _retry_after(state.outcome.exception() if state.outcome else None)
        if asked is not None and asked > policy.max_delay:
            logger.info(
                "Not retrying %s: the service asked to wait %.1fs, more than max_delay %.1fs",
                self.operation_name,
                asked,
                policy.max_delay,
            )
            return True
        left = self.remaining()
        if left is not None and state.upcoming_sleep >= left:
            logger.info(
                "Not retrying %s: %.2fs backoff would overrun the %.2fs left of the budget",
                self.operation_name,
                state.upcoming_sleep,
                max(left, 0.0),
            )
            return True
        return False

    def _before_sleep(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.info(
            "Retrying %s in %.3fs (attempt %d of %d failed with %s)",
            self.operation_name,
            state.upcoming_sleep,
            state.attempt_number,
            self.policy.max_attempts,
            getattr(error, "code", type(error).__name__),
        )

    @contextlib.contextmanager
    def attempt(self) -> Iterator[float | None]:
        """One attempt: yields the seconds left; settles the library error it raises.

        Errors are made fresh per attempt, each counting the requests its attempt made
        (1, or more when a passed-in botocore client retried), so replacing that count
        with the call's running total is safe. A request without an idempotency token
        that may have reached the service (a lost answer, or a proxy's 5xx page) is not
        retried blindly: it becomes an ``OutcomeUnknownError``.
        """
        sent_at = self.clock.now()
        try:
            yield self.remaining()
        except TransportError as error:
            self.requests += error.attempts
            error.attempts = self.requests
            if self.idempotent or not error.request_sent:
                raise
            raise _outcome_unknown(
                str(error), self.operation_name, self.requests, sent_at, self.details
            ) from error
        except ServiceError as error:
            self.requests += error.attempts
            error.attempts = self.requests
            if self.idempotent or not _from_gateway(error):
                raise
            raise _outcome_unknown(
                f"{error}: a proxy or load balancer answered, not the service, and the "
                "request may have reached the service behind it.",
                self.operation_name,
                self.requests,
                sent_at,
                self.details,
            ) from error


def call_with_retries(
    attempt: Callable[[float | None], _T],
    *,
    operation_name: str,
    policy: RetryPolicy,
    clock: Clock,
    jitter: Callable[[], float],
    deadline: float | None = None,
    idempotent: bool = True,
    details: Mapping[str, str] | None = None,
) -> _T:
    """Run ``attempt`` until it succeeds, the policy gives up, or time runs out.

    Args:
        attempt: Makes one request; receives the seconds left until the deadline (or
            ``None``) so it can bound the request; raises library errors.
        operation_name: For logs and messages.
        policy: Attempts, backoff and per-call budget.
        clock: Time source and sleeper.
        jitter: Returns samples from [0, 1).
        deadline: An outer ``clock.monotonic()`` deadline (e.g. a wait's), if any.
        idempotent: False for operations the service gives no idempotency token: a
            request that may have reached the service is then not retried, and its
            lost answer (or a proxy's 5xx page naming no AWS error) raises
            ``OutcomeUnknownError``. The service's own error answers are retried as usual.
        details: For ``OutcomeUnknownError``: the request's identifying parameters.

    Returns:
        What ``attempt`` returned.

    Raises:
        SpeakerSearchError: the last error, with ``attempts`` set to the requests made.
    """
    rules = _Rules(
        operation_name=operation_name,
        policy=policy,
        clock=clock,
        jitter=jitter,
        deadline=deadline,
        idempotent=idempotent,
        details=details,
    )
    for state in tenacity.Retrying(sleep=clock.sleep, **rules.tenacity_arguments()):
        with state, rules.attempt() as time_left:
            return attempt(time_left)
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


async def acall_with_retries(
    attempt: Callable[[float | None], Awaitable[_T]],
    *,
    operation_name: str,
    policy: RetryPolicy,
    clock: AsyncClock,
    jitter: Callable[[], float],
    deadline: float | None = None,
    idempotent: bool = True,
    details: Mapping[str, str] | None = None,
) -> _T:
    """:func:`call_with_retries` for a coroutine: the same rules, asleep on the loop.

    Between attempts it awaits ``clock.sleep_async``, so a retrying call holds no
    thread; cancelling it cancels the sleep or the request in flight.
    """
    rules = _Rules(
        operation_name=operation_name,
        policy=policy,
        clock=clock,
        jitter=jitter,
        deadline=deadline,
        idempotent=idempotent,
        details=details,
    )
    async for state in tenacity.AsyncRetrying(
        sleep=clock.sleep_async, **rules.tenacity_arguments()
    ):
        with state, rules.attempt() as time_left:
            return await attempt(time_left)
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover
