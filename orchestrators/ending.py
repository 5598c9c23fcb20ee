"""How a go-live run ends, before its completion event is built: shared by both APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from golive.activity_results import Rejected

__all__ = ["Ending", "seconds"]


@dataclass(frozen=True)
class Ending:
    """The completion event's type and what it says (reason, rejection or error)."""

    event_type: str
    reason: str | None = None
    rejection: Rejected | None = None
    error: dict[str, Any] | None = None


def seconds(value: float | None) -> timedelta | None:
    """A server's `Retry-After`, as the policies take it."""
    return timedelta(seconds=value) if value is not None else None
