"""Run an activity through the worker, and turn its answer into what the host records.

The host hands an activity its input as JSON text; the worker's ActivityTriggerConverter
decodes it with `df_loads` (falling back to the raw string when it is not JSON) and encodes
the return value with `df_dumps`, so payloads round-trip exactly as on Azure. Like any
function, an activity may also have a durable client binding. A raised exception becomes a
TaskFailed whose reason reads "Activity function 'X' failed: <type>: <message>".
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from devhost.invocation import FunctionInvoker, string_data
from devhost.registry import FunctionSpec
from devhost.worker import InvocationResult


@dataclass(frozen=True)
class ActivityResult:
    """The outcome the host records: a JSON result, or a failure reason and details."""

    succeeded: bool
    result_json: str | None = None
    reason: str = ""
    details: str = ""


async def run_activity(
    invoker: FunctionInvoker, spec: FunctionSpec, input_json: str | None, client_json: str | None
) -> ActivityResult:
    """One attempt of the activity; its failure is a result, never an exception."""
    inputs = {spec.trigger_arg: string_data(input_json if input_json is not None else "null")}
    if spec.durable_client_arg:
        if client_json is None:
            return ActivityResult(
                False,
                reason=f"Activity function '{spec.name}' failed: it has a durable client "
                "binding, but this runtime serves no durable HTTP API (run it in a DevHost)",
            )
        inputs[spec.durable_client_arg] = string_data(client_json)
    return activity_result(spec.name, await invoker.invoke(spec, inputs))


def activity_result(name: str, result: InvocationResult) -> ActivityResult:
    """TaskCompleted with the JSON the worker returned, or TaskFailed with its exception.

    The orchestrator sees a failure as one exception message, "<reason> \\n <details>"; the
    details are a single line of JSON with a "Message" (as the host's serialized exception
    has), so code that parses the second line keeps working.
    """
    if result.error is not None:
        details = json.dumps({"Message": result.error, "StackTrace": result.stack_trace.rstrip()})
        return ActivityResult(
            False, reason=f"Activity function '{name}' failed: {result.error}", details=details
        )
    value = result.return_value
    kind = value.WhichOneof("data") if value is not None else None
    data = getattr(value, kind) if kind else None
    if data is None:
        return ActivityResult(True, result_json="null")
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return ActivityResult(True, result_json=str(data))


def unknown_activity(name: str) -> ActivityResult:
    reason = (
        f"The function '{name}' doesn't exist, is disabled, or is not an activity "
        "function. Additional info: the app has no activity of that name."
    )
    return ActivityResult(False, reason=reason)
