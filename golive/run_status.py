"""What a go-live run shows while it runs and returns when it ends, defined once.

The orchestrator writes `RunStatus` as the instance's custom status and `RunOutput` as
its output; the status route (triggers/status_view.py) and the starters read them back
with `from_json`. The JSON keys are part of the HTTP API and of stored instances, so
they never change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from golive.attention import shown_messages
from golive.operation import Step

__all__ = [
    "CUSTOM_STATUS_BUDGET_BYTES",
    "Phase",
    "RunOutput",
    "RunStatus",
    "StepView",
    "within_status_limit",
]

# The extension refuses a custom status over 16 KB of compact JSON measured in UTF-16.
CUSTOM_STATUS_BUDGET_BYTES = 14 * 1024
MAX_STATUS_STEPS = 20
# What the last resort keeps of a list (reasons, events) and of a text.
_SHORT_LIST = 3
_SHORT_TEXT = 500


class Phase(StrEnum):
    """Where a run is: asking CPP, following the operation, announcing the end, done."""

    STARTING = "starting"
    POLLING = "polling"
    PUBLISHING = "publishing"
    FINISHED = "finished"

    @property
    def is_decided(self) -> bool:
        """The outcome is known; only its event is (or was) being delivered."""
        return self in (Phase.PUBLISHING, Phase.FINISHED)


@dataclass(frozen=True)
class StepView:
    """One step of CPP's operation as operators see it."""

    name: str | None
    status: str | None
    progress_percentage: float | None
    # The newest few messages ({"level", "text", "timestamp"}), texts clipped.
    messages: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def of(cls, step: Step) -> StepView:
        messages = shown_messages(step.messages)
        return cls(step.name, step.status, step.progress_percentage, tuple(messages))

    def to_json(self) -> dict[str, Any]:
        # By hand rather than json_fields: the orchestrator shows every step at every
        # replayed poll, and the generic walk stood out in profiles of the replay.
        return {
            "name": self.name,
            "status": self.status,
            "progressPercentage": self.progress_percentage,
            "messages": [dict(message) for message in self.messages],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepView:
        return cls(
            data.get("name"),
            data.get("status"),
            data.get("progressPercentage"),
            tuple(data.get("messages") or ()),
        )


@dataclass(frozen=True)
class RunStatus:
    """The custom status: what operators see of a run while it goes on."""

    phase: Phase
    run_id: str | None = None
    request_id: str | None = None
    correlation_id: str | None = None
    operation_location: str | None = None
    cpp_status: str | None = None
    current_step: str | None = None
    steps: tuple[StepView, ...] = ()
    steps_omitted: bool = False
    polls: int = 0
    start_attempts: int = 0
    next_poll_at: str | None = None
    started_at: str | None = None
    deadline: str | None = None
    execution: int = 1
    outcome: str | None = None
    undelivered_events: int = 0
    # Why the go-live waits for a person now (golive.attention.needs_person), while polling.
    attention: tuple[Mapping[str, Any], ...] = ()
    # The events Event Grid accepted, newest last: {"id", "type", "time"}.
    events: tuple[Mapping[str, Any], ...] = ()
    # The Marketplace API the run uses; None: the CPP API (runs before there was a choice).
    api: str | None = None
    # Product Ingestion only: where its two stages stand (IngestionProgress.summary()).
    product_ingestion: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The custom status, within the extension's limit (`within_status_limit`)."""
        return within_status_limit(self._json())

    def _json(self) -> dict[str, Any]:
        data = {
            "phase": str(self.phase),
            "productIngestion": dict(self.product_ingestion) if self.product_ingestion else None,
            "runId": self.run_id,
            "requestId": self.request_id,
            "correlationId": self.correlation_id,
            "operationLocation": self.operation_location,
            "cppStatus": self.cpp_status,
            "currentStep": self.current_step,
            "steps": [step.to_json() for step in self.steps[:MAX_STATUS_STEPS]],
            "polls": self.polls,
            "startAttempts": self.start_attempts,
            "nextPollAt": self.next_poll_at,
            "startedAt": self.started_at,
            "deadline": self.deadline,
            "execution": self.execution,
            "outcome": self.outcome,
            "undeliveredEvents": self.undelivered_events,
            "attention": [dict(reason) for reason in self.attention],
            "events": [dict(event) for event in self.events],
        }
        if self.api is not None:
            data["api"] = self.api
        if self.steps_omitted:
            data["stepsOmitted"] = True
        return data

    @classmethod
    def from_json(cls, data: object) -> RunStatus | None:
        """The status an instance shows; None before the orchestrator first wrote one."""
        if not isinstance(data, Mapping) or data.get("phase") not in set(Phase):
            return None
        return cls(
            phase=Phase(data["phase"]),
            product_ingestion=data.get("productIngestion"),
            run_id=data.get("runId"),
            request_id=data.get("requestId"),
            correlation_id=data.get("correlationId"),
            operation_location=data.get("operationLocation"),
            cpp_status=data.get("cppStatus"),
            current_step=data.get("currentStep"),
            steps=tuple(StepView.from_json(step) for step in data.get("steps") or ()),
            steps_omitted=bool(data.get("stepsOmitted")),
            polls=int(data.get("polls") or 0),
            start_attempts=int(data.get("startAttempts") or 0),
            next_poll_at=data.get("nextPollAt"),
            started_at=data.get("startedAt"),
            deadline=data.get("deadline"),
            execution=int(data.get("execution") or 1),
            outcome=data.get("outcome"),
            undelivered_events=int(data.get("undeliveredEvents") or 0),
            attention=tuple(data.get("attention") or ()),
            events=tuple(data.get("events") or ()),
            api=data.get("api"),
        )


@dataclass(frozen=True)
class RunOutput:
    """The orchestrator's return value: how the run ended and the event that said so."""

    outcome: str
    event: Mapping[str, Any]
    request_ids: tuple[str, ...] = ()

    @property
    def event_id(self) -> str:
        return str(self.event["id"])

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "eventId": self.event_id,
            "event": dict(self.event),
            "requestIds": list(self.request_ids),
        }

    @classmethod
    def from_json(cls, data: object) -> RunOutput | None:
        """The output of a completed run; None for a run without one (failed, running)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("event"), Mapping):
            return None
        return cls(
            outcome=str(data.get("outcome")),
            event=data["event"],
            request_ids=tuple(data.get("requestIds") or ()),
        )


def within_status_limit(status: dict[str, Any]) -> dict[str, Any]:
    """Drop step messages, then the step list, then shorten lists and texts, until it fits."""
    terse = {**status, "steps": [{**step, "messages": []} for step in status.get("steps") or []]}
    slim = {**status, "steps": [], "stepsOmitted": True}
    for candidate in (status, terse, slim):
        if _utf16_bytes(candidate) <= CUSTOM_STATUS_BUDGET_BYTES:
            return candidate
    # Shorter and shorter: 20 characters per text and no lists always fit.
    for text, items in ((_SHORT_TEXT, _SHORT_LIST), (100, 1), (20, 0)):
        short = {key: _shortened(value, text, items) for key, value in slim.items()}
        if _utf16_bytes(short) <= CUSTOM_STATUS_BUDGET_BYTES:
            break
    return short


def _utf16_bytes(value: Any) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-16-le", errors="surrogatepass"))


def _shortened(value: Any, text: int, items: int) -> Any:
    if isinstance(value, str):
        return value[:text]
    if isinstance(value, list):
        return [_shortened(item, text, items) for item in value[max(0, len(value) - items) :]]
    if isinstance(value, dict):
        return {key: _shortened(item, text, items) for key, item in value.items()}
    return value
