"""The CloudEvents this app publishes: one completion event per run, plus ActionRequired.

Building is pure and deterministic (the orchestrator's time is passed in, the id is a
uuid5 of instance, run, type and discriminator), so an activity that runs twice
publishes the same event and consumers can drop the duplicate by `id` + `source`.
Each type's `data` has a JSON Schema in golive/schemas/; see docs/events.md.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from golive.activity_results import Rejected
from golive.errors import EventValidationError
from golive.json_fields import json_fields
from golive.operation import AttentionCondition, OperationSnapshot, Outcome

__all__ = [
    "ACTION_REQUIRED",
    "CANCELED",
    "COMPLETION_TYPES",
    "EVENT_TYPES",
    "FAILED",
    "REJECTED",
    "SUCCEEDED",
    "TIMED_OUT",
    "EventValidationError",
    "RunSummary",
    "build_action_required_event",
    "build_completion_event",
    "error_details",
    "event_id",
    "event_subject",
    "validate_event",
]

SUCCEEDED = "Marketplace.GoLive.Succeeded"
FAILED = "Marketplace.GoLive.Failed"
CANCELED = "Marketplace.GoLive.Canceled"
TIMED_OUT = "Marketplace.GoLive.TimedOut"
REJECTED = "Marketplace.GoLive.Rejected"
ACTION_REQUIRED = "Marketplace.GoLive.ActionRequired"

COMPLETION_TYPES = (SUCCEEDED, FAILED, CANCELED, TIMED_OUT, REJECTED)
EVENT_TYPES = (*COMPLETION_TYPES, ACTION_REQUIRED)

_SCHEMA_FILES = {
    SUCCEEDED: "succeeded.json",
    FAILED: "failed.json",
    CANCELED: "canceled.json",
    TIMED_OUT: "timedout.json",
    REJECTED: "rejected.json",
    ACTION_REQUIRED: "actionrequired.json",
}
_SHARED_SCHEMA_FILES = ("common.json", "cloudevent.json")
CLOUDEVENT_SCHEMA_ID = "urn:marketplace-golive:schemas:cloudevent"

# Fixed namespace for event ids: changing it would change every id, so it never changes.
_EVENT_ID_NAMESPACE = uuid.UUID("6f0b7a4e-3c55-5d8e-9a51-2c1e0b6d4f17")
# Event Grid refuses events above 1 MB; stay clearly below it.
MAX_EVENT_BYTES = 900_000
_MAX_ERROR_MESSAGES = 10


def event_id(instance_id: str, run_id: str, event_type: str, discriminator: str = "") -> str:
    """A uuid5 of what identifies the event: a re-run activity gets the same id."""
    # A JSON array keeps the parts apart whatever characters they contain.
    name = json.dumps([instance_id, run_id, event_type, discriminator], separators=(",", ":"))
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, name))


def event_subject(publisher_id: str, offer_id: str) -> str:
    return f"publishers/{publisher_id}/offers/{offer_id}"


@dataclass(frozen=True)
class RunSummary:
    """What one go-live run did, as reported in every event's `data`.

    `run_id` must stay the same across `continue_as_new` (it names the run, not the
    execution), or a completion event re-published after a restart would get a new id.
    """

    publisher_id: str
    offer_id: str
    request_id: str | None
    correlation_id: str | None
    instance_id: str
    run_id: str
    operation_location: str | None
    cpp_status: str | None
    steps: list[dict[str, Any]]
    error: dict[str, Any] | None
    started_at: str
    finished_at: str | None
    polls: int
    deadline: str | None = None
    # Which API took the offer live, and for Product Ingestion where its two stages stand.
    api: str = "cpp"
    product_ingestion: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)


def error_details(snapshot: OperationSnapshot) -> dict[str, Any] | None:
    """The `error` of a run from its last snapshot: code, message, failing step, messages.

    None when the operation neither failed nor reported an error.
    """
    failed = snapshot.outcome is Outcome.FAILED
    if not failed and snapshot.error is None:
        return None
    step = next((s for s in snapshot.steps if s.outcome is Outcome.FAILED), None)
    if step is None:
        step = next((s for s in snapshot.steps if any(m.is_error for m in s.messages)), None)
    if step is None and failed:
        step = snapshot.current_step
    messages = [m.text for m in step.messages if m.is_error] if step else []
    messages += [m.text for m in snapshot.messages if m.is_error]
    if not messages and step is not None:
        messages = [m.text for m in step.messages if m.text][-3:]
    code = (snapshot.error or {}).get("code")
    message = (snapshot.error or {}).get("message")
    if not message:
        message = messages[-1] if messages else f"CPP reported status {snapshot.status!r}"
    return {
        "code": code,
        "message": message,
        "step": (step.name or step.id) if step else None,
        "messages": messages[-_MAX_ERROR_MESSAGES:],
    }


def build_completion_event(
    event_type: str,
    summary: RunSummary,
    *,
    source: str,
    time: datetime,
    rejection: Rejected | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The one completion event of a run, as a CloudEvents 1.0 JSON dict.

    `rejection` (CPP's refusal) is required for Rejected; `reason`
    says in words why the run ended (e.g. deadline passed, unsafe location).
    """
    if event_type not in COMPLETION_TYPES:
        raise ValueError(f"{event_type!r} is not a completion event type")
    if (event_type == REJECTED) != (rejection is not None):
        raise ValueError("a rejection is given exactly for Marketplace.GoLive.Rejected")
    data = _summary_data(summary)
    if event_type == FAILED and reason is None and summary.error is None:
        reason = (
            f"the go-live failed (last CPP status {summary.cpp_status!r})"
            if summary.api == "cpp"
            else "the go-live failed in Product Ingestion"
        )
    data["reason"] = reason
    if rejection is not None:
        data["rejection"] = {
            "httpStatus": rejection.http_status,
            "code": rejection.code,
            "message": rejection.message,
            "hint": rejection.hint,
        }
    return _envelope(event_type, summary, data, source=source, time=time, discriminator="")


