"""Starting a go-live once: one run per offer, and never twice for one request id.

The instance id is derived from the offer, so the Durable runtime itself refuses
a second start while a run is Running or Pending (an atomic guard; the status
check before it only produces a friendlier answer). Earlier request ids travel
in each run's input, so a repeated `requestId` is recognised even after its run
finished.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import azure.durable_functions as df

from golive.function_names import ORCHESTRATOR
from golive.go_live_request import GoLiveRequest
from golive.settings import Settings
from orchestrators.state import GoLiveState

ACTIVE = {
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
}


@dataclass(frozen=True)
class Started:
    instance_id: str


@dataclass(frozen=True)
class AlreadyRunning:
    """A go-live for this offer is in progress; nothing was started."""

    instance_id: str
    duplicate_request: bool


@dataclass(frozen=True)
class DuplicateRequest:
    """This request id was already served by a finished run; nothing was started."""

    instance_id: str


StartDecision = Started | AlreadyRunning | DuplicateRequest


async def start_orchestration(
    client: df.DurableOrchestrationClient, request: GoLiveRequest, settings: Settings
) -> StartDecision:
    """Start the offer's orchestration unless one runs or this request id was served."""
    instance_id = request.instance_id
    existing = await client.get_status(instance_id, show_input=True)
    known_ids = _request_ids(existing) if existing else []
    repeated = request.request_id is not None and request.request_id in known_ids
    if existing and existing.runtime_status in ACTIVE:
        return AlreadyRunning(instance_id, duplicate_request=repeated)
    if repeated:
        return DuplicateRequest(instance_id)
    request = replace(request, api=request.api or settings.golive_default_api)
    state = GoLiveState.new(request, settings.orchestration_config(), known_ids)
    try:
        await client.start_new(ORCHESTRATOR, instance_id, state.to_json())
    except Exception:
        # Lost a race with another starter: the runtime refused the running id.
        raced = await client.get_status(instance_id)
        if raced and raced.runtime_status in ACTIVE:
            return AlreadyRunning(instance_id, duplicate_request=False)
        raise
    return Started(instance_id)


def decision_log_fields(decision: StartDecision, request: GoLiveRequest) -> dict[str, Any]:
    """The ids every starter log line carries."""
    return {
        "instanceId": decision.instance_id,
        "publisherId": request.publisher_id,
        "offerId": request.offer_id,
        "requestId": request.request_id,
        "correlationId": request.correlation_id,
    }


def _request_ids(status: Any) -> list[str]:
    """Request ids served so far for this offer, read from the latest run's input."""
    data = status.input_
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return []
    if not isinstance(data, dict) or "request" not in data:
        return []
    return GoLiveState.from_json(data).known_request_ids()
