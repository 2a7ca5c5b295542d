"""Planned misbehaviour: errors, dropped responses and delays, queued per operation."""

from __future__ import annotations

import math
import re
from collections import deque
from typing import Final

import attrs

from chime_speaker_search.errors import error_class_for_code

__all__ = ["OPERATIONS", "Faults", "Injected", "Plan", "operation_name"]

OPERATIONS: Final = (
    "StartSpeakerSearchTask",
    "GetSpeakerSearchTask",
    "StopSpeakerSearchTask",
    "CreateVoiceProfile",
    "UpdateVoiceProfile",
    "GetVoiceProfile",
    "DeleteVoiceProfile",
    "ListVoiceProfiles",
    "GetVoiceProfileDomain",
    "ListVoiceProfileDomains",
)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# boto3's method names too, so either spelling works.
_BY_ANY_NAME: Final = {
    **{name: name for name in OPERATIONS},
    **{_snake(name): name for name in OPERATIONS},
}
_UNKNOWN_CODE_STATUS: Final = 400


def operation_name(operation: str) -> str:
    """``"start_speaker_search_task"`` or ``"StartSpeakerSearchTask"`` -> the latter.

    Raises:
        ValueError: Not one of the emulated operations.
    """
    try:
        return _BY_ANY_NAME[operation]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown operation {operation!r}; expected one of {', '.join(OPERATIONS)}"
        ) from None


def _non_empty_str(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _times(times: object) -> int:
    # Checked at run time too: the public API is called from untyped test code.
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(f"times must be a positive integer, got {times!r}")
    return times


@attrs.frozen(kw_only=True)
class Injected:
    """An error response to send instead of handling the request."""

    code: str
    message: str
    status: int
    retry_after: float | None


@attrs.frozen(kw_only=True)
class Plan:
    """What to do to one request: fail it, delay its response, drop its response."""

    failure: Injected | None = None
    delay: float = 0.0
    drop: bool = False


class Faults:
    """Queues of planned faults, consumed one per request of the operation.

    Failures and drops share one queue per operation, in the order they were
    planned (``fail_next`` then ``drop_next_response``: the next request fails, the
    one after is dropped). Delays have their own queue and combine with either.
    Not thread-safe: the owner holds its lock around every call.
    """

    def __init__(self) -> None:
        self._outcomes: dict[str, deque[Injected | None]] = {name: deque() for name in OPERATIONS}
        self._delays: dict[str, deque[float]] = {name: deque() for name in OPERATIONS}

    def fail(
        self,
        operation: str,
        code: str,
        *,
        times: int,
        message: str | None,
        retry_after: float | None,
    ) -> None:
        """Queue ``times`` error responses; see ``LocalSpeakerSearchService.fail_next``."""
        name = operation_name(operation)
        if not _non_empty_str(code):
            raise ValueError(f"an error code must be a non-empty string, got {code!r}")
        if retry_after is not None and not 0 <= retry_after < math.inf:
            raise ValueError(f"retry_after must be a number >= 0, got {retry_after!r}")
        injected = Injected(
            code=code,
            message=message if message is not None else f"{code} injected by fail_next().",
            status=error_class_for_code(code).default_status or _UNKNOWN_CODE_STATUS,
            retry_after=retry_after,
        )
        self._outcomes[name].extend([injected] * _times(times))

    def drop(self, operation: str, *, times: int) -> None:
        """Queue ``times`` dropped responses."""
        # ``None`` in the outcome queue means "handle, then drop the response".
        self._outcomes[operation_name(operation)].extend([None] * _times(times))

    def delay(self, operation: str, seconds: float, *, times: int) -> None:
        """Queue ``times`` delays of ``seconds`` real seconds."""
        if not 0 <= seconds < math.inf:
            raise ValueError(f"a delay must be a number of seconds >= 0, got {seconds!r}")
        self._delays[operation_name(operation)].extend([float(seconds)] * _times(times))

    def take(self, operation: str) -> Plan:
        """Consume the faults planned for the next request of ``operation``."""
        outcomes, delays = self._outcomes[operation], self._delays[operation]
        delay = delays.popleft() if delays else 0.0
        if not outcomes:
            return Plan(delay=delay)
        failure = outcomes.popleft()
        return Plan(failure=failure, delay=delay, drop=failure is None)

    def clear(self) -> None:
        """Forget every planned fault."""
        for outcomes in self._outcomes.values():
            outcomes.clear()
        for delays in self._delays.values():
            delays.clear()
