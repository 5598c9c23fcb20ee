"""What an operator sees of a running operation: why it needs a person, and recent messages.

`OperationSnapshot.attention_conditions` says what to announce once (an error message
stays news-worthy only the first time it is seen). An operator's screen asks another
question, "does this go-live wait for a person now?": a step that is blocked or
rejected, or an error message on the operation itself while it runs. An error message
left on a step that has since resumed is history, shown with the step's messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from golive.operation import OperationSnapshot, Outcome, StepMessage

MAX_REASONS = 5
MAX_MESSAGES_SHOWN = 3
MAX_SHOWN_CHARS = 300


def needs_person(snapshot: OperationSnapshot) -> list[dict[str, Any]]:
    """The reasons this operation waits for a person now; empty when it does not."""
    if snapshot.outcome is not Outcome.IN_PROGRESS:
        return []
    reasons = [
        condition.to_dict()
        for condition in snapshot.attention_conditions()
        if _is_current(condition.step, snapshot)
    ]
    return [
        {key: _clip(value) for key, value in reason.items() if key != "key"}
        for reason in reasons[:MAX_REASONS]
    ]


def recent_messages(messages: object) -> list[dict[str, Any]]:
    """The newest few messages of a step (as stored in a snapshot), texts clipped."""
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        return []
    return shown_messages([StepMessage.from_dict(m) for m in messages if isinstance(m, Mapping)])


def shown_messages(messages: Sequence[StepMessage]) -> list[dict[str, Any]]:
    """The newest few of a step's parsed messages as operators see them, texts clipped.

    The orchestrator shows them at every replayed poll, so it hands over the parsed
    messages rather than a round trip through their stored JSON.
    """
    return [
        {"level": m.level, "text": _clip(m.text), "timestamp": m.timestamp}
        for m in messages[-MAX_MESSAGES_SHOWN:]
    ]


def _is_current(step_label: str | None, snapshot: OperationSnapshot) -> bool:
    """Operation-level messages count; step conditions only while the step needs a person."""
    if step_label is None:
        return True
    return any(step.needs_person and step_label in (step.name, step.id) for step in snapshot.steps)


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_SHOWN_CHARS:
        return value[: MAX_SHOWN_CHARS - 1] + "…"
    return value
