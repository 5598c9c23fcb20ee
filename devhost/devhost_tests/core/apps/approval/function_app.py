"""Human interaction: an approval event raced against a deadline timer."""

from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext):
    hours = context.get_input()["deadline_hours"]
    context.set_custom_status("waiting for approval")
    deadline = context.create_timer(context.current_utc_datetime + timedelta(hours=hours))
    decision = context.wait_for_external_event("Approval")
    winner = yield context.task_any([decision, deadline])
    if winner == decision:
        deadline.cancel()
        context.set_custom_status("decided")
        outcome = yield context.call_activity("record", decision.result)
        return outcome
    context.set_custom_status("timed out")
    return "timed out"


@app.orchestration_trigger(context_name="context")
def wait_forever(context: df.DurableOrchestrationContext):
    context.set_custom_status({"stage": "waiting"})
    value = yield context.wait_for_external_event("Never")
    return value


@app.orchestration_trigger(context_name="context")
def collect(context: df.DurableOrchestrationContext):
    """Waits for two events in turn; either may arrive first (events are buffered)."""
    first = yield context.wait_for_external_event("First")
    context.set_custom_status({"first": first})
    second = yield context.wait_for_external_event("Second")
    return [first, second]


@app.activity_trigger(input_name="decision")
def record(decision: dict) -> str:
    return f"approved by {decision['by']}"


@app.orchestration_trigger(context_name="context")
def approve_then_wait(context: df.DurableOrchestrationContext):
    """The canceled deadline fires later, while the orchestrator waits on another timer."""
    start = context.current_utc_datetime
    deadline = context.create_timer(start + timedelta(hours=1))
    decision = context.wait_for_external_event("Approval")
    winner = yield context.task_any([decision, deadline])
    deadline.cancel()
    yield context.create_timer(start + timedelta(hours=2))
    return {
        "approved": winner == decision,
        "waited_hours": (context.current_utc_datetime - start).total_seconds() / 3600,
    }
