"""Orchestrators that a test holds mid-replay (see ../gate.py) to act while they run."""

from datetime import timedelta

import azure.durable_functions as df

from devhost_tests.gate import ACTIVITY_GATE, REPLAY_GATE

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def held_monitor(context: df.DurableOrchestrationContext):
    """Continues as new once, in an episode held at the gate.

    Its history is long by then (over a hundred activities), so that episode replays on
    the runtime's replay thread and the loop stays free for the test's client calls.
    """
    if context.get_input() == "continued":
        return "the next execution ran"
    yield context.task_all([context.call_activity("count", n) for n in range(100)])
    yield context.call_activity("count", 100)
    if not context.is_replaying:
        REPLAY_GATE.pass_through()
    context.continue_as_new("continued")
    return None


@app.activity_trigger(input_name="n")
def count(n: int) -> int:
    return n


@app.orchestration_trigger(context_name="context")
def held_activity(context: df.DurableOrchestrationContext):
    """Runs one activity that the test holds at the gate."""
    result = yield context.call_activity("gated", "work")
    return result


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext):
    """Sleeps one hour on a durable timer."""
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    return "woke"


@app.activity_trigger(input_name="value")
def gated(value: str) -> str:
    ACTIVITY_GATE.pass_through()
    return value
