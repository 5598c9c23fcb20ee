"""Run in a child process by test_telemetry.py: the Python worker starting the app as Azure
starts it with PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true, then the app logging.

The worker's `worker_init_request` (azure-functions-runtime, the version requirements.txt
pins) calls `configure_azure_monitor`, which installs process-wide OpenTelemetry providers:
hence a process of its own. Prints one JSON line: the worker's init answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

from azure_functions_runtime import handle_event
from opentelemetry import _logs, trace

from devhost import worker_protos
from golive.structured_log import log_event

APP_DIR = Path(__file__).resolve().parents[2]

FIELDS = {
    "instanceId": "golive:contoso:contoso-offer",
    "runId": "run-1",
    "publisherId": "contoso",
    "offerId": "contoso-offer",
    "requestId": "r-1",
    "correlationId": "c-1",
}


def start_worker() -> dict[str, object]:
    init = worker_protos.WorkerInitRequest(capabilities={}, function_app_directory=str(APP_DIR))
    request = worker_protos.WorkerRequest(
        worker_protos.StreamingMessage(worker_init_request=init),
        {"host": None, "protos": worker_protos},
    )
    answer = asyncio.run(handle_event.worker_init_request(request))
    return {
        "status": answer.result.status,
        "exception": repr(getattr(answer.result, "exception", None)),
        "capabilities": dict(answer.capabilities),
    }


def main() -> None:
    sys.path.insert(0, str(APP_DIR))
    started = start_worker()
    # The root logger stays at Python's default, WARNING: the app itself makes the exported
    # loggers emit INFO (function_app.py), whatever level the worker gives the root.
    logger = logging.getLogger("golive.activities")
    # Inside a span the sampler drops (OTEL_TRACES_SAMPLER=always_off in the test): log
    # records must still be exported, whatever their level.
    with trace.get_tracer("golive.test").start_as_current_span("poll"):
        log_event(logger, "poll answered", {**FIELDS, "cppStatus": "running"})
        log_event(logger, "go-live refused", {**FIELDS, "httpStatus": 403}, logging.WARNING)
        log_event(logger, "event not accepted", {**FIELDS, "kind": "failed"}, logging.ERROR)
        # Not the app's: stays out of Application Insights (the host logs the SDKs it needs).
        logging.getLogger("azure.identity").warning("not exported")
    # Flushed twice: an exported line about the first upload would show in the second.
    for _ in range(2):
        _logs.get_logger_provider().force_flush()  # type: ignore[attr-defined]
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    print(json.dumps(started))


if __name__ == "__main__":
    main()
