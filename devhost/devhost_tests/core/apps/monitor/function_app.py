"""Monitor: poll a job with durable timers, continue_as_new every few polls, report status."""

from datetime import datetime, timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    state = context.get_input()
    if "started" not in state:
        state["started"] = context.current_utc_datetime.isoformat()
    while True:
        status = yield context.call_activity("check_job", state)
        state["polls"] += 1
        context.set_custom_status({"polls": state["polls"], "last": status})
        if status == "done":
            started = datetime.fromisoformat(state["started"])
            elapsed = context.current_utc_datetime - started
            return {
                "polls": state["polls"],
                "generation": state["generation"],
                "elapsed_seconds": round(elapsed.total_seconds(), 3),
            }
        wake = context.current_utc_datetime + timedelta(seconds=state["interval_seconds"])
        yield context.create_timer(wake)
        if state["polls"] % state["polls_per_generation"] == 0:
            state["generation"] += 1
            context.continue_as_new(state)
            return None


@app.activity_trigger(input_name="state")
def check_job(state: dict) -> str:
    return "done" if state["polls"] + 1 >= state["polls_needed"] else "running"
