"""What `GET /api/golive/{publisherId}/{offerId}` shows: the go-live, not the plumbing.

Built from the orchestration's custom status (kept current by the orchestrator)
and, once finished, its output.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df


def go_live_view(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    custom = status.custom_status if isinstance(status.custom_status, dict) else {}
    output = status.output if isinstance(status.output, dict) else {}
    runtime_status = status.runtime_status.value if status.runtime_status else None
    return {
        "instanceId": status.instance_id,
        "runtimeStatus": runtime_status,
        "phase": custom.get("phase"),
        "api": custom.get("api"),
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
        "eventId": output.get("eventId"),
        "failure": _failure(status, runtime_status),
        "createdTime": _iso(status.created_time),
        "lastUpdatedTime": _iso(status.last_updated_time),
    }


def _failure(status: df.DurableOrchestrationStatus, runtime_status: str | None) -> str | None:
    if runtime_status in {"Failed", "Terminated"}:
        return str(status.output) if status.output is not None else runtime_status
    return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
