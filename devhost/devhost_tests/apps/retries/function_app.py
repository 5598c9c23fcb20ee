"""Sample: call_activity_with_retry. One activity succeeds on its 3rd attempt, one never does.

The activity counts its attempts per key in process memory (the sample runs in-process),
and `attempts` reads the count back through another activity so the orchestration's output
shows how many times the host really ran it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())
_attempts: Counter[str] = Counter()
_lock = threading.Lock()


@app.orchestration_trigger(context_name="context")
def with_retry(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    plan = context.get_input()
    key = context.instance_id
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=plan["interval_ms"],
        max_number_of_attempts=plan["max_attempts"],
    )
    try:
        result = yield context.call_activity_with_retry(
            "flaky", options, {"key": key, "failures": plan["failures"]}
        )
        outcome: dict[str, Any] = {"result": result}
    except Exception as exc:
        outcome = {"error": str(exc)}
    outcome["attempts"] = yield context.call_activity("attempts", key)
    return outcome


@app.activity_trigger(input_name="plan")
def flaky(plan: dict) -> str:
    with _lock:
        _attempts[plan["key"]] += 1
        attempt = _attempts[plan["key"]]
    if attempt <= plan["failures"]:
        raise RuntimeError(f"transient failure on attempt {attempt}")
    return f"succeeded on attempt {attempt}"


@app.activity_trigger(input_name="key")
def attempts(key: str) -> int:
    with _lock:
        return _attempts[key]
