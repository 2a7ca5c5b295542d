"""A clock that runs faster (or slower) than real time, for the emulator."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

__all__ = ["ScaledClock"]


class ScaledClock:
    """Real time multiplied by a factor: ``ScaledClock(10.0)`` runs ten times faster.

    It is the emulator's default clock, so a demo can watch a task go through its
    whole life (about 21 emulated seconds for a long call) in a couple of real
    seconds. It satisfies the :class:`~chime_speaker_search._clock.Clock` protocol
    and never goes backwards: :meth:`now` is derived from the monotonic clock, not
    from the (adjustable) system time. Immutable, hence thread-safe.

    Args:
        scale: How many emulated seconds pass per real second; must be positive.
        start: The wall-clock time the clock starts at (default: now, in UTC).

    Raises:
        ValueError: ``scale`` is not a positive finite number.
    """

    def __init__(self, scale: float = 1.0, *, start: datetime | None = None) -> None:
        scale = float(scale)
        if not 0 < scale < float("inf"):
            raise ValueError(f"a clock's scale must be a positive number, got {scale!r}")
        self._scale = scale
        self._origin = time.monotonic()
        self._start = start or datetime.now(timezone.utc)
        if self._start.tzinfo is None:
            self._start = self._start.replace(tzinfo=timezone.utc)

    @property
    def scale(self) -> float:
        """Emulated seconds per real second."""
        return self._scale

    def monotonic(self) -> float:
        """Emulated seconds since the clock was made."""
        return (time.monotonic() - self._origin) * self._scale

    def now(self) -> datetime:
        """The start time plus the emulated time elapsed, timezone-aware UTC."""
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        """Wait until ``seconds`` of emulated time have passed (``seconds / scale`` real)."""
        if seconds > 0:
            time.sleep(seconds / self._scale)

    async def sleep_async(self, seconds: float) -> None:
        """:meth:`sleep` on the running event loop."""
        import asyncio  # noqa: PLC0415 (only async programs need it; ~30 ms to import)

        await asyncio.sleep(max(0.0, seconds) / self._scale)

    def __repr__(self) -> str:
        return f"ScaledClock(scale={self._scale!r})"
