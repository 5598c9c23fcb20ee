"""Retry-After: delta-seconds or HTTP date, bounded, measured on the server's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from golive.http_headers import (
    MAX_RETRY_AFTER_SECONDS,
    parse_http_date,
    parse_retry_after,
    retry_after_seconds,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("0", 0.0),
        ("-30", 0.0),
        ("99999999", MAX_RETRY_AFTER_SECONDS),
        ("Sat, 01 Mar 2025 12:02:00 GMT", 120.0),
        ("Saturday, 01-Mar-25 12:00:30 GMT", 30.0),
        ("Sat Mar  1 12:01:00 2025", 60.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_an_http_date_defaults_to_this_machines_clock() -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None
    assert 0 < seconds <= 3600


def test_dates_are_counted_from_the_responses_date_header() -> None:
    server_now = datetime(2031, 1, 1, tzinfo=UTC)
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=90), usegmt=True),
    }
    assert retry_after_seconds(headers) == 90
    assert retry_after_seconds({"Retry-After": "12", "Date": "garbage"}) == 12
    assert retry_after_seconds({}) is None


def test_parse_http_date() -> None:
    assert parse_http_date("Sat, 01 Mar 2025 12:00:00 GMT") == NOW
    assert parse_http_date("yesterday") is None
    assert parse_http_date(None) is None
