"""Work for the crash tests: slow activities, short timers and a small fan-out.

Each activity writes "start"/"done" lines to the journal named by DEVHOST_CRASH_JOURNAL, so
a test can see which activity was running when the process was killed.
"""

import os
import time
from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def crashy(context: df.DurableOrchestrationContext):
    steps = context.get_input()["steps"]
    results = []
    for step in range(steps):
        results.append((yield context.call_activity("step", [context.instance_id, step])))
        if step % 2 == 0:
            yield context.create_timer(context.current_utc_datetime + timedelta(milliseconds=50))
    fanned = yield context.task_all(
        [context.call_activity("step", [context.instance_id, steps + n]) for n in range(3)]
    )
    return results + fanned


@app.activity_trigger(input_name="work")
def step(work: list) -> str:
    instance_id, number = work
    _journal(f"start {instance_id} {number} {os.getpid()}")
    time.sleep(float(os.environ.get("DEVHOST_CRASH_STEP_SECONDS", "0.1")))
    _journal(f"done {instance_id} {number} {os.getpid()}")
    return f"{instance_id}/{number}"


def _journal(line: str) -> None:
    path = os.environ.get("DEVHOST_CRASH_JOURNAL")
    if path:
        with open(path, "a", encoding="utf-8") as journal:
            journal.write(line + "\n")
