"""RetryPolicy: backoff maths as pure functions, and its validation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chime_speaker_search import (
    RetryPolicy,
    ServiceUnavailableException,
    ThrottledClientException,
    TransportError,
)
from chime_speaker_search._retry import is_retryable
from chime_speaker_search.errors import ConflictException, MalformedResponseError


def test_defaults_match_the_contract() -> None:
    policy = RetryPolicy()
    assert (
        policy.max_attempts,
        policy.base_delay,
        policy.throttle_base_delay,
        policy.max_delay,
        policy.timeout,
    ) == (
        5,
        0.05,
        1.0,
        20.0,
        None,
    )
    assert RetryPolicy.disabled().max_attempts == 1


def test_full_jitter_exponential_window_capped_at_max_delay() -> None:
    policy = RetryPolicy(base_delay=0.1, max_delay=1.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    assert policy.backoff(3, jitter=0.0) == 0.0
    assert policy.backoff(3, jitter=0.5) == pytest.approx(0.2)
    assert policy.backoff(10**6) == 1.0  # no overflow on huge attempt numbers


def test_throttling_uses_its_own_base() -> None:
    policy = RetryPolicy(base_delay=0.05, throttle_base_delay=1.0, max_delay=20)
    assert [policy.backoff(n, throttled=True) for n in (1, 2, 3, 6)] == [1.0, 2.0, 4.0, 20.0]


def test_retry_after_is_a_floor() -> None:
    policy = RetryPolicy()
    assert policy.backoff(1, retry_after=3.0, jitter=0.0) == 3.0
    assert policy.backoff(1, throttled=True, retry_after=0.2) == 1.0


def test_timedeltas_are_accepted() -> None:
    policy = RetryPolicy(
        base_delay=timedelta(milliseconds=10),
        max_delay=timedelta(seconds=2),
        timeout=timedelta(minutes=1),
    )
    assert (policy.base_delay, policy.max_delay, policy.timeout) == (0.01, 2.0, 60.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": 2.5},
        {"max_attempts": True},
        {"base_delay": -1},
        {"max_delay": float("nan")},
        {"timeout": 0},
        {"timeout": -5},
    ],
)
def test_nonsense_policies_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_is_a_frozen_keyword_only_value() -> None:
    assert RetryPolicy(max_attempts=3) == RetryPolicy(max_attempts=3)
    with pytest.raises(TypeError):
        RetryPolicy(3)  # type: ignore[call-arg]


def test_what_is_retried() -> None:
    assert is_retryable(ThrottledClientException())
    assert is_retryable(ServiceUnavailableException())
    assert is_retryable(TransportError("down"))
    assert not is_retryable(ConflictException())
    assert not is_retryable(MalformedResponseError("bad"))
    assert not is_retryable(ValueError())
