"""The real go-live orchestrator with in-process activities, for replay-cost benchmarks.

The orchestrator is the app's own blueprint, unchanged. The activities keep their names
and result shapes but answer in-process (bench/inproc_cpp.py): each poll renders a CPP
simulator operation and parses it with the app's own parser, and Event Grid accepts every
event. The orchestrator sees what it sees in production; the time goes to orchestration.
The go-live POST answers for offers named `polls-N` (an operation done at the N-th poll).
"""

from __future__ import annotations

import threading

import azure.durable_functions as df

from bench import inproc_cpp
from golive.activity_results import Accepted, CancelAccepted, Published
from golive.function_names import CANCEL_ACTIVITY, GO_LIVE_ACTIVITY, POLL_ACTIVITY, PUBLISH_ACTIVITY
from orchestrators.blueprint import blueprint as orchestrators
from simulators.cpp import Operation

app = df.DFApp()
app.register_functions(orchestrators)

_operations: dict[str, Operation] = {}
_lock = threading.Lock()


@app.activity_trigger(input_name="payload", activity=GO_LIVE_ACTIVITY)
def start_go_live(payload: dict) -> dict:
    request = payload["request"]
    _, _, count = request["offerId"].rpartition("-")
    url = inproc_cpp.operation_url(request["publisherId"], int(count))
    return Accepted(operation_url=url).to_json()


@app.activity_trigger(input_name="payload", activity=POLL_ACTIVITY)
def poll_operation(payload: dict) -> dict:
    url = payload["operationUrl"]
    with _lock:
        operation = _operations.get(url)
        if operation is None:
            operation = _operations[url] = inproc_cpp.new_operation(url)
        return inproc_cpp.poll(operation)


@app.activity_trigger(input_name="payload", activity=PUBLISH_ACTIVITY)
def publish_event(payload: dict) -> dict:
    return Published().to_json()


@app.activity_trigger(input_name="payload", activity=CANCEL_ACTIVITY)
def cancel_operation(payload: dict) -> dict:
    return CancelAccepted(http_status=202).to_json()
