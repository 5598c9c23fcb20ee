"""What `GET /api/golive/{publisherId}/{offerId}` shows: the go-live, not the plumbing.

Built from the orchestration's custom status (`RunStatus`, kept current by the
orchestrator) and, once finished, its output (`RunOutput`). `go_live_row` is the same
view trimmed for the list route's table.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from golive.apis import GoLiveApi
from golive.go_live_request import INSTANCE_ID_PREFIX, INSTANCE_ID_SEPARATOR
from golive.run_status import Phase, RunOutput, RunStatus

# The API a go-live used when its status does not say (runs from before the choice existed).
DEFAULT_API = GoLiveApi.CPP.value
# Fields of the full view the table leaves out (the detail view fetches them).
_DETAIL_ONLY = ("steps", "events", "operationLocation")
_NOT_STARTED = RunStatus(phase=Phase.STARTING)
_IN_FLIGHT = {
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
    df.OrchestrationRuntimeStatus.Suspended,
}
_ENDED_BADLY = {df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated}


def go_live_view(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    shown = RunStatus.from_json(status.custom_status)
    custom = shown or _NOT_STARTED
    output = RunOutput.from_json(status.output)
    runtime_status = status.runtime_status.value if status.runtime_status else None
    in_flight = status.runtime_status in _IN_FLIGHT
    publisher_id, offer_id = offer_of(status.instance_id or "")
    attention = [dict(reason) for reason in custom.attention] if in_flight else []
    return {
        "instanceId": status.instance_id,
        "publisherId": publisher_id,
        "offerId": offer_id,
        "api": custom.api or DEFAULT_API,
        "runtimeStatus": runtime_status,
        "phase": str(shown.phase) if shown else None,
        "outcome": output.outcome if output else custom.outcome,
        "requestId": custom.request_id,
        "correlationId": custom.correlation_id,
        "operationLocation": custom.operation_location,
        "cppStatus": custom.cpp_status,
        "productIngestion": (dict(custom.product_ingestion) if custom.product_ingestion else None),
        "currentStep": custom.current_step,
        "steps": [step.to_json() for step in custom.steps],
        "polls": custom.polls,
        "nextPollAt": custom.next_poll_at,
        "startedAt": custom.started_at,
        "deadline": custom.deadline,
        "needsPerson": bool(attention),
        "attention": attention,
        "events": [dict(event) for event in custom.events],
        "eventId": output.event_id if output else None,
        "failure": _failure(status, runtime_status),
        "createdTime": _iso(status.created_time),
        "lastUpdatedTime": _iso(status.last_updated_time),
    }


def go_live_row(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    """The view without the step list and events: one row of the go-lives table."""
    view = go_live_view(status)
    return {key: value for key, value in view.items() if key not in _DETAIL_ONLY}


def offer_of(instance_id: str) -> tuple[str | None, str | None]:
    """(publisherId, offerId) from `golive:{publisher}:{offer}` (lowercase, as stored)."""
    parts = instance_id.split(INSTANCE_ID_SEPARATOR)
    if len(parts) != 3 or parts[0] != INSTANCE_ID_PREFIX:
        return None, None
    return parts[1], parts[2]


def _failure(status: df.DurableOrchestrationStatus, runtime_status: str | None) -> str | None:
    if status.runtime_status in _ENDED_BADLY:
        return str(status.output) if status.output is not None else runtime_status
    return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
