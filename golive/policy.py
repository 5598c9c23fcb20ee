"""Wait times between polls and between retries: pure and deterministic.

The orchestrator computes every durable timer from these, on every replay, so they use
no clock and no randomness: the same arguments always give the same delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["PollPolicy", "RetryPolicy"]


def _grow(initial: timedelta, maximum: timedelta, factor: float, steps: int) -> timedelta:
    """initial * factor**steps, capped at maximum, without overflowing on huge step counts."""
    if steps <= 0:
        return min(initial, maximum)
    try:
        seconds = initial.total_seconds() * factor**steps
    except OverflowError:
        return maximum
    if seconds >= maximum.total_seconds():
        return maximum
    return timedelta(seconds=seconds)


def _not_before(delay: timedelta, retry_after: timedelta | None) -> timedelta:
    if retry_after is not None and retry_after > delay:
        return retry_after
    return delay


def _check(initial: timedelta, maximum: timedelta, factor: float) -> None:
    if initial <= timedelta(0):
        raise ValueError("initial must be positive")
    if maximum < initial:
        raise ValueError("maximum must not be shorter than initial")
    if factor < 1.0:
        raise ValueError("factor must be at least 1")


@dataclass(frozen=True)
class PollPolicy:
    """Polls start at `initial` apart and slow down by `factor` up to `maximum`."""

    initial: timedelta
    maximum: timedelta
    factor: float

    def __post_init__(self) -> None:
        _check(self.initial, self.maximum, self.factor)

    def interval(self, polls_done: int, retry_after: timedelta | None = None) -> timedelta:
        """Wait before the next poll, after `polls_done` polls (0 before the first).

        Never sooner than the server's `Retry-After`.
        """
        return _not_before(_grow(self.initial, self.maximum, self.factor, polls_done), retry_after)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between attempts, capped, with an optional attempt budget."""

    initial: timedelta
    maximum: timedelta
    max_attempts: int | None
    factor: float = 2.0

    def __post_init__(self) -> None:
        _check(self.initial, self.maximum, self.factor)
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (or None for no limit)")

    def delay(self, attempt: int, retry_after: timedelta | None = None) -> timedelta:
        """Wait after failed attempt number `attempt` (1 for the first) before the next.

        `initial` after the first failure, doubling (by `factor`) up to `maximum`, and
        never sooner than the server's `Retry-After`.
        """
        return _not_before(_grow(self.initial, self.maximum, self.factor, attempt - 1), retry_after)

    def exhausted(self, attempts_made: int) -> bool:
        """True when no attempt is left after `attempts_made` attempts."""
        return self.max_attempts is not None and attempts_made >= self.max_attempts
