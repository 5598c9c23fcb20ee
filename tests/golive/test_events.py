"""Event building: CloudEvents envelope, deterministic ids, and the data schemas."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from golive.activity_results import Rejected
from golive.events import (
    ACTION_REQUIRED,
    CANCELED,
    COMPLETION_TYPES,
    EVENT_TYPES,
    FAILED,
    REJECTED,
    SUCCEEDED,
    TIMED_OUT,
    EventValidationError,
    build_action_required_event,
    build_completion_event,
    data_schema,
    error_details,
    event_id,
    load_schema,
    validate_event,
)
from golive.operation import AttentionCondition, parse_operation
from tests.golive.samples import run_summary

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"
SOURCE = "/marketplace/golive"
NOW = datetime(2025, 3, 4, 9, 30, 15, 123000, tzinfo=UTC)

FAILED_OPERATION = {
    "id": "op-1",
    "status": "failed",
    "steps": [
        {
            "id": "s1",
            "stepName": "Certification",
            "status": "failed",
            "progressPercentage": 100,
            "messages": [
                {"messageHtml": "started", "level": "information", "timestamp": "t0"},
                {"messageHtml": "<b>Logo</b> too small", "level": "error", "timestamp": "t1"},
            ],
        },
        {"id": "s2", "stepName": "Live", "status": "notStarted", "messages": []},
    ],
}


def completion(event_type: str, **kwargs: Any) -> dict[str, Any]:
    if event_type == REJECTED:
        kwargs.setdefault(
            "rejection", Rejected(http_status=403, code="Forbidden", message="no", hint="fix")
        )
    return build_completion_event(
        event_type, kwargs.pop("run", run_summary()), source=SOURCE, time=NOW, **kwargs
    )


CONDITION = AttentionCondition(
    key="0123456789abcdef01234567",
    step="Certification",
    status="Blocked",
    level="warning",
    message="Step Certification is Blocked",
)


# -- ids ------------------------------------------------------------------------------------


def test_event_ids_are_deterministic_uuids() -> None:
    first = event_id("golive:p:o", "run-1", SUCCEEDED)
    assert first == event_id("golive:p:o", "run-1", SUCCEEDED)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", first)
    others = {
        event_id("golive:p:o2", "run-1", SUCCEEDED),
        event_id("golive:p:o", "run-2", SUCCEEDED),
        event_id("golive:p:o", "run-1", FAILED),
        event_id("golive:p:o", "run-1", SUCCEEDED, "k"),
    }
    assert first not in others
    assert len(others) == 4
    # No ambiguity from joining the parts.
    assert event_id("a", "b\nc", SUCCEEDED) != event_id("a\nb", "c", SUCCEEDED)


def test_a_rebuilt_event_is_identical() -> None:
    assert completion(SUCCEEDED) == completion(SUCCEEDED)
    assert build_action_required_event(
        run_summary(), CONDITION, source=SOURCE, time=NOW
    ) == build_action_required_event(run_summary(), CONDITION, source=SOURCE, time=NOW)


def test_each_condition_gets_its_own_action_required_id() -> None:
    other = replace(CONDITION, key="fedcba9876543210fedcba98")
    ids = {
        build_action_required_event(run_summary(), c, source=SOURCE, time=NOW)["id"]
        for c in (CONDITION, other)
    }
    assert len(ids) == 2
    assert completion(SUCCEEDED)["id"] not in ids


# -- envelope and data -------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", COMPLETION_TYPES)
def test_completion_events_are_valid_cloudevents(event_type: str) -> None:
    event = completion(event_type, reason="because")
    validate_event(event)
    assert event["specversion"] == "1.0"
    assert event["type"] == event_type
    assert event["source"] == SOURCE
    assert event["subject"] == "publishers/contoso/offers/contoso-offer"
    assert event["time"] == "2025-03-04T09:30:15.123Z"
    assert event["datacontenttype"] == "application/json"
    assert event["id"] == event_id(
        "golive:contoso:contoso-offer", "3f1e2d4c-0000-4000-8000-000000000001", event_type
    )
    data = event["data"]
    assert data["publisherId"] == "contoso"
    assert data["offerId"] == "contoso-offer"
    assert data["requestId"] == "req-1"
    assert data["correlationId"] == "corr-1"
    assert data["operationLocation"].endswith("$preview?api-version=2017-10-31")
    assert data["startedAt"] == "2025-03-01T08:00:00.000Z"
    assert data["finishedAt"] == "2025-03-04T09:30:15.000Z"
    assert data["deadline"] == "2025-03-22T08:00:00.000Z"
    assert data["polls"] == 17
    assert data["reason"] == "because"
    assert json.loads(json.dumps(event)) == event


def test_action_required_carries_the_condition() -> None:
    event = build_action_required_event(
        run_summary(finished_at=None), CONDITION, source=SOURCE, time=NOW
    )
    validate_event(event)
    assert event["type"] == ACTION_REQUIRED
    assert event["data"]["condition"] == CONDITION.to_dict()
    assert event["data"]["finishedAt"] is None


def test_failed_event_with_steps_and_error_from_the_operation() -> None:
    snapshot = parse_operation(FAILED_OPERATION)
    steps = [step.to_dict() for step in snapshot.steps]
    run = replace(run_summary(), cpp_status=snapshot.status, steps=steps)
    run = replace(run, error=error_details(snapshot))
    event = completion(FAILED, run=run)
    validate_event(event)
    data = event["data"]
    assert data["cppStatus"] == "failed"
    assert [s["name"] for s in data["steps"]] == ["Certification", "Live"]
    assert data["error"] == {
        "code": None,
        "message": "Logo too small",
        "step": "Certification",
        "messages": ["Logo too small"],
    }


def test_failed_without_error_or_reason_still_explains_itself() -> None:
    event = completion(FAILED, run=run_summary(cpp_status="Rejected"))
    validate_event(event)
    assert "Rejected" in event["data"]["reason"]


def test_error_details() -> None:
    assert error_details(parse_operation({"status": "running"})) is None
    failed = error_details(parse_operation({"status": "failed", "steps": []}))
    assert failed is not None
    assert failed["message"] == "CPP reported status 'failed'"
    with_error = error_details(
        parse_operation({"status": "failed", "error": {"code": "E1", "message": "boom"}})
    )
    assert with_error == {"code": "E1", "message": "boom", "step": None, "messages": []}


def test_rejected_needs_its_rejection_and_only_it_does() -> None:
    with pytest.raises(ValueError):
        build_completion_event(REJECTED, run_summary(), source=SOURCE, time=NOW)
    with pytest.raises(ValueError):
        build_completion_event(
            SUCCEEDED,
            run_summary(),
            source=SOURCE,
            time=NOW,
            rejection=Rejected(http_status=400, code="BadRequest", message="no"),
        )
    with pytest.raises(ValueError):
        build_completion_event(ACTION_REQUIRED, run_summary(), source=SOURCE, time=NOW)
    event = completion(REJECTED)
    assert event["data"]["rejection"] == {
        "httpStatus": 403,
        "code": "Forbidden",
        "message": "no",
        "hint": "fix",
    }


def test_times_are_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    event = build_completion_event(
        TIMED_OUT,
        run_summary(started_at="2025-03-01T10:00:00+02:00"),
        source=SOURCE,
        time=datetime(2025, 3, 4, 11, 0, tzinfo=plus_two),
    )
    assert event["time"] == "2025-03-04T09:00:00.000Z"
    assert event["data"]["startedAt"] == "2025-03-01T08:00:00.000Z"
    naive = build_completion_event(
        CANCELED, run_summary(), source=SOURCE, time=datetime(2025, 3, 4, 9, 0)
    )
    assert naive["time"] == "2025-03-04T09:00:00.000Z"
    with pytest.raises(ValueError):
        build_completion_event(
            SUCCEEDED, run_summary(started_at="yesterday"), source=SOURCE, time=NOW
        )


def test_oversized_events_shed_step_messages() -> None:
    message = {"level": "information", "text": "x" * 1000, "timestamp": None}
    step = {
        "id": "s",
        "name": "S",
        "description": None,
        "status": "running",
        "progressPercentage": None,
        "messages": [message] * 10,
    }
    event = completion(SUCCEEDED, run=run_summary(steps=[step] * 120))  # about 1.2 MB of messages
    assert len(json.dumps(event)) < 900_000
    assert len(event["data"]["steps"]) == 120
    assert all(s["messages"] == [] for s in event["data"]["steps"])


# -- schemas reject what is wrong -------------------------------------------------------------


def test_every_schema_is_valid_draft_2020_12() -> None:
    for name in ("common.json", "cloudevent.json"):
        Draft202012Validator.check_schema(load_schema(name))
    for event_type in EVENT_TYPES:
        schema = data_schema(event_type)
        Draft202012Validator.check_schema(schema)
        assert schema["title"].startswith(event_type)


def broken(event: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(event))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["specversion"], "0.3"),
        (["id"], KeyError),
        (["type"], "Marketplace.GoLive.Exploded"),
        (["subject"], "publishers/contoso/offers/other-offer"),
        (["subject"], "contoso/contoso-offer"),
        (["time"], "yesterday"),
        (["datacontenttype"], "text/plain"),
        (["unexpected"], 1),
        (["data", "publisherId"], "con/toso"),
        (["data", "polls"], -1),
        (["data", "polls"], KeyError),
        (["data", "startedAt"], "2025-03-01"),
        (["data", "steps"], [{"id": "s"}]),
        (["data", "error"], {"code": 1, "message": "m"}),
        (["data", "surprise"], True),
        (["data", "finishedAt"], None),
    ],
)
def test_schemas_reject_broken_completion_events(path: list[str], value: Any) -> None:
    event = completion(SUCCEEDED)
    validate_event(event)
    with pytest.raises(EventValidationError):
        validate_event(broken(event, path, value))


@pytest.mark.parametrize(
    ("event_type", "path", "value"),
    [
        (REJECTED, ["data", "rejection"], KeyError),
        (REJECTED, ["data", "rejection", "httpStatus"], "403"),
        (ACTION_REQUIRED, ["data", "condition"], KeyError),
        (ACTION_REQUIRED, ["data", "condition", "key"], ""),
        (ACTION_REQUIRED, ["data", "finishedAt"], "2025-03-04T09:30:15.000Z"),
        (TIMED_OUT, ["data", "deadline"], None),
        (FAILED, ["data", "reason"], None),
        (
            SUCCEEDED,
            ["data", "rejection"],
            {"httpStatus": 400, "code": "", "message": "", "hint": None},
        ),
    ],
)
def test_type_specific_rules(event_type: str, path: list[str], value: Any) -> None:
    if event_type == ACTION_REQUIRED:
        event = build_action_required_event(
            run_summary(finished_at=None), CONDITION, source=SOURCE, time=NOW
        )
    else:
        event = completion(event_type, reason="why" if event_type == FAILED else None)
    validate_event(event)
    with pytest.raises(EventValidationError):
        validate_event(broken(event, path, value))


# -- the documentation shows valid events -----------------------------------------------------


def documented_events() -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)\n```", DOCS.read_text(encoding="utf-8"), re.S)
    events = [json.loads(block) for block in blocks]
    return [e for e in events if isinstance(e, dict) and "specversion" in e]


def test_docs_show_a_valid_example_of_every_type() -> None:
    examples = documented_events()
    for example in examples:
        validate_event(example)
    assert sorted(e["type"] for e in examples) == sorted(EVENT_TYPES)
