"""The CPP operation as this app understands it: status words, steps, attention conditions.

CPP documents neither which status words are terminal nor a fixed casing (docs/cpp-api.md),
so every word is compared case-insensitively and unknown words mean "still running".
Snapshots are bounded in size because they travel through activity results, the
orchestration state and the completion event.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from html.parser import HTMLParser
from typing import Any

from golive.errors import OperationFormatError
from golive.json_fields import json_fields

__all__ = [
    "AttentionCondition",
    "OperationFormatError",
    "OperationSnapshot",
    "Outcome",
    "Step",
    "StepMessage",
    "classify_status",
    "html_to_text",
    "parse_operation",
]

MAX_STEPS = 30
MAX_MESSAGES_PER_STEP = 10
MAX_TEXT_CHARS = 1000
MAX_FIELD_CHARS = 200

_SUCCEEDED = frozenset({"completed", "complete", "succeeded"})
_FAILED = frozenset({"failed", "rejected"})
_CANCELED = frozenset({"canceled", "cancelled"})
_NEEDS_PERSON = frozenset({"blocked", "rejected"})


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    IN_PROGRESS = "inProgress"


def _norm(word: str | None) -> str:
    return (word or "").strip().lower()


def classify_status(word: str | None) -> Outcome:
    """Map a CPP status word to an outcome; anything unknown is still in progress."""
    value = _norm(word)
    if value in _SUCCEEDED:
        return Outcome.SUCCEEDED
    if value in _FAILED:
        return Outcome.FAILED
    if value in _CANCELED:
        return Outcome.CANCELED
    return Outcome.IN_PROGRESS


@dataclass(frozen=True)
class StepMessage:
    level: str
    text: str
    timestamp: str | None

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepMessage:
        return cls(
            level=_text(data.get("level"), MAX_FIELD_CHARS) or "information",
            text=_text(data.get("text"), MAX_TEXT_CHARS) or "",
            timestamp=_text(data.get("timestamp"), MAX_FIELD_CHARS),
        )

    @property
    def is_error(self) -> bool:
        return _norm(self.level) == "error"


@dataclass(frozen=True)
class Step:
    id: str | None
    name: str | None
    description: str | None
    status: str | None
    progress_percentage: float | None
    messages: list[StepMessage]

    @property
    def outcome(self) -> Outcome:
        return classify_status(self.status)

    @property
    def needs_person(self) -> bool:
        return _norm(self.status) in _NEEDS_PERSON

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Step:
        return _step(data, name_key="name", message=StepMessage.from_dict)


@dataclass(frozen=True)
class AttentionCondition:
    """Something in the operation that needs a person; `key` is stable across polls."""

    key: str
    step: str | None
    status: str | None
    level: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttentionCondition:
        return cls(
            key=str(data["key"]),
            step=data.get("step"),
            status=data.get("status"),
            level=str(data.get("level") or "error"),
            message=str(data.get("message") or ""),
        )


@dataclass(frozen=True)
class OperationSnapshot:
    """One poll's view of the operation, trimmed to what decisions and events need."""

    id: str | None
    status: str | None
    outcome: Outcome
    submission_type: str | None
    created: str | None
    last_action: str | None
    steps: list[Step]
    error: dict[str, Any] | None
    # Operation-level messages (seen in CPP samples, not in the property table).
    messages: list[StepMessage] = field(default_factory=list)

    @property
    def current_step(self) -> Step | None:
        """The first step that has not completed, or the last step when all have."""
        for step in self.steps:
            if step.outcome is not Outcome.SUCCEEDED:
                return step
        return self.steps[-1] if self.steps else None

    def attention_conditions(self) -> list[AttentionCondition]:
        """Blocked or rejected steps and error messages, each with a stable key."""
        return list(self._attention_conditions)

    @cached_property
    def _attention_conditions(self) -> tuple[AttentionCondition, ...]:
        # Once per snapshot: a replayed poll asks when it records the snapshot and again
        # when it shows it, and its keys are digests.
        conditions: list[AttentionCondition] = []
        for step in self.steps:
            label = step.name or step.id
            if step.needs_person:
                # One condition per blocked/rejected step: its latest error message is the
                # reason, not a condition of its own, and lends the condition its key, so
                # that the same message seen after the step resumes is not news.
                status = _norm(step.status)
                reason = next((m for m in reversed(step.messages) if m.is_error), None)
                step_key = step.id or step.name
                key = (
                    _message_condition(label, step_key, step.status, reason).key
                    if reason is not None
                    else _key("step", step_key, status)
                )
                conditions.append(
                    AttentionCondition(
                        key=key,
                        step=label,
                        status=step.status,
                        level="error" if status == "rejected" else "warning",
                        message=_step_summary(step),
                    )
                )
                continue
            conditions.extend(
                _message_condition(label, step.id or step.name, step.status, message)
                for message in step.messages
                if message.is_error
            )
        conditions.extend(
            _message_condition(None, None, self.status, message)
            for message in self.messages
            if message.is_error
        )
        return tuple(_unique(conditions))

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OperationSnapshot:
        status = _text(data.get("status"), MAX_FIELD_CHARS)
        return cls(
            id=_text(data.get("id"), MAX_FIELD_CHARS),
            status=status,
            outcome=classify_status(status),
            submission_type=_text(data.get("submissionType"), MAX_FIELD_CHARS),
            created=_text(data.get("created"), MAX_FIELD_CHARS),
            last_action=_text(data.get("lastAction"), MAX_FIELD_CHARS),
            steps=[Step.from_dict(s) for s in _dicts(data.get("steps"))][:MAX_STEPS],
            error=_error(data.get("error")),
            messages=_bounded_messages(
                StepMessage.from_dict(m) for m in _dicts(data.get("messages"))
            ),
        )


