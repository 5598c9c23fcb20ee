"""The CPP operation model: status words, parsing, bounds, and attention conditions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from golive.operation import (
    MAX_MESSAGES_PER_STEP,
    MAX_STEPS,
    MAX_TEXT_CHARS,
    OperationFormatError,
    OperationSnapshot,
    Outcome,
    classify_status,
    html_to_text,
    parse_operation,
)


def step(
    name: str, status: str, *messages: dict[str, Any], step_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": step_id or f"id-{name}",
        "stepName": name,
        "description": f"{name} of your offer",
        "status": status,
        "progressPercentage": 50,
        "estimatedTimeFrame": "5 days",
        "messages": list(messages),
    }


def msg(html: str, level: str = "information", ts: str = "2025-01-01T00:00:00Z") -> dict[str, Any]:
    return {"messageHtml": html, "level": level, "timestamp": ts}


def operation(status: str = "running", *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "op-1",
        "submissionType": "Published",
        "createdDateTime": "2025-01-01T00:00:00Z",
        "lastActionDateTime": "2025-01-01T01:00:00Z",
        "status": status,
        "error": None,
        "steps": list(steps),
        **extra,
    }


@pytest.mark.parametrize(
    ("word", "outcome"),
    [
        ("completed", Outcome.SUCCEEDED),
        ("Complete", Outcome.SUCCEEDED),
        ("SUCCEEDED", Outcome.SUCCEEDED),
        (" succeeded ", Outcome.SUCCEEDED),
        ("failed", Outcome.FAILED),
        ("Rejected", Outcome.FAILED),
        ("canceled", Outcome.CANCELED),
        ("Cancelled", Outcome.CANCELED),
        ("running", Outcome.IN_PROGRESS),
        ("not started", Outcome.IN_PROGRESS),
        ("inProgress", Outcome.IN_PROGRESS),
        ("blocked", Outcome.IN_PROGRESS),
        ("waitingForPublisherReview", Outcome.IN_PROGRESS),
        ("something new", Outcome.IN_PROGRESS),
        ("", Outcome.IN_PROGRESS),
        (None, Outcome.IN_PROGRESS),
    ],
)
def test_status_words(word: str | None, outcome: Outcome) -> None:
    assert classify_status(word) is outcome


def test_parses_the_documented_fields() -> None:
    snapshot = parse_operation(
        operation(
            "Running",
            step("Certification", "complete", msg("<p>Passed &amp; signed</p>")),
            step("Live", "inProgress"),
            error={"code": "X", "message": "y"},
        )
    )
    assert snapshot.id == "op-1"
    assert snapshot.status == "Running"
    assert snapshot.outcome is Outcome.IN_PROGRESS
    assert snapshot.submission_type == "Published"
    assert snapshot.created == "2025-01-01T00:00:00Z"
    assert snapshot.last_action == "2025-01-01T01:00:00Z"
    assert snapshot.error == {"code": "X", "message": "y"}
    first = snapshot.steps[0]
    assert (first.id, first.name, first.status) == ("id-Certification", "Certification", "complete")
    assert first.description == "Certification of your offer"
    assert first.progress_percentage == 50
    assert first.messages[0].text == "Passed & signed"
    assert first.messages[0].level == "information"
    assert first.messages[0].timestamp == "2025-01-01T00:00:00Z"


def test_a_bare_object_and_a_one_element_array_read_alike() -> None:
    body = operation("completed", step("Live", "completed"))
    assert parse_operation(body) == parse_operation([body])
    assert parse_operation(body).outcome is Outcome.SUCCEEDED


@pytest.mark.parametrize(
    "payload",
    [
        [],
        [operation(), operation()],
        "running",
        None,
        42,
        [["nested"]],
        {"status": 3},
        {"status": "running", "steps": "all of them"},
    ],
)
def test_anything_else_is_a_format_error(payload: object) -> None:
    with pytest.raises(OperationFormatError):
        parse_operation(payload)


def test_odd_values_are_tolerated() -> None:
    snapshot = parse_operation(
        {
            "status": "running",
            "steps": [
                {"stepName": "A", "progressPercentage": "75", "messages": "none"},
                {"stepName": "B", "progressPercentage": float("nan"), "messages": [1, None]},
                "not a step",
            ],
            "error": "something broke",
        }
    )
    assert [s.progress_percentage for s in snapshot.steps] == [75.0, None]
    assert [s.messages for s in snapshot.steps] == [[], []]
    assert snapshot.error == {"code": None, "message": "something broke"}
    assert parse_operation({"status": "running", "error": {}}).error is None
    nested = {"error": {"code": "E", "message": "m"}}
    assert parse_operation({"status": "failed", "error": nested}).error == {
        "code": "E",
        "message": "m",
    }


def test_html_becomes_plain_text() -> None:
    html = (
        "<div>Your offer <b>failed</b> certification.<br/>See "
        "<a href='https://x'>the report</a> &lt;now&gt;.</div>"
        "<script>alert(1)</script><ul><li>one</li><li>two</li></ul>"
    )
    assert html_to_text(html) == (
        "Your offer failed certification.\nSee the report <now>.\none\ntwo"
    )
    assert html_to_text("plain") == "plain"
    assert html_to_text("") == ""
    # Text without markup skips the parser but is tidied the same way.
    assert html_to_text("  two   spaces \n\n  next\tline ") == "two spaces\nnext line"


def test_snapshots_are_bounded() -> None:
    many = [msg(f"info {i}", ts=f"t{i}") for i in range(40)]
    many.insert(3, msg("the one error", "error", "t-err"))
    steps = [step(f"S{i}", "running", *many) for i in range(MAX_STEPS + 5)]
    steps[0]["messages"].append(msg("x" * 10_000))
    snapshot = parse_operation(operation("running", *steps))
    assert len(snapshot.steps) == MAX_STEPS
    kept = snapshot.steps[0].messages
    assert len(kept) == MAX_MESSAGES_PER_STEP
    assert "the one error" in [m.text for m in kept]  # errors survive trimming
    assert kept[-1].text.startswith("xxx")  # the newest survive too
    assert all(len(m.text) <= MAX_TEXT_CHARS for m in kept)
    assert len(json.dumps(snapshot.to_dict())) < 400_000


def test_current_step_is_the_first_unfinished_or_the_last() -> None:
    running = parse_operation(
        operation("running", step("A", "completed"), step("B", "blocked"), step("C", "notStarted"))
    )
    assert running.current_step is not None
    assert running.current_step.name == "B"
    done = parse_operation(operation("completed", step("A", "completed"), step("B", "Complete")))
    assert done.current_step is not None
    assert done.current_step.name == "B"
    assert parse_operation(operation("running")).current_step is None


def test_round_trip_through_json() -> None:
    snapshot = parse_operation(
        operation(
            "Failed",
            step("A", "failed", msg("<i>bad</i>", "error")),
            messages=[msg("operation-level error", "error", "t9")],
            error={"code": "E", "message": "m"},
        )
    )
    data = json.loads(json.dumps(snapshot.to_dict()))
    assert data["outcome"] == "failed"
    assert data["steps"][0]["progressPercentage"] == 50
    again = OperationSnapshot.from_dict(data)
    assert again == snapshot
    assert again.attention_conditions() == snapshot.attention_conditions()


# -- attention conditions --------------------------------------------------------------------


def test_blocked_and_rejected_steps_need_a_person() -> None:
    snapshot = parse_operation(
        operation(
            "running",
            step("Certification", "Blocked", msg("Answer the policy question")),
            step("Review", "rejected"),
            step("Live", "running"),
        )
    )
    conditions = snapshot.attention_conditions()
    assert [(c.step, c.status, c.level) for c in conditions] == [
        ("Certification", "Blocked", "warning"),
        ("Review", "rejected", "error"),
    ]
    assert "Answer the policy question" in conditions[0].message
    assert "Certification" in conditions[0].message


def test_error_messages_need_a_person_information_does_not() -> None:
    snapshot = parse_operation(
        operation(
            "running",
            step("Cert", "running", msg("all good"), msg("<b>Logo</b> too small", "Error", "t1")),
            messages=[msg("operation level", "error", "t2"), msg("fyi")],
        )
    )
    conditions = snapshot.attention_conditions()
    assert [(c.step, c.level, c.message) for c in conditions] == [
        ("Cert", "Error", "Logo too small"),
        (None, "error", "operation level"),
    ]


def test_condition_keys_are_stable_across_polls() -> None:
    first = operation("running", step("Cert", "blocked", msg("fix it", "error", "t1")))
    later = copy.deepcopy(first)
    later["lastActionDateTime"] = "2025-01-05T00:00:00Z"
    later["steps"][0]["progressPercentage"] = 80
    later["steps"][0]["messages"].insert(0, msg("older info", ts="t0"))
    keys = [c.key for c in parse_operation(first).attention_conditions()]
    assert len(keys) == 1  # the blocked step; its error message is the reason, not another

    assert [c.key for c in parse_operation(later).attention_conditions()] == keys
    assert [c.key for c in parse_operation([first]).attention_conditions()] == keys


def test_a_new_condition_gets_a_new_key() -> None:
    blocked = operation("running", step("Cert", "blocked"))
    rejected = operation("running", step("Cert", "rejected"))
    other_step = operation("running", step("Live", "blocked"))
    new_error = operation("running", step("Cert", "running", msg("again", "error", "t2")))
    old_error = operation("running", step("Cert", "running", msg("again", "error", "t1")))
    keys = [
        parse_operation(body).attention_conditions()[0].key
        for body in (blocked, rejected, other_step, new_error, old_error)
    ]
    assert len(set(keys)) == len(keys)


def test_nothing_needs_a_person_in_a_healthy_operation() -> None:
    snapshot = parse_operation(
        operation("running", step("A", "completed", msg("done")), step("B", "inProgress"))
    )
    assert snapshot.attention_conditions() == []


def test_duplicate_conditions_are_reported_once() -> None:
    same = msg("same", "error", "t1")
    snapshot = parse_operation(operation("running", step("A", "running", same, same)))
    assert len(snapshot.attention_conditions()) == 1


def test_attention_conditions_are_a_fresh_list_each_time() -> None:
    snapshot = parse_operation(
        operation("running", step("certification", "blocked", msg("Add a contact", "error")))
    )
    first = snapshot.attention_conditions()
    first.clear()
    assert len(snapshot.attention_conditions()) == 1
