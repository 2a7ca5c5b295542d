"""Clocks: the real one, and the manual one tests share with the emulator."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chime_speaker_search._clock import Clock, ManualClock, SystemClock, to_seconds


def test_system_clock_tells_real_time() -> None:
    clock = SystemClock()
    assert isinstance(clock, Clock)
    before = clock.monotonic()
    clock.sleep(0.001)
    clock.sleep(-1)  # never sleeps backwards, never raises
    assert clock.monotonic() > before
    assert abs((clock.now() - datetime.now(timezone.utc)).total_seconds()) < 5
    assert repr(clock) == "SystemClock()"


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 5, 1))
    assert isinstance(clock, Clock)
    assert clock.now() == datetime(2026, 5, 1, tzinfo=timezone.utc)
    clock.advance(timedelta(seconds=90))
    clock.sleep(10)
    assert clock.monotonic() == 100.0
    assert clock.sleeps == [10]
    assert clock.now() == datetime(2026, 5, 1, 0, 1, 40, tzinfo=timezone.utc)
    assert "2026-05-01T00:01:40" in repr(clock)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_to_seconds() -> None:
    assert to_seconds(timedelta(minutes=2)) == 120.0
    assert to_seconds(3) == 3.0


def test_every_clock_the_library_ships_can_sleep_on_an_event_loop() -> None:
    """SystemClock, ManualClock and ScaledClock are AsyncClocks: the async client's sleep."""
    import asyncio  # noqa: PLC0415 (only this test needs it)

    from chime_speaker_search._clock import AsyncClock  # noqa: PLC0415
    from chime_speaker_search.testing import ScaledClock  # noqa: PLC0415

    manual, scaled, system = ManualClock(), ScaledClock(100.0), SystemClock()
    assert all(isinstance(c, AsyncClock) for c in (manual, scaled, system))

    async def sleeps() -> float:
        began = system.monotonic()
        await manual.sleep_async(30.0)  # instant, but recorded and counted
        await system.sleep_async(-1)  # never backwards, never raises
        await system.sleep_async(0.01)
        await scaled.sleep_async(2.0)  # 2 emulated seconds: 0.02 s
        await scaled.sleep_async(-5)
        return system.monotonic() - began

    took = asyncio.run(sleeps())
    assert manual.sleeps == [30.0]
    assert manual.monotonic() == 30.0
    assert 0.03 <= took < 1.0
