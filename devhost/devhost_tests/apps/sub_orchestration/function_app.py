"""Sample: sub-orchestrations, in parallel and one with an explicit instance id."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def deploy_all(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    regions = context.get_input()
    parallel = yield context.task_all(
        [context.call_sub_orchestrator("deploy_region", region) for region in regions]
    )
    audit_id = f"{context.instance_id}:audit"
    audit = yield context.call_sub_orchestrator("audit", parallel, audit_id)
    return {"regions": parallel, "audit": audit}


@app.orchestration_trigger(context_name="context")
def deploy_region(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    region = context.get_input()
    machine = yield context.call_activity("provision", region)
    return f"{region}:{machine}"


@app.orchestration_trigger(context_name="context")
def audit(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    deployed = context.get_input()
    yield context.call_activity("provision", "audit-log")
    return {
        "checked": len(deployed),
        "instance": context.instance_id,
        "parent": context.parent_instance_id,
    }


@app.activity_trigger(input_name="region")
def provision(region: str) -> str:
    return f"vm-{region}"
