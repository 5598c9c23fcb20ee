"""Sample: orchestrations started from a storage queue, and a queue function that always fails.

Queue names come from app settings (`%ORDERS_QUEUE%`, `%BAD_QUEUE%`) so tests can pick
their own. `seen` (HTTP) lists what the failing function was handed on each try.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())
_seen: list[dict[str, Any]] = []
_lock = threading.Lock()


@app.queue_trigger(arg_name="msg", queue_name="%ORDERS_QUEUE%", connection="AzureWebJobsStorage")
@app.durable_client_input(client_name="client")
async def start_from_queue(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    order = json.loads(msg.get_body())
    order["message_id"] = msg.id
    order["dequeue_count"] = msg.dequeue_count
    order["inserted"] = msg.insertion_time is not None
    await client.start_new("process_order", f"order-{order['order_id']}", order)


@app.orchestration_trigger(context_name="context")
def process_order(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    order = context.get_input()
    total = yield context.call_activity("price", order["items"])
    return {
        "order_id": order["order_id"],
        "total": total,
        "from_message": order["message_id"],
        "dequeue_count": order["dequeue_count"],
        "inserted": order["inserted"],
    }


@app.activity_trigger(input_name="items")
def price(items: list) -> float:
    return sum(item["qty"] * item["unit_price"] for item in items)


@app.queue_trigger(arg_name="msg", queue_name="%BAD_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    with _lock:
        _seen.append(
            {"id": msg.id, "body": msg.get_body().decode(), "dequeue_count": msg.dequeue_count}
        )
    raise RuntimeError(f"cannot handle {msg.get_body()!r}")


@app.route(route="seen", methods=["GET"])
def seen(req: func.HttpRequest) -> func.HttpResponse:
    with _lock:
        return func.HttpResponse(json.dumps(_seen), mimetype="application/json")
