"""Sample: function chaining, plus HTTP routes that drive every durable client call.

The shared starter (shared_starter.py beside this app's folder) starts any orchestrator,
with an optional
instance id; the routes here wrap get_status, get_status_all/by, raise_event, terminate and
purge_instance_history so tests exercise the SDK's client against devhost exactly as an app
would.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext) -> Generator[Any, Any, list[str]]:
    cities = context.get_input() or ["Tokyo", "Seattle", "London"]
    greetings = []
    for city in cities:
        greetings.append((yield context.call_activity("say_hello", city)))
    greetings.append((yield context.call_activity("shout", ", ".join(greetings))))
    return greetings


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    return f"Hello {city}!"


@app.activity_trigger(input_name="text")
async def shout(text: str) -> str:
    return text.upper()


@app.orchestration_trigger(context_name="context")
def start_through_an_activity(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """An activity with a durable client binding starts another orchestration."""
    started = yield context.call_activity("start_chain", context.get_input())
    return started


@app.activity_trigger(input_name="cities")
@app.durable_client_input(client_name="client")
async def start_chain(
    cities: list, client: df.DurableOrchestrationClient, context: func.Context
) -> dict[str, str]:
    instance_id = await client.start_new("chain", None, cities)
    return {"instance_id": instance_id, "function_name": context.function_name}


@app.orchestration_trigger(context_name="context")
def wait_for_go(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Waits (forever, if need be) for an event named 'go' and returns its data."""
    data = yield context.wait_for_external_event("go")
    return {"received": data, "input": context.get_input()}


@app.route(route="status/{instanceId}", methods=["GET"])
@app.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    flags = {
        name: req.params.get(name) == "true"
        for name in ("show_history", "show_history_output", "show_input")
    }
    found = await client.get_status(req.route_params["instanceId"], **flags)
    if not found:
        return func.HttpResponse(status_code=404)
    body = found.to_json()
    body["historyEvents"] = getattr(found, "historyEvents", None)
    return func.HttpResponse(json.dumps(body, default=str), mimetype="application/json")


@app.route(route="statuses", methods=["GET"])
@app.durable_client_input(client_name="client")
async def statuses(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    wanted = req.params.get("runtimeStatus")
    if wanted:
        runtime_status = [df.OrchestrationRuntimeStatus(s) for s in wanted.split(",")]
        found = await client.get_status_by(runtime_status=runtime_status)
    else:
        found = await client.get_status_all()
    body = [s.to_json() for s in found]
    return func.HttpResponse(json.dumps(body, default=str), mimetype="application/json")


@app.route(route="events/{instanceId}/{eventName}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def raise_event(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    body = req.get_body()
    try:
        await client.raise_event(
            req.route_params["instanceId"],
            req.route_params["eventName"],
            json.loads(body) if body else None,
        )
    except Exception as exc:
        return func.HttpResponse(str(exc), status_code=410)
    return func.HttpResponse(status_code=202)


@app.route(route="terminate/{instanceId}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def terminate(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    await client.terminate(req.route_params["instanceId"], req.params.get("reason", "stop"))
    return func.HttpResponse(status_code=202)


@app.route(route="purge/{instanceId}", methods=["DELETE"])
@app.durable_client_input(client_name="client")
async def purge(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    result = await client.purge_instance_history(req.route_params["instanceId"])
    return func.HttpResponse(
        json.dumps({"deleted": result.instances_deleted}), mimetype="application/json"
    )
