"""Time, as the library sees it: injectable so tests run exactly and never wait.

:class:`SystemClock` is real time. :class:`ManualClock` (exported from
:mod:`chime_speaker_search.testing`) only moves when told to, or when something
"sleeps" on it; sharing one between a client and the local emulator makes waits
and task lifecycles deterministic and instant.

The async client needs one more thing of a clock, a sleep it can await
(:class:`AsyncClock`); both clocks here have it.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

__all__ = ["AsyncClock", "Clock", "ManualClock", "SystemClock", "to_seconds"]


def to_seconds(value: float | timedelta) -> float:
    """Accept seconds as a number or a ``timedelta``; return seconds as a float."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


@runtime_checkable
class Clock(Protocol):
    """What the library needs of time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for budgets and deadlines)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for ``seconds``."""
        ...

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware UTC."""
        ...


@runtime_checkable
class AsyncClock(Clock, Protocol):
    """What the async client needs of time: a :class:`Clock` with a sleep to await."""

    async def sleep_async(self, seconds: float) -> None:
        """Wait for ``seconds`` without blocking the event loop."""
        ...


class SystemClock:
    """Real time: :func:`time.monotonic`, :func:`time.sleep` and UTC now."""

    def monotonic(self) -> float:
        """Return :func:`time.monotonic`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real (never for a negative time)."""
        if seconds > 0:
            time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        """Sleep on the running event loop (never for a negative time)."""
        import asyncio  # noqa: PLC0415 (only async programs need it; ~30 ms to import)

        await asyncio.sleep(max(0.0, seconds))

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(timezone.utc)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to: deterministic tests without waiting.

    ``sleep(s)`` advances the clock by ``s`` at once, so code that waits on this clock
    finishes instantly while seeing time pass. Thread-safe.

    Args:
        start: The wall-clock time to start at (default 2026-01-01T00:00:00Z).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
        if self._start.tzinfo is None:
            self._start = self._start.replace(tzinfo=timezone.utc)
        self._elapsed = 0.0
        self.sleeps: list[float] = []
        """Every duration passed to :meth:`sleep`, in order (for assertions)."""

    def monotonic(self) -> float:
        """Seconds since the clock was made."""
        with self._lock:
            return self._elapsed

    def now(self) -> datetime:
        """The start time plus the time advanced."""
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float | timedelta) -> None:
        """Move the clock forward."""
        step = to_seconds(seconds)
        if step < 0:
            raise ValueError(f"a clock cannot go backwards (advance({step}))")
        with self._lock:
            self._elapsed += step

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance the clock by it, without waiting."""
        with self._lock:
            self.sleeps.append(seconds)
            self._elapsed += max(0.0, seconds)

    async def sleep_async(self, seconds: float) -> None:
        """:meth:`sleep`, then let the event loop run other tasks once."""
        import asyncio  # noqa: PLC0415 (only async programs need it; ~30 ms to import)

        self.sleep(seconds)
        await asyncio.sleep(0)

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now().isoformat()})"
