"""Registers the go-live orchestrator with the Functions host."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from golive.function_names import ORCHESTRATOR
from orchestrators.go_live import orchestrate

blueprint = df.Blueprint()


@blueprint.orchestration_trigger(context_name="context", orchestration=ORCHESTRATOR)
def go_live_orchestrator(context: df.DurableOrchestrationContext) -> Any:
    """Thin wrapper so the SDK sees a named generator function."""
    result = yield from orchestrate(context)
    return result
