"""Sample: a queue function that takes as long as the test wants (it waits at QUEUE_GATE).

The gate notes the dequeue count of every call, so a test can see a message run twice.
"""

from __future__ import annotations

import azure.functions as func

from devhost_tests.gate import QUEUE_GATE

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%LEASE_QUEUE%", connection="AzureWebJobsStorage")
def held_message(msg: func.QueueMessage) -> None:
    QUEUE_GATE.pass_through(msg.dequeue_count)