def parse_operation(payload: object) -> OperationSnapshot:
    """Read a CPP operation body: a bare object, or a one-element array holding it."""
    body = payload
    if isinstance(body, list):
        if len(body) != 1:
            raise OperationFormatError(
                f"expected one operation, got an array of {len(body)} elements"
            )
        body = body[0]
    if not isinstance(body, Mapping):
        raise OperationFormatError(f"expected an operation object, got {type(body).__name__}")
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        raise OperationFormatError("the operation's status is not a string")
    steps = body.get("steps")
    if steps is not None and not isinstance(steps, list):
        raise OperationFormatError("the operation's steps are not an array")
    return OperationSnapshot(
        id=_text(body.get("id"), MAX_FIELD_CHARS),
        status=_text(status, MAX_FIELD_CHARS),
        outcome=classify_status(status),
        submission_type=_text(body.get("submissionType"), MAX_FIELD_CHARS),
        created=_text(body.get("createdDateTime"), MAX_FIELD_CHARS),
        last_action=_text(body.get("lastActionDateTime"), MAX_FIELD_CHARS),
        steps=[_parse_step(s) for s in _dicts(steps)][:MAX_STEPS],
        error=_error(body.get("error")),
        messages=_bounded_messages(_parse_message(m) for m in _dicts(body.get("messages"))),
    )


def _parse_step(raw: Mapping[str, Any]) -> Step:
    return _step(raw, name_key="stepName", message=_parse_message)


def _step(
    raw: Mapping[str, Any],
    *,
    name_key: str,
    message: Callable[[Mapping[str, Any]], StepMessage],
) -> Step:
    """A step from CPP's JSON (`stepName`) or from a snapshot's (`name`), bounded."""
    return Step(
        id=_text(raw.get("id"), MAX_FIELD_CHARS),
        name=_text(raw.get(name_key), MAX_FIELD_CHARS),
        description=_text(raw.get("description"), MAX_TEXT_CHARS),
        status=_text(raw.get("status"), MAX_FIELD_CHARS),
        progress_percentage=_number(raw.get("progressPercentage")),
        messages=_bounded_messages(message(m) for m in _dicts(raw.get("messages"))),
    )


