"""The custom status always fits the extension's limit, however much CPP says."""

from __future__ import annotations

from typing import Any

from devhost.limits import check_custom_status

from golive.run_status import within_status_limit


def custom_status(steps: int, message_chars: int, text: str = "x") -> dict[str, Any]:
    message = {"level": "error", "text": text * message_chars, "timestamp": "2026-01-01T00:00:00Z"}
    reason = {"step": "certification", "status": "blocked", "level": "error", "message": text * 300}
    return {
        "phase": "polling",
        "operationLocation": "https://cloudpartner.azure.com/api/operations/op-1",
        "steps": [
            {
                "name": f"step {n}",
                "status": "blocked",
                "progressPercentage": 50.0,
                "messages": [message] * 3,
            }
            for n in range(steps)
        ],
        "attention": [reason] * 5,
        "events": [
            {
                "id": "e" * 36,
                "type": "Marketplace.GoLive.ActionRequired",
                "time": "2026-01-01T00:00:00+00:00",
            }
        ]
        * 20,
    }


def test_a_small_status_is_kept_whole() -> None:
    status = custom_status(5, 100)
    status["attention"], status["events"] = status["attention"][:1], status["events"][:2]
    assert within_status_limit(status) == status


def test_step_messages_go_first() -> None:
    kept = within_status_limit(custom_status(20, 300))
    check_custom_status(kept)
    assert len(kept["steps"]) == 20
    assert all(step["messages"] == [] for step in kept["steps"])


def test_non_ascii_texts_are_measured_as_the_extension_measures_them() -> None:
    for text in ("é", "😀", "x"):
        check_custom_status(within_status_limit(custom_status(30, 300, text)))


def test_the_last_resort_still_names_the_reason() -> None:
    status = custom_status(30, 300, "😀")
    status["operationLocation"] = "😀" * 9000
    kept = within_status_limit(status)
    check_custom_status(kept)
    assert kept["attention"] and kept["attention"][0]["status"] == "blocked"
