"""Sample: fan-out/fan-in. One activity lists the work, N activities run in parallel."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def fan_out_fan_in(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    items = yield context.call_activity("list_items", context.get_input())
    squares = yield context.task_all([context.call_activity("square", n) for n in items])
    return {"count": len(squares), "total": sum(squares), "first": squares[:3]}


@app.activity_trigger(input_name="count")
def list_items(count: int) -> list[int]:
    return list(range(1, count + 1))


@app.activity_trigger(input_name="number")
async def square(number: int) -> int:
    return number * number
