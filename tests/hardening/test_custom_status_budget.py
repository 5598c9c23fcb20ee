"""The custom status must fit what the Durable extension accepts, or the run fails on Azure.

The extension serializes the status as compact JSON and refuses it when its UTF-16 size is
over 16 KB (FACTS §7); Python's `len()` of the text counts neither the two bytes per
character nor what escaping adds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from golive.run_status import within_status_limit

EXTENSION_LIMIT_BYTES = 16 * 1024


def extension_size(status: dict[str, Any]) -> int:
    """What the extension measures: compact JSON (non-ASCII kept as is), in UTF-16 bytes."""
    text = json.dumps(status, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-16-le", errors="surrogatepass"))


def status(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "phase": "polling",
        "runId": "0f5c8f64-2a6e-4c1e-9d7a-1c1f4e7e2b10",
        "requestId": "req-1",
        "correlationId": "corr-1",
        "operationLocation": "https://cloudpartner.azure.com/api/publishers/p/offers/o/operations/1",
        "cppStatus": "running",
        "currentStep": "Certification",
        "steps": [],
        "polls": 12,
        "startAttempts": 0,
        "nextPollAt": "2026-11-30T20:00:00+00:00",
        "startedAt": "2026-11-30T10:00:00+00:00",
        "deadline": "2026-12-08T10:00:00+00:00",
        "execution": 3,
        "outcome": None,
        "undeliveredEvents": 0,
    }
    return {**base, **changes}


def steps(name: str, count: int = 20) -> list[dict[str, Any]]:
    return [{"name": name, "status": "inProgress", "progressPercentage": 50}] * count


CASES = {
    # 9,000 characters of ASCII: under the old 12,000-character budget, 18 KB in UTF-16.
    "long ascii step names": status(steps=steps("S" * 420)),
    "non-ascii step names": status(steps=steps("認証ステップ" * 60)),
    "characters escaped by JSON": status(steps=steps('"\\\n' * 200)),
    "huge texts everywhere": status(
        steps=steps("x" * 5_000),
        operationLocation="https://cpp/" + "é" * 20_000,
        currentStep="\u2028" * 20_000,
        cppStatus="🚀" * 20_000,
    ),
    "everything CPP can fill, huge": status(
        **{key: "🚀" * 20_000 for key in ("operationLocation", "cppStatus", "currentStep")},
        steps=[{"name": "🚀" * 5_000, "messages": [{"text": "🚀" * 5_000}] * 5}] * 20,
        attention=[{"step": "🚀" * 5_000, "message": "🚀" * 5_000}] * 10,
        events=[{"type": "🚀" * 5_000, "id": "🚀" * 5_000}] * 10,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_custom_status_fits_the_extension_limit_with_a_margin(case: dict[str, Any]) -> None:
    shown = within_status_limit(case)
    assert extension_size(shown) <= EXTENSION_LIMIT_BYTES - 1024
    assert shown["phase"] == "polling" and shown["polls"] == 12  # what operators need stays


def test_a_status_that_fits_is_shown_unchanged() -> None:
    small = status(steps=steps("Certification", 5))
    assert within_status_limit(small) == small
