"""Sample: queue triggers with plain-text messages (host.json messageEncoding "none").

Every call is recorded (queue, body, dequeue count, wall time) and listed by `GET seen`:
`record_text` succeeds, `fail_text` always fails.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
_seen: list[dict[str, Any]] = []
_lock = threading.Lock()


def _record(queue: str, msg: func.QueueMessage) -> None:
    call = {
        "queue": queue,
        "body": msg.get_body().decode("utf-8"),
        "dequeue_count": msg.dequeue_count,
        "at": time.time(),
    }
    with _lock:
        _seen.append(call)


@app.queue_trigger(arg_name="msg", queue_name="%TEXT_QUEUE%", connection="AzureWebJobsStorage")
def record_text(msg: func.QueueMessage) -> None:
    _record("text", msg)


@app.queue_trigger(arg_name="msg", queue_name="%FAIL_QUEUE%", connection="AzureWebJobsStorage")
def fail_text(msg: func.QueueMessage) -> None:
    _record("fail", msg)
    raise RuntimeError("this message always fails")


@app.route(route="seen", methods=["GET"])
def seen(req: func.HttpRequest) -> func.HttpResponse:
    with _lock:
        return func.HttpResponse(json.dumps(_seen), mimetype="application/json")
