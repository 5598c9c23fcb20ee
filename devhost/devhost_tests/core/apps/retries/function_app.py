"""call_activity_with_retry: succeeding on the third attempt, and exhausting its attempts."""

import azure.durable_functions as df

app = df.DFApp()

_attempts: dict[str, int] = {}


@app.orchestration_trigger(context_name="context")
def retry_until_third(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=30_000, max_number_of_attempts=5)
    result = yield context.call_activity_with_retry("flaky", options, context.instance_id)
    after = yield context.call_activity("echo", "after")
    return {"result": result, "after": after}


@app.orchestration_trigger(context_name="context")
def retry_exhausted(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=1_000, max_number_of_attempts=2)
    caught: str | None = None
    try:
        yield context.call_activity_with_retry("always_fails", options, "x")
    except Exception as exc:
        caught = str(exc)
    after = yield context.call_activity("echo", "after")
    return {"caught": caught, "after": after}


@app.orchestration_trigger(context_name="context")
def retry_in_parallel(context: df.DurableOrchestrationContext):
    """Retries running side by side with plain activities (ids interleave)."""
    options = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=4)
    results = yield context.task_all(
        [
            context.call_activity_with_retry("flaky", options, context.instance_id + "-1"),
            context.call_activity("echo", "plain"),
            context.call_activity_with_retry("flaky", options, context.instance_id + "-2"),
        ]
    )
    return results


@app.orchestration_trigger(context_name="context")
def sub_retry(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)
    result = yield context.call_sub_orchestrator_with_retry(
        "flaky_child", options, context.instance_id
    )
    return result


@app.orchestration_trigger(context_name="context")
def flaky_child(context: df.DurableOrchestrationContext):
    result = yield context.call_activity("flaky", context.get_input() + "-child")
    return result


@app.activity_trigger(input_name="key")
def flaky(key: str) -> dict:
    _attempts[key] = _attempts.get(key, 0) + 1
    if _attempts[key] < 3:
        raise ConnectionError(f"attempt {_attempts[key]} of {key} failed")
    return {"key": key, "attempts": _attempts[key]}


@app.activity_trigger(input_name="value")
def always_fails(value: str) -> None:
    raise RuntimeError(f"no luck with {value}")


@app.activity_trigger(input_name="value")
def echo(value: str) -> str:
    return value


@app.orchestration_trigger(context_name="context")
def race_retry(context: df.DurableOrchestrationContext):
    """A retrying task raced against a plain one; the loser keeps retrying in the background."""
    options = df.RetryOptions(first_retry_interval_in_milliseconds=1_000, max_number_of_attempts=3)
    retried = context.call_activity_with_retry("flaky", options, "race")
    fast = context.call_activity("echo", "fast")
    winner = yield context.task_any([retried, fast])
    after = yield context.call_activity("echo", "after")
    late = yield retried
    return {"winner": winner.result, "after": after, "late": late}


@app.orchestration_trigger(context_name="context")
def retries_resolve_together(context: df.DurableOrchestrationContext):
    """Two retries whose timers fire in one episode: a's last one (it raises), b's next try."""
    a = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=2)
    b = df.RetryOptions(first_retry_interval_in_milliseconds=4_000, max_number_of_attempts=3)
    try:
        yield context.task_all(
            [
                context.call_activity_with_retry("always_fails", a, "a"),
                context.call_activity_with_retry("always_fails", b, "b"),
            ]
        )
        return "unexpected success"
    except Exception as exc:
        cleanup = yield context.call_activity("echo", "cleanup")
        return {"caught": str(exc).split("\n")[0], "cleanup": cleanup}
