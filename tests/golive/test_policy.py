"""Poll and retry timing: exponential, capped, Retry-After honoured, deterministic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from golive.policy import PollPolicy, RetryPolicy

MINUTE = timedelta(minutes=1)


def seconds(delay: timedelta) -> float:
    return delay.total_seconds()


def test_polls_start_short_and_grow_to_the_cap() -> None:
    policy = PollPolicy(initial=MINUTE, maximum=15 * MINUTE, factor=2.0)
    assert [seconds(policy.interval(n)) for n in range(7)] == [60, 120, 240, 480, 900, 900, 900]


def test_poll_intervals_never_overflow() -> None:
    policy = PollPolicy(initial=MINUTE, maximum=15 * MINUTE, factor=3.0)
    assert policy.interval(10**6) == 15 * MINUTE
    assert policy.interval(-1) == MINUTE


def test_a_factor_of_one_keeps_a_fixed_interval() -> None:
    policy = PollPolicy(initial=MINUTE, maximum=15 * MINUTE, factor=1.0)
    assert {policy.interval(n) for n in range(50)} == {MINUTE}


def test_polls_are_never_sooner_than_retry_after() -> None:
    policy = PollPolicy(initial=MINUTE, maximum=15 * MINUTE, factor=2.0)
    assert policy.interval(0, retry_after=timedelta(minutes=5)) == timedelta(minutes=5)
    assert policy.interval(3, retry_after=timedelta(seconds=5)) == 8 * MINUTE
    assert policy.interval(9, retry_after=timedelta(hours=1)) == timedelta(hours=1)


def test_retries_back_off_exponentially_to_the_cap() -> None:
    policy = RetryPolicy(
        initial=timedelta(seconds=30), maximum=timedelta(seconds=900), max_attempts=8
    )
    assert [seconds(policy.delay(a)) for a in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert policy.delay(10**6) == timedelta(seconds=900)
    assert policy.delay(2, retry_after=timedelta(seconds=200)) == timedelta(seconds=200)
    assert policy.delay(6, retry_after=timedelta(seconds=200)) == timedelta(seconds=900)


def test_retries_are_exhausted_after_max_attempts() -> None:
    policy = RetryPolicy(initial=MINUTE, maximum=MINUTE, max_attempts=3)
    assert [policy.exhausted(n) for n in range(5)] == [False, False, False, True, True]
    unbounded = RetryPolicy(initial=MINUTE, maximum=MINUTE, max_attempts=None)
    assert not unbounded.exhausted(10**9)


def test_same_arguments_same_delays() -> None:
    first = PollPolicy(MINUTE, 15 * MINUTE, 1.7)
    second = PollPolicy(MINUTE, 15 * MINUTE, 1.7)
    assert [first.interval(n) for n in range(20)] == [second.interval(n) for n in range(20)]


@pytest.mark.parametrize(
    ("initial", "maximum", "factor"),
    [(timedelta(0), MINUTE, 2.0), (MINUTE, timedelta(seconds=59), 2.0), (MINUTE, MINUTE, 0.9)],
)
def test_nonsense_policies_are_refused(
    initial: timedelta, maximum: timedelta, factor: float
) -> None:
    with pytest.raises(ValueError):
        PollPolicy(initial, maximum, factor)
    with pytest.raises(ValueError):
        RetryPolicy(initial, maximum, 3, factor)


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(MINUTE, MINUTE, 0)
