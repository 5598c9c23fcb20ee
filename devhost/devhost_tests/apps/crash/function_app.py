"""Sample for the crash test: slow activities in a chain, then a fan-out of slow activities;
and a job with timers, a retried activity, a sub-orchestration and an external event.

The outputs depend only on the inputs, so after any number of SIGKILLs and restarts the
finished instances must still show exactly these values.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def slow_job(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    job = context.get_input()
    chain = []
    value = job["seed"]
    for step in range(job["steps"]):
        value = yield context.call_activity("slow_step", {"value": value, "step": step})
        chain.append(value)
    squares = yield context.task_all(
        [context.call_activity("slow_square", n) for n in range(job["fan"])]
    )
    return {"chain": chain, "fan_total": sum(squares)}


@app.activity_trigger(input_name="work")
def slow_step(work: dict) -> int:
    time.sleep(0.25)
    return work["value"] * 2 + work["step"]


@app.activity_trigger(input_name="number")
def slow_square(number: int) -> int:
    time.sleep(0.15)
    return number * number


@app.orchestration_trigger(context_name="context")
def rich_job(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    name = context.get_input()["name"]
    yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=300))
    retry = df.RetryOptions(first_retry_interval_in_milliseconds=200, max_number_of_attempts=8)
    flaky = yield context.call_activity_with_retry("flaky_step", retry, name)
    child = yield context.call_sub_orchestrator("rich_child", name, f"{context.instance_id}-child")
    go = yield context.wait_for_external_event("go")
    return {"flaky": flaky, "child": child, "go": go}


@app.orchestration_trigger(context_name="context")
def rich_child(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    name = context.get_input()
    yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=200))
    value = yield context.call_activity("slow_step", {"value": len(name), "step": 1})
    return f"{name}:{value}"


@app.activity_trigger(input_name="key")
def flaky_step(key: str) -> str:
    """Fails on its first two runs for a key; runs are counted in a file, so kills keep them."""
    runs = Path(os.environ["DEVHOST_CRASH_DIR"]) / f"{key}.runs"
    with runs.open("a", encoding="utf-8") as journal:
        journal.write("run\n")
    if len(runs.read_text(encoding="utf-8").splitlines()) < 3:
        raise ConnectionError(f"{key}: not yet")
    return f"{key} ok"
