"""ScaledClock, the emulator's default clock: real time times a factor."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from chime_speaker_search._clock import Clock
from chime_speaker_search.testing import ScaledClock


def test_it_is_a_clock() -> None:
    assert isinstance(ScaledClock(), Clock)
    assert repr(ScaledClock(2.0)) == "ScaledClock(scale=2.0)"


def test_time_runs_scaled() -> None:
    clock = ScaledClock(100.0)
    began = time.monotonic()
    clock.sleep(2.0)  # two emulated seconds: 20 ms
    real = time.monotonic() - began
    assert real < 0.5
    assert clock.monotonic() >= 2.0
    assert clock.monotonic() == pytest.approx(real * 100.0, rel=0.5)


def test_now_starts_where_told_and_never_goes_back() -> None:
    start = datetime(2030, 5, 1, tzinfo=timezone.utc)
    clock = ScaledClock(1000.0, start=start)
    first = clock.now()
    second = clock.now()
    assert start <= first <= second
    assert first.tzinfo is not None
    naive = ScaledClock(start=datetime(2030, 5, 1))
    assert naive.now().tzinfo == timezone.utc


def test_default_start_is_now_in_utc() -> None:
    before = datetime.now(timezone.utc)
    assert ScaledClock().now() >= before


def test_sleeping_zero_or_less_returns_at_once() -> None:
    clock = ScaledClock(0.001)  # a second would take 1000 s
    clock.sleep(0)
    clock.sleep(-5)


@pytest.mark.parametrize("scale", [0, -1.0, float("inf"), float("nan")])
def test_scale_must_be_positive_and_finite(scale: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(scale)
