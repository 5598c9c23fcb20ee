"""Sample for real vs virtual time: timers, activities and current_utc_datetime together.

Every value in the output is derived from the orchestration's own deterministic clock
(current_utc_datetime and the timers' due times), so a run in real time and a run in
virtual time must produce the same output.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from devhost_tests.apps.shared_starter import http_starter

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_starter())


@app.orchestration_trigger(context_name="context")
def ticking(context: df.DurableOrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    plan = context.get_input()
    start = context.current_utc_datetime
    ticks = []
    for tick in range(plan["ticks"]):
        due = start + timedelta(seconds=plan["seconds"] * (tick + 1))
        yield context.create_timer(due)
        woke_on_time = context.current_utc_datetime >= due
        label = yield context.call_activity("label", tick)
        ticks.append(
            {
                "tick": tick,
                "label": label,
                "woke_on_time": woke_on_time,
                "due_offset": (due - start).total_seconds(),
            }
        )
    elapsed = (context.current_utc_datetime - start).total_seconds()
    return {"ticks": ticks, "elapsed_at_least": elapsed >= plan["ticks"] * plan["seconds"]}


@app.activity_trigger(input_name="tick")
def label(tick: int) -> str:
    return f"tick-{tick}"
