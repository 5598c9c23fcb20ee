"""A bit of everything with short timers: runs the same in real and in virtual time."""

from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()

_attempts: dict[str, int] = {}


@app.orchestration_trigger(context_name="context")
def mixed(context: df.DurableOrchestrationContext):
    state = context.get_input()
    results = state["results"]
    results.append((yield context.call_activity("double", state["round"])))
    yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=200))
    options = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=3)
    results.append(
        (
            yield context.call_activity_with_retry(
                "flaky", options, f"{context.instance_id}-{state['round']}"
            )
        )
    )
    deadline = context.create_timer(context.current_utc_datetime + timedelta(milliseconds=100))
    never = context.wait_for_external_event("Never")
    winner = yield context.task_any([never, deadline])
    results.append("event" if winner == never else "deadline")
    results.append((yield context.task_all([context.call_activity("double", n) for n in range(5)])))
    results.append((yield context.call_sub_orchestrator("child", state["round"])))
    if state["round"] == 0:
        context.continue_as_new({"round": 1, "results": results})
        return None
    return results


@app.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext):
    yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=100))
    value = yield context.call_activity("double", context.get_input() + 10)
    return value


@app.activity_trigger(input_name="n")
def double(n: int) -> int:
    return 2 * n


@app.activity_trigger(input_name="key")
def flaky(key: str) -> str:
    _attempts[key] = _attempts.get(key, 0) + 1
    if _attempts[key] < 3:
        raise TimeoutError("not yet")
    return f"{key} after {_attempts[key]}"
