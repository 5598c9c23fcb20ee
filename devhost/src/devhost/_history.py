"""History events in the shape the Durable Functions host sends the Python SDK (docs/devhost.md).

Each event is a plain dict with `EventType`, `EventId`, `IsPlayed`, `Timestamp` and its
per-type fields. Events that only record something (OrchestratorStarted, ExecutionStarted,
completions) carry EventId -1; events that schedule work carry the task id the host assigned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from dateutil.parser import isoparse

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class EventType(IntEnum):
    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_FAILED = 2
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_CREATED = 7
    SUB_ORCHESTRATION_COMPLETED = 8
    SUB_ORCHESTRATION_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16


def format_time(moment: datetime) -> str:
    """ISO text, UTC, microseconds and a Z: fixed width, so it also sorts as text."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_time(text: str) -> datetime:
    """Parse an ISO instant; a naive one is taken as UTC (the SDK writes fireAt with a Z)."""
    moment = isoparse(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def event(kind: EventType, at: datetime, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    """A new, not yet played history event."""
    return {
        "EventType": int(kind),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": format_time(at),
        **fields,
    }


def orchestrator_started(at: datetime) -> dict[str, Any]:
    return event(EventType.ORCHESTRATOR_STARTED, at)


def orchestrator_completed(at: datetime) -> dict[str, Any]:
    return event(EventType.ORCHESTRATOR_COMPLETED, at)


def execution_started(
    at: datetime,
    *,
    name: str,
    input_json: str | None,
    instance_id: str,
    execution_id: str,
    parent: dict[str, Any] | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "Name": name,
        "Version": "",
        "Input": input_json,
        "OrchestrationInstance": {"InstanceId": instance_id, "ExecutionId": execution_id},
    }
    if parent is not None:
        fields["ParentInstance"] = {
            "Name": parent["name"],
            "TaskScheduleId": parent["task_id"],
            "OrchestrationInstance": {
                "InstanceId": parent["instance_id"],
                "ExecutionId": parent["execution_id"],
            },
        }
    return event(EventType.EXECUTION_STARTED, at, **fields)


def execution_completed(at: datetime, status: str, result: str | None) -> dict[str, Any]:
    return event(EventType.EXECUTION_COMPLETED, at, OrchestrationStatus=status, Result=result)


def execution_terminated(at: datetime, reason_json: str | None) -> dict[str, Any]:
    return event(EventType.EXECUTION_TERMINATED, at, Input=reason_json)


def task_scheduled(at: datetime, task_id: int, name: str, input_json: str | None) -> dict[str, Any]:
    return event(EventType.TASK_SCHEDULED, at, task_id, Name=name, Input=input_json)


def task_completed(at: datetime, task_id: int, result_json: str | None) -> dict[str, Any]:
    return event(EventType.TASK_COMPLETED, at, TaskScheduledId=task_id, Result=result_json)


def task_failed(at: datetime, task_id: int, reason: str, details: str | None) -> dict[str, Any]:
    return event(EventType.TASK_FAILED, at, TaskScheduledId=task_id, Reason=reason, Details=details)


def sub_orchestration_created(
    at: datetime, task_id: int, name: str, instance_id: str, input_json: str | None
) -> dict[str, Any]:
    return event(
        EventType.SUB_ORCHESTRATION_CREATED,
        at,
        task_id,
        Name=name,
        InstanceId=instance_id,
        Input=input_json,
    )


def sub_orchestration_completed(
    at: datetime, task_id: int, result_json: str | None
) -> dict[str, Any]:
    return event(
        EventType.SUB_ORCHESTRATION_COMPLETED, at, TaskScheduledId=task_id, Result=result_json
    )


def sub_orchestration_failed(
    at: datetime, task_id: int, reason: str, details: str | None
) -> dict[str, Any]:
    return event(
        EventType.SUB_ORCHESTRATION_FAILED,
        at,
        TaskScheduledId=task_id,
        Reason=reason,
        Details=details,
    )


def timer_created(at: datetime, timer_id: int, fire_at: datetime) -> dict[str, Any]:
    return event(EventType.TIMER_CREATED, at, timer_id, FireAt=format_time(fire_at))


def timer_fired(at: datetime, timer_id: int, fire_at: datetime) -> dict[str, Any]:
    return event(EventType.TIMER_FIRED, at, TimerId=timer_id, FireAt=format_time(fire_at))


def event_raised(at: datetime, name: str, input_json: str | None) -> dict[str, Any]:
    return event(EventType.EVENT_RAISED, at, Name=name, Input=input_json)
