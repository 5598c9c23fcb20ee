"""What an operator's screen says a running operation waits for."""

from __future__ import annotations

from golive.attention import (
    MAX_MESSAGES_SHOWN,
    MAX_SHOWN_CHARS,
    needs_person,
    recent_messages,
    shown_messages,
)
from golive.operation import parse_operation
from tests.golive.test_operation import msg, operation, step


def test_a_blocked_step_needs_a_person_with_its_latest_message_as_reason() -> None:
    snapshot = parse_operation(
        operation(
            "running",
            step("validation", "complete"),
            step("certification", "blocked", msg("Add a support contact", "error")),
        )
    )
    [reason] = needs_person(snapshot)
    assert reason["step"] == "certification"
    assert reason["status"] == "blocked"
    assert "Add a support contact" in reason["message"]
    assert "key" not in reason


def test_an_error_left_on_a_step_that_resumed_is_history() -> None:
    snapshot = parse_operation(
        operation("running", step("certification", "inProgress", msg("was blocked", "error")))
    )
    assert needs_person(snapshot) == []


def test_an_error_on_the_operation_itself_needs_a_person() -> None:
    snapshot = parse_operation(
        operation("running", step("validation", "inProgress"), messages=[msg("Bad", "error")])
    )
    assert [r["message"] for r in needs_person(snapshot)] == ["Bad"]


def test_an_ended_operation_waits_for_nobody() -> None:
    snapshot = parse_operation(operation("failed", step("certification", "rejected")))
    assert needs_person(snapshot) == []


def test_recent_messages_keep_the_newest_few_clipped() -> None:
    stored = [
        {"level": "information", "text": f"m{n}" + "x" * 400, "timestamp": None} for n in range(5)
    ]
    shown = recent_messages(stored)
    assert len(shown) == MAX_MESSAGES_SHOWN
    assert shown[-1]["text"].startswith("m4")
    assert all(len(m["text"]) == MAX_SHOWN_CHARS for m in shown)
    assert recent_messages(None) == []
    assert recent_messages("text") == []


def test_a_steps_parsed_messages_show_as_their_stored_form_does() -> None:
    messages = [msg(f"m{n} " + "x" * 400, "error" if n % 2 else "information") for n in range(5)]
    [parsed] = parse_operation(
        operation("running", step("certification", "blocked", *messages))
    ).steps
    stored = [message.to_dict() for message in parsed.messages]
    assert shown_messages(parsed.messages) == recent_messages(stored)
    assert len(shown_messages(parsed.messages)) == MAX_MESSAGES_SHOWN
