"""How a go-live run ends, before its completion event is built: shared by both APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Ending:
    """The completion event's type and what it says (reason, rejection or error)."""

    event_type: str
    reason: str | None = None
    rejection: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


def retry_after(result: dict[str, Any]) -> timedelta | None:
    """The wait an activity result passes on from the API (`Retry-After`), if any."""
    seconds = result.get("retryAfterSeconds")
    return timedelta(seconds=float(seconds)) if seconds is not None else None


def rejection_of(result: dict[str, Any]) -> dict[str, Any]:
    """The `rejection` of a Rejected event, from a rejected result's dict."""
    return {
        "httpStatus": result.get("httpStatus"),
        "code": result.get("code"),
        "message": result.get("message"),
        "hint": result.get("hint"),
    }
