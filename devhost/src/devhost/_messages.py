"""Work items of the task hub: what the runtime queues, persists and dispatches.

Two kinds, as in Azure Storage: orchestrator messages (a history event for an instance:
its start, a task result, a fired timer, a raised event, a termination) and activity
work items. A message is durable from the transaction that created it until the one that
consumed it, which is what makes a SIGKILL at any point recoverable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

ORCHESTRATOR = "orchestrator"
ACTIVITY = "activity"


@dataclass
class Message:
    """One queued work item. `id` is 0 until the runtime assigns it when persisting."""

    kind: str
    instance_id: str
    execution_id: str | None  # None: for whichever execution is current (raised events)
    visible_at: datetime
    body: dict[str, Any]
    id: int = 0

    @property
    def event(self) -> dict[str, Any]:
        """The history event an orchestrator message carries."""
        event: dict[str, Any] = self.body["event"]
        return event


def orchestrator_message(
    instance_id: str, execution_id: str | None, visible_at: datetime, event: dict[str, Any]
) -> Message:
    return Message(ORCHESTRATOR, instance_id, execution_id, visible_at, {"event": event})


def activity_message(
    instance_id: str,
    execution_id: str,
    visible_at: datetime,
    *,
    task_id: int,
    name: str,
    input_json: str | None,
) -> Message:
    body = {"task_id": task_id, "name": name, "input": input_json}
    return Message(ACTIVITY, instance_id, execution_id, visible_at, body)