def build_action_required_event(
    summary: RunSummary, condition: AttentionCondition, *, source: str, time: datetime
) -> dict[str, Any]:
    """One ActionRequired event per distinct condition (its key is the id discriminator)."""
    data = _summary_data(summary)
    data["condition"] = condition.to_dict()
    return _envelope(
        ACTION_REQUIRED, summary, data, source=source, time=time, discriminator=condition.key
    )


def _summary_data(summary: RunSummary) -> dict[str, Any]:
    data = summary.to_dict()
    data["startedAt"] = _iso_text(summary.started_at)
    data["finishedAt"] = _iso_text(summary.finished_at) if summary.finished_at else None
    data["deadline"] = _iso_text(summary.deadline) if summary.deadline else None
    data["reason"] = None
    return data


def _envelope(
    event_type: str,
    summary: RunSummary,
    data: dict[str, Any],
    *,
    source: str,
    time: datetime,
    discriminator: str,
) -> dict[str, Any]:
    event = {
        "specversion": "1.0",
        "id": event_id(summary.instance_id, summary.run_id, event_type, discriminator),
        "source": source,
        "type": event_type,
        "subject": event_subject(summary.publisher_id, summary.offer_id),
        "time": _iso(time),
        "datacontenttype": "application/json",
        "data": data,
    }
    return _fit(event)


def _fit(event: dict[str, Any]) -> dict[str, Any]:
    """Drop step messages, then steps, if the event would exceed Event Grid's size limit."""
    if _size(event) <= MAX_EVENT_BYTES:
        return event
    data = event["data"]
    data["steps"] = [{**step, "messages": []} for step in data["steps"]]
    if _size(event) > MAX_EVENT_BYTES:
        data["steps"] = []
    return event


def _size(event: Mapping[str, Any]) -> int:
    return len(json.dumps(event, separators=(",", ":")).encode("utf-8"))


def _iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _iso_text(value: str) -> str:
    try:
        return _iso(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None


# -- validation ---------------------------------------------------------------------


def validate_event(event: Mapping[str, Any]) -> None:
    """Raise EventValidationError unless `event` is a valid event of one of our types.

    Checks the CloudEvents envelope, the type's data schema, that the subject names the
    data's publisher and offer, and the size limit.
    """
    validators = _validators()
    _raise_first(validators[CLOUDEVENT_SCHEMA_ID], event, "envelope")
    data_validator = validators[event["type"]]
    _raise_first(data_validator, event["data"], "data")
    data = event["data"]
    expected = event_subject(data["publisherId"], data["offerId"])
    if event["subject"] != expected:
        raise EventValidationError(f"subject {event['subject']!r} should be {expected!r}")
    if _size(event) > MAX_EVENT_BYTES:
        raise EventValidationError(f"the event is larger than {MAX_EVENT_BYTES} bytes")


def load_schema(name: str) -> dict[str, Any]:
    """One schema file from golive/schemas/ (by file name), as parsed JSON."""
    text = resources.files("golive").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def data_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of `data` for one event type."""
    return load_schema(_SCHEMA_FILES[event_type])


def _raise_first(validator: Any, instance: Any, where: str) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "/".join(str(part) for part in first.absolute_path) or "(root)"
        message = first.message if len(first.message) <= 300 else first.message[:299] + "…"
        raise EventValidationError(f"{where} {path}: {message}")


@cache
def _validators() -> dict[str, Any]:
    # Imported here: jsonschema is needed only where events are validated.
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    shared = [load_schema(name) for name in _SHARED_SCHEMA_FILES]
    per_type = {event_type: data_schema(event_type) for event_type in EVENT_TYPES}
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in [*shared, *per_type.values()]
    )
    validators = {
        key: Draft202012Validator(schema, registry=registry) for key, schema in per_type.items()
    }
    envelope = next(s for s in shared if s["$id"] == CLOUDEVENT_SCHEMA_ID)
    validators[CLOUDEVENT_SCHEMA_ID] = Draft202012Validator(envelope, registry=registry)
    return validators
