"""HTTP header values read by the CPP client and the Event Grid sender."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["MAX_RETRY_AFTER_SECONDS", "parse_http_date", "parse_retry_after", "retry_after_seconds"]

# A Retry-After beyond a day is taken as a day: the orchestrator's deadline still rules.
MAX_RETRY_AFTER_SECONDS = 86400.0


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date (IMF-fixdate and the obsolete forms) as an aware datetime, or None."""
    if value is None or not value.strip():
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date.

    An HTTP date is counted from `now` (default: this machine's clock). None when absent
    or unreadable; never negative; at most MAX_RETRY_AFTER_SECONDS.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    seconds: float
    try:
        seconds = float(text)
    except ValueError:
        when = parse_http_date(text)
        if when is None:
            return None
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` of a response, with an HTTP date counted from the response's `Date`.

    Measuring against the server's own clock makes the wait immune to clock skew
    between it and this machine (and to simulated time in local runs).
    """
    return parse_retry_after(headers.get("Retry-After"), parse_http_date(headers.get("Date")))
