"""Sample: what ends an orchestration badly, or from outside: failures, terminate, custom status."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def activity_fails(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    """An activity error the orchestrator does not catch: the instance ends Failed."""
    yield context.call_activity("explode", "reactor 4")
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def orchestrator_fails(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    """The orchestrator's own uncaught error, after one successful step."""
    checked = yield context.call_activity("examine", context.get_input())
    raise ValueError(f"cannot continue after {checked}")


@app.orchestration_trigger(context_name="context")
def caught_failure(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, str]]:
    """An activity error caught inside the orchestrator: it sees the activity's message."""
    try:
        yield context.call_activity("explode", "reactor 5")
    except Exception as exc:
        return {"caught": str(exc)}
    return {"caught": ""}


@app.orchestration_trigger(context_name="context")
def wait_forever(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    """Waits for an event nobody sends: only terminate ends it."""
    context.set_custom_status({"stage": "waiting"})
    yield context.wait_for_external_event("never")
    return "impossible"


@app.orchestration_trigger(context_name="context")
def staged(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    """Publishes its progress in custom status; waits for 'proceed' between stages."""
    context.set_custom_status({"stage": 1, "note": "waiting for proceed"})
    extra = yield context.wait_for_external_event("proceed")
    context.set_custom_status({"stage": 2, "note": f"proceeding with {extra}"})
    done = yield context.call_activity("examine", extra)
    return done


@app.activity_trigger(input_name="target")
def explode(target: str) -> str:
    raise RuntimeError(f"{target} melted down")


@app.activity_trigger(input_name="target")
def examine(target: Any) -> str:
    return f"examined {target}"
