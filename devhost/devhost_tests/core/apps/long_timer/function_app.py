"""A timer two weeks away (longer than the 6-day maximum: the SDK splits it)."""

from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def long_wait(context: df.DurableOrchestrationContext):
    days = context.get_input()["days"]
    start = context.current_utc_datetime
    yield context.create_timer(start + timedelta(days=days))
    waited = context.current_utc_datetime - start
    stamp = yield context.call_activity("stamp", waited.total_seconds())
    return {"waited_days": waited.total_seconds() / 86400, "stamp": stamp}


@app.activity_trigger(input_name="seconds")
def stamp(seconds: float) -> str:
    return f"waited {seconds:.0f}s"