def _parse_message(raw: Mapping[str, Any]) -> StepMessage:
    html = raw.get("messageHtml")
    if html is None:
        html = raw.get("message")
    return StepMessage(
        level=_text(raw.get("level"), MAX_FIELD_CHARS) or "information",
        text=_clip(html_to_text(html) if isinstance(html, str) else "", MAX_TEXT_CHARS),
        timestamp=_text(raw.get("timestamp"), MAX_FIELD_CHARS),
    )


def _bounded_messages(messages: Any) -> list[StepMessage]:
    """Keep the newest messages: the last ones say what is happening now.

    Error messages are kept before informational ones when there are too many, so a
    person is never left without the message that needs them.
    """
    items: list[StepMessage] = list(messages)
    if len(items) <= MAX_MESSAGES_PER_STEP:
        return items
    errors = [m for m in items if m.is_error][-MAX_MESSAGES_PER_STEP:]
    room = MAX_MESSAGES_PER_STEP - len(errors)
    others = [m for m in items if not m.is_error][-room:] if room else []
    keep = {id(m) for m in errors + others}
    return [m for m in items if id(m) in keep]


def _message_condition(
    label: str | None, step_key: str | None, status: str | None, message: StepMessage
) -> AttentionCondition:
    return AttentionCondition(
        key=_key("message", step_key, message.timestamp, message.text),
        step=label,
        status=status,
        level=message.level,
        message=message.text,
    )


def _step_summary(step: Step) -> str:
    label = step.name or step.id or "a step"
    text = f"Step {label!s} is {step.status}"
    latest = next((m.text for m in reversed(step.messages) if m.text), None)
    return _clip(f"{text}: {latest}" if latest else text, MAX_TEXT_CHARS)


def _key(*parts: str | None) -> str:
    """A short digest of what identifies a condition; equal conditions give equal keys."""
    joined = "\x1f".join(part or "" for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:24]


def _unique(conditions: list[AttentionCondition]) -> list[AttentionCondition]:
    seen: set[str] = set()
    result = []
    for condition in conditions:
        if condition.key not in seen:
            seen.add(condition.key)
            result.append(condition)
    return result


def _dicts(value: object) -> list[Mapping[str, Any]]:
    if type(value) is list:  # JSON's arrays; spares the ABC checks below at every replay
        return [item for item in value if isinstance(item, dict | Mapping)]
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _text(value: object, limit: int) -> str | None:
    if type(value) is str:  # nearly always; every replay re-reads the carried snapshot
        return value if len(value) <= limit else _clip(value, limit)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return _clip(str(value), limit)


def _number(value: object) -> float | None:
    """A finite number (numeric strings accepted), else None: NaN is not valid JSON."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _error(value: object) -> dict[str, Any] | None:
    """CPP's `error`: keep code and message (bounded); a bare string becomes the message."""
    if value is None or value == {} or value == "":
        return None
    if isinstance(value, str):
        return {"code": None, "message": _clip(value, MAX_TEXT_CHARS)}
    if isinstance(value, Mapping):
        inner = value.get("error")
        if not isinstance(inner, Mapping):
            inner = value
        code = _text(inner.get("code"), MAX_FIELD_CHARS)
        message = _text(inner.get("message"), MAX_TEXT_CHARS)
        if code is None and message is None:
            return None
        return {"code": code, "message": message}
    return {"code": None, "message": _clip(str(value), MAX_TEXT_CHARS)}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block elements become line breaks."""

    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "ul", "ol"})
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of CPP's `messageHtml`: tags dropped, entities decoded, spaces tidied."""
    text = html
    if "<" in html or "&" in html:  # else the parser would hand back the text as it is
        parser = _TextExtractor()
        parser.feed(html)
        parser.close()
        text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
