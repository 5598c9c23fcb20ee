"""What `GET /api/golive/{publisherId}/{offerId}` shows: the go-live, not the plumbing.

Built from the orchestration's custom status (`RunStatus`, kept current by the
orchestrator) and, once finished, its output (`RunOutput`).
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from golive.run_status import Phase, RunOutput, RunStatus

_NOT_STARTED = RunStatus(phase=Phase.STARTING)


def go_live_view(status: df.DurableOrchestrationStatus) -> dict[str, Any]:
    shown = RunStatus.from_json(status.custom_status)
    custom = shown or _NOT_STARTED
    output = RunOutput.from_json(status.output)
    runtime_status = status.runtime_status.value if status.runtime_status else None
    return {
        "instanceId": status.instance_id,
        "runtimeStatus": runtime_status,
        "phase": str(shown.phase) if shown else None,
        "outcome": output.outcome if output else custom.outcome,
        "requestId": custom.request_id,
        "correlationId": custom.correlation_id,
        "operationLocation": custom.operation_location,
        "cppStatus": custom.cpp_status,
        "currentStep": custom.current_step,
        "steps": [step.to_json() for step in custom.steps],
        "polls": custom.polls,
        "nextPollAt": custom.next_poll_at,
        "startedAt": custom.started_at,
        "deadline": custom.deadline,
        "eventId": output.event_id if output else None,
        "failure": _failure(status, runtime_status),
        "createdTime": _iso(status.created_time),
        "lastUpdatedTime": _iso(status.last_updated_time),
    }


_ENDED_BADLY = {df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated}


def _failure(status: df.DurableOrchestrationStatus, runtime_status: str | None) -> str | None:
    if status.runtime_status in _ENDED_BADLY:
        return str(status.output) if status.output is not None else runtime_status
    return None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
