"""Sub-orchestrations: a parent calls children (generated and explicit ids, one failing)."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    first = yield context.call_sub_orchestrator("child", "a")
    second = yield context.call_sub_orchestrator("child", "b", f"{context.instance_id}-b")
    both = yield context.task_all(
        [
            context.call_sub_orchestrator("child", "c"),
            context.call_sub_orchestrator("child", "d"),
        ]
    )
    try:
        yield context.call_sub_orchestrator("broken_child", "x")
        failure = None
    except Exception as exc:
        failure = str(exc)
    return {"results": [first, second, *both], "failure": failure}


@app.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext):
    text = yield context.call_activity("upper", context.get_input())
    return {"text": text, "parent": context.parent_instance_id}


@app.orchestration_trigger(context_name="context")
def broken_child(context: df.DurableOrchestrationContext):
    yield context.call_activity("upper", context.get_input())
    raise ValueError("child broke")


@app.activity_trigger(input_name="text")
def upper(text: str) -> str:
    return text.upper()


@app.orchestration_trigger(context_name="context")
def claims_shared_child(context: df.DurableOrchestrationContext):
    """Calls a child with a fixed id that another parent may be creating at the same time."""
    try:
        result = yield context.call_sub_orchestrator("child", context.instance_id, "shared-child")
    except Exception as exc:
        return {"refused": str(exc)}
    return {"child": result}
