"""Failures: an uncaught orchestrator error, and an activity failure caught by the orchestrator."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def uncaught(context: df.DurableOrchestrationContext):
    context.set_custom_status("about to fail")
    yield context.call_activity("ok", None)
    raise ValueError("the orchestrator gave up")


@app.orchestration_trigger(context_name="context")
def activity_error(context: df.DurableOrchestrationContext):
    try:
        yield context.call_activity("explode", "boom")
    except Exception as exc:
        return {"caught": str(exc)}
    return {"caught": None}


@app.orchestration_trigger(context_name="context")
def activity_error_uncaught(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("explode", "bang")
    return result


@app.orchestration_trigger(context_name="context")
def missing_activity(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("no_such_activity", 1)
    return result


@app.orchestration_trigger(context_name="context")
def uses_entities(context: df.DurableOrchestrationContext):
    entity = df.EntityId("Counter", "one")
    value = yield context.call_entity(entity, "get")
    return value


@app.orchestration_trigger(context_name="context")
def plain_function(context: df.DurableOrchestrationContext):
    return {"not": "a generator", "input": context.get_input()}


@app.activity_trigger(input_name="value")
def ok(value: None) -> str:
    return "ok"


@app.activity_trigger(input_name="value")
def explode(value: str) -> None:
    raise KeyError(f"{value} happened")
