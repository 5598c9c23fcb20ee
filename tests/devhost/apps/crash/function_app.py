"""Sample for the crash test: slow activities in a chain, then a fan-out of slow activities.

The output depends only on the input, so after any number of SIGKILLs and restarts the
finished instance must still show exactly this value.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from tests.devhost.apps.shared_starter import http_starter

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
def slow_step(work: dict[str, int]) -> int:
    time.sleep(0.25)
    return work["value"] * 2 + work["step"]


@app.activity_trigger(input_name="number")
def slow_square(number: int) -> int:
    time.sleep(0.15)
    return number * number
