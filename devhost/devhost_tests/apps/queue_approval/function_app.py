"""Sample: an approval that arrives as a queue message, raced against a one-hour deadline.

The queue function raises the message's decision as the 'Approval' event of the instance
the message names.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def await_approval(context: df.DurableOrchestrationContext) -> Generator[Any, Any, str]:
    deadline = context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    decision = context.wait_for_external_event("Approval")
    winner = yield context.task_any([decision, deadline])
    if winner == decision:
        deadline.cancel()
        return f"decided: {decision.result}"
    return "timed out"


@app.queue_trigger(arg_name="msg", queue_name="%APPROVALS_QUEUE%", connection="AzureWebJobsStorage")
@app.durable_client_input(client_name="client")
async def approval_from_queue(
    msg: func.QueueMessage, client: df.DurableOrchestrationClient
) -> None:
    message = json.loads(msg.get_body())
    await client.raise_event(message["instance_id"], "Approval", message["decision"])
