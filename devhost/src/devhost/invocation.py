"""Invoke a function through the worker, with the host's log lines around each call.

The host logs "Executing 'Functions.<name>' (Reason='...', Id=<invocation id>)" before and
"Executed 'Functions.<name>' (Succeeded|Failed, Id=..., Duration=Nms)" after every
invocation; devhost does the same, so logs read like the host's. Everything between is the
worker's: input conversion, the call (coroutines on the loop, plain functions on the
worker's thread pool), and output conversion.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping

from devhost.registry import FunctionSpec
from devhost.worker import InvocationResult, PythonWorker
from devhost.worker_protos import TypedData

log = logging.getLogger("devhost.functions")


def string_data(text: str) -> TypedData:
    """A string binding value (the durable client binding, orchestration and activity input)."""
    return TypedData(string=text)


class FunctionInvoker:
    """Sends invocation requests to the app's worker."""

    def __init__(self, worker: PythonWorker) -> None:
        self._worker = worker

    async def invoke(
        self,
        spec: FunctionSpec,
        inputs: Mapping[str, TypedData],
        trigger_metadata: Mapping[str, TypedData] | None = None,
        reason: str = "",
    ) -> InvocationResult:
        """One invocation of `spec` with its binding values; never raises for the function's
        own failure (the result carries the worker's exception message)."""
        invocation_id = str(uuid.uuid4())
        log.info(
            "Executing 'Functions.%s' (Reason='%s', Id=%s)",
            spec.name,
            reason or _default_reason(spec),
            invocation_id,
        )
        started = time.perf_counter()
        result = await self._worker.invoke(
            spec.function_id, inputs, trigger_metadata, invocation_id=invocation_id
        )
        log.log(
            logging.INFO if result.succeeded else logging.ERROR,
            "Executed 'Functions.%s' (%s, Id=%s, Duration=%dms)%s",
            spec.name,
            "Succeeded" if result.succeeded else "Failed",
            invocation_id,
            (time.perf_counter() - started) * 1000,
            "" if result.succeeded else f"\n{result.error}",
        )
        return result


def _default_reason(spec: FunctionSpec) -> str:
    """The host's wording: HTTP calls are "programmatic"; durable triggers give none."""
    if spec.trigger.get("type") == "httpTrigger":
        return "This function was programmatically called via the host APIs."
    return "(null)"
