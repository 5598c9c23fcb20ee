"""Instance status in the shape of the Durable Functions HTTP API.

`get_status` answers what `GET /runtime/webhooks/durabletask/instances/{id}` returns:
name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime
and, on request, historyEvents. JSON values are decoded (the API shows them as JSON, not as
JSON text). The history is summarised as the extension does: OrchestratorStarted/Completed
are left out and a task's completion carries the scheduled function's name and time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from devhost._history import EventType
from devhost.store import InstanceRecord

_NAMES = {
    EventType.EXECUTION_STARTED: "ExecutionStarted",
    EventType.EXECUTION_COMPLETED: "ExecutionCompleted",
    EventType.EXECUTION_FAILED: "ExecutionFailed",
    EventType.EXECUTION_TERMINATED: "ExecutionTerminated",
    EventType.TASK_SCHEDULED: "TaskScheduled",
    EventType.TASK_COMPLETED: "TaskCompleted",
    EventType.TASK_FAILED: "TaskFailed",
    EventType.SUB_ORCHESTRATION_CREATED: "SubOrchestrationInstanceCreated",
    EventType.SUB_ORCHESTRATION_COMPLETED: "SubOrchestrationInstanceCompleted",
    EventType.SUB_ORCHESTRATION_FAILED: "SubOrchestrationInstanceFailed",
    EventType.TIMER_CREATED: "TimerCreated",
    EventType.TIMER_FIRED: "TimerFired",
    EventType.EVENT_RAISED: "EventRaised",
}
_HIDDEN = {
    EventType.ORCHESTRATOR_STARTED,
    EventType.ORCHESTRATOR_COMPLETED,
    EventType.TASK_SCHEDULED,
    EventType.SUB_ORCHESTRATION_CREATED,
}
_COMPLETIONS = {
    EventType.TASK_COMPLETED,
    EventType.TASK_FAILED,
    EventType.SUB_ORCHESTRATION_COMPLETED,
    EventType.SUB_ORCHESTRATION_FAILED,
}
_PAYLOADS = ("Input", "Result")


def api_time(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second, as the HTTP API writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_value(text: str | None) -> Any:
    """Decode stored JSON text; text that is not JSON is shown as it is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def status_of(
    record: InstanceRecord,
    *,
    show_input: bool,
    history: list[str] | None = None,
    show_history_output: bool = False,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": record.status,
        "input": json_value(record.input_json) if show_input else None,
        "customStatus": json_value(record.custom_status_json),
        "output": json_value(record.output_json),
        "createdTime": api_time(record.created_time),
        "lastUpdatedTime": api_time(record.last_updated_time),
    }
    if history is not None:
        status["historyEvents"] = history_events(history, show_history_output)
    return status


def history_events(history: list[str], show_output: bool) -> list[dict[str, Any]]:
    """The execution's events, summarised for people rather than for replay."""
    events = [json.loads(text) for text in history]
    scheduled = {
        e["EventId"]: e
        for e in events
        if e["EventType"] in (EventType.TASK_SCHEDULED, EventType.SUB_ORCHESTRATION_CREATED)
    }
    summary: list[dict[str, Any]] = []
    for event in events:
        kind = EventType(event["EventType"])
        if kind in _HIDDEN:
            continue
        item: dict[str, Any] = {"EventType": _NAMES.get(kind, kind.name.title())}
        for key, value in event.items():
            if key in ("EventType", "IsPlayed", "EventId", "OrchestrationInstance"):
                continue
            if key in _PAYLOADS:
                if show_output:
                    item[key] = json_value(value)
                continue
            item[key] = value
        if kind == EventType.EXECUTION_STARTED:
            item["FunctionName"] = item.pop("Name", None)
        if kind in _COMPLETIONS:
            origin = scheduled.get(event.get("TaskScheduledId"))
            if origin is not None:
                item["FunctionName"] = origin.get("Name")
                item["ScheduledTime"] = origin.get("Timestamp")
        summary.append(item)
    return summary
