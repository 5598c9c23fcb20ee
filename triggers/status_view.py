"""What `GET /api/golive/{publisherId}/{offerId}` shows: the go-live, not the plumbing.

Built from the orchestration's custom status (kept current by the orchestrator)
and, once finished, its output. `go_live_row` is the same view trimmed for the
list route's table.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from golive.apis import GoLiveApi
from golive.go_live_request import INSTANCE_ID_PREFIX, INSTANCE_ID_SEPARATOR

# The API a go-live used when its status does not say (runs from before the choice existed).
DEFAULT_API = GoLiveApi.CPP.value
# Fields of the full view the table leaves out (the detail view fetches them).
_DETAIL_ONLY = ("steps", "events", "operationLocation")


def go_live_view(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    output = status.output if isinstance(status.output, dict) else {}
    runtime_status = status.runtime_status.value if status.runtime_status else None
    publisher_id, offer_id = offer_of(status.instance_id or "")
    attention = custom.get("attention") or []
    return {
        "instanceId": status.instance_id,
        "publisherId": publisher_id,
        "offerId": offer_id,
        "api": custom.get("api") or DEFAULT_API,
        "runtimeStatus": runtime_status,
        "phase": custom.get("phase"),
        "outcome": output.get("outcome") or custom.get("outcome"),
        "requestId": custom.get("requestId"),
        "correlationId": custom.get("correlationId"),
        "operationLocation": custom.get("operationLocation"),
        "cppStatus": custom.get("cppStatus"),
        "currentStep": custom.get("currentStep"),
        "steps": custom.get("steps") or [],
        "productIngestion": custom.get("productIngestion"),
        "polls": custom.get("polls", 0),
        "nextPollAt": custom.get("nextPollAt"),
        "startedAt": custom.get("startedAt"),
        "deadline": custom.get("deadline"),
        "needsPerson": bool(attention) and runtime_status in _IN_FLIGHT,
        "attention": attention if runtime_status in _IN_FLIGHT else [],
        "events": custom.get("events") or [],
        "eventId": output.get("eventId"),
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


_IN_FLIGHT = {"Running", "Pending", "ContinuedAsNew", "Suspended"}


def _failure(status: df.DurableOrchestrationStatus, runtime_status: str | None) -> str | None:
    if runtime_status in {"Failed", "Terminated"}:
        return str(status.output) if status.output is not None else runtime_status
    return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
