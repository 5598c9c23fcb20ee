"""Invoke an activity function the way the Python worker does.

The host hands an activity its input as JSON text; the worker's ActivityTriggerConverter
decodes it with `df_loads` (falling back to the raw string when it is not JSON) and encodes
the return value with `df_dumps`. We call that converter itself, so payloads round-trip
exactly as in Azure. Like any function, an activity may also have a durable client binding
(its JSON) and a `context` parameter. A raised exception becomes a TaskFailed whose reason
reads "Activity function 'X' failed: <type>: <message>" (FACTS.md §2).
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.invocation import CONTEXT_PARAMETER, InvocationContext, wants_context
from devhost.registry import FunctionSpec


@dataclass(frozen=True)
class ActivityResult:
    """The outcome the host records: a JSON result, or a failure reason and details."""

    succeeded: bool
    result_json: str | None = None
    reason: str = ""
    details: str = ""


@dataclass(frozen=True)
class ActivityCall:
    """One invocation: the activity, its input as JSON text, and what else it may bind."""

    spec: FunctionSpec
    input_json: str | None
    client_json: str | None  # the durable client binding JSON, when a host serves its API
    function_directory: str

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments the worker passes: input, durable client, `context`."""
        spec = self.spec
        kwargs: dict[str, Any] = {spec.trigger_arg: decode_input(self.input_json)}
        if spec.durable_client_arg:
            if self.client_json is None:
                raise RuntimeError(
                    f"activity '{spec.name}' has a durable client binding, but this runtime "
                    "serves no durable HTTP API (run it in a DevHost)"
                )
            kwargs[spec.durable_client_arg] = self.client_json
        if wants_context(spec.user_function) and CONTEXT_PARAMETER not in kwargs:
            kwargs[CONTEXT_PARAMETER] = InvocationContext(spec.name, self.function_directory)
        return kwargs


def decode_input(input_json: str | None) -> Any:
    """The value the activity's trigger parameter receives."""
    if input_json is None:
        return None
    return ActivityTriggerConverter.decode(meta.Datum(input_json, "string"), trigger_metadata=None)


def encode_result(value: Any) -> str:
    """The JSON text the host stores as TaskCompleted.Result."""
    datum = ActivityTriggerConverter.encode(value, expected_type=None)
    return str(datum.value)


def unknown_activity(name: str) -> ActivityResult:
    reason = (
        f"The function '{name}' doesn't exist, is disabled, or is not an activity "
        "function. Additional info: the app has no activity of that name."
    )
    return ActivityResult(False, reason=reason)


def run_sync(call: ActivityCall) -> ActivityResult:
    """Run a plain (def) activity; called in a worker thread."""
    try:
        value = call.spec.user_function(**call.arguments())
        return ActivityResult(True, result_json=encode_result(value))
    except Exception as exc:
        return failed(call.spec.name, exc)


async def run_async(call: ActivityCall) -> ActivityResult:
    """Run an `async def` activity on the runtime's loop."""
    try:
        value = await call.spec.user_function(**call.arguments())
        return ActivityResult(True, result_json=encode_result(value))
    except Exception as exc:
        return failed(call.spec.name, exc)


def failed(name: str, exc: BaseException) -> ActivityResult:
    """The host's TaskFailed for an exception: a one-line reason, and details as JSON text.

    The orchestrator sees both as one exception message, "<reason> \n <details>"; the
    details are a single line of JSON with a "Message" (as the host's serialized exception
    has), so code that parses the second line keeps working.
    """
    message = f"{type(exc).__name__}: {exc}"
    details = json.dumps(
        {
            "Message": message,
            "ExceptionType": type(exc).__name__,
            "StackTrace": "".join(traceback.format_exception(exc)).rstrip(),
        }
    )
    return ActivityResult(
        False, reason=f"Activity function '{name}' failed: {message}", details=details
    )
