"""Invoke an activity function the way the Python worker does.

The host hands an activity its input as JSON text; the worker's ActivityTriggerConverter
decodes it with `df_loads` (falling back to the raw string when it is not JSON) and encodes
the return value with `df_dumps`. We call that converter itself, so payloads round-trip
exactly as in Azure. A raised exception becomes a TaskFailed whose reason reads
"Activity function 'X' failed: <type>: <message>" (FACTS.md §2).
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.registry import FunctionSpec


@dataclass(frozen=True)
class ActivityResult:
    """The outcome the host records: a JSON result, or a failure reason and details."""

    succeeded: bool
    result_json: str | None = None
    reason: str = ""
    details: str = ""


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


def run_sync(spec: FunctionSpec, input_json: str | None) -> ActivityResult:
    """Run a plain (def) activity; called in a worker thread."""
    try:
        value = spec.user_function(**{spec.trigger_arg: decode_input(input_json)})
        return ActivityResult(True, result_json=encode_result(value))
    except Exception as exc:
        return failed(spec.name, exc)


async def run_async(spec: FunctionSpec, input_json: str | None) -> ActivityResult:
    """Run an `async def` activity on the runtime's loop."""
    try:
        value = await spec.user_function(**{spec.trigger_arg: decode_input(input_json)})
        return ActivityResult(True, result_json=encode_result(value))
    except Exception as exc:
        return failed(spec.name, exc)


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
