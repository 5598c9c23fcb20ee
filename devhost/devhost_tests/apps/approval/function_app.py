"""Sample: human interaction. An 'Approval' event raced against a deadline timer."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    request = context.get_input()
    yield context.call_activity("notify_approver", request["document"])
    deadline = context.current_utc_datetime + timedelta(hours=request["timeout_hours"])
    timer = context.create_timer(deadline)
    decision = context.wait_for_external_event("Approval")
    context.set_custom_status("waiting for approval")
    winner = yield context.task_any([decision, timer])
    if winner == decision:
        timer.cancel()
        context.set_custom_status("decided")
        return {
            "outcome": "approved" if decision.result["approved"] else "rejected",
            "by": decision.result["by"],
            "document": request["document"],
        }
    context.set_custom_status("escalated")
    escalated = yield context.call_activity("escalate", request["document"])
    return {"outcome": "timed out", "escalated_to": escalated, "document": request["document"]}


@app.activity_trigger(input_name="document")
def notify_approver(document: str) -> str:
    return f"approval requested for {document}"


@app.activity_trigger(input_name="document")
def escalate(document: str) -> str:
    return "manager"
