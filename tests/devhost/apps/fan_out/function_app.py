"""Sample: fan-out/fan-in. One activity lists the work, N activities run in parallel."""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="orchestrators/{functionName}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    body = req.get_body()
    instance_id = await client.start_new(
        req.route_params["functionName"], None, json.loads(body) if body else None
    )
    return client.create_check_status_response(req, instance_id)


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
