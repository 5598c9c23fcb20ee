"""Sample: a monitor. Check, record, sleep on a durable timer; continue_as_new every few checks.

Input: {"checks": total number of checks, "every_minutes": timer interval,
"per_generation": checks per history generation}. The output lists every check with its
offset from the first one, so real and virtual time must agree on it.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = context.get_input()
    first_start = context.current_utc_datetime.isoformat()
    started = datetime.fromisoformat(state.setdefault("started", first_start))
    state.setdefault("results", [])
    state.setdefault("generation", 0)
    for _ in range(state["per_generation"]):
        if len(state["results"]) == state["checks"]:
            context.set_custom_status({"phase": "done", "checks": len(state["results"])})
            return {"results": state["results"], "generations": state["generation"] + 1}
        number = len(state["results"])
        reading = yield context.call_activity("read_sensor", number)
        offset = (context.current_utc_datetime - started).total_seconds() // 60
        state["results"].append({"check": number, "reading": reading, "minute": offset})
        context.set_custom_status({"phase": "watching", "checks": len(state["results"])})
        fire_at = started + timedelta(minutes=state["every_minutes"] * (number + 1))
        yield context.create_timer(fire_at)
    state["generation"] += 1
    context.continue_as_new(state)
    return None


@app.activity_trigger(input_name="number")
def read_sensor(number: int) -> int:
    return 100 + number * 7
