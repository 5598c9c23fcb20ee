"""The go-live shape on Azure Functions Durable: start, 20 polls each followed by a timer,
publish; no continue_as_new. bench/engines.py runs the same shape on durabletask."""

import azure.durable_functions as df

from bench.shape import POLLS, TIMER

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def golive_shape(context: df.DurableOrchestrationContext):
    offer = context.get_input()
    yield context.call_activity("start", offer)
    for poll in range(POLLS):
        yield context.call_activity("poll", poll)
        yield context.create_timer(context.current_utc_datetime + TIMER)
    return (yield context.call_activity("publish", offer))


@app.activity_trigger(input_name="offer")
def start(offer: str) -> dict:
    return {"kind": "accepted", "operationUrl": f"https://cpp.invalid/operations/{offer}"}


@app.activity_trigger(input_name="poll")
def poll(poll: int) -> dict:
    return {"kind": "status", "snapshot": {"status": "running", "poll": poll}}


@app.activity_trigger(input_name="offer")
def publish(offer: str) -> dict:
    return {"kind": "published", "offer": offer}
