"""Dataclasses as JSON objects: each field under its camelCase name, nested values too.

The app's values cross JSON boundaries (activity inputs and results, orchestration
state, events) with camelCase keys; writing each `to_json` by hand repeated the field
list. Reading back stays with each class, which knows what to check and bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, is_dataclass
from enum import Enum
from functools import cache
from typing import Any

__all__ = ["camel_case", "from_json_fields", "json_fields"]


@cache  # field names are few, and orchestrator replays convert them at every episode
def camel_case(name: str) -> str:
    """`retry_after_seconds` -> `retryAfterSeconds`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def json_fields(value: Any) -> dict[str, Any]:
    """The dataclass `value` as a JSON object, in field order, nested dataclasses included."""
    return {camel_case(item.name): _plain(getattr(value, item.name)) for item in fields(value)}


def from_json_fields[T](
    cls: type[T],
    data: Mapping[str, Any],
    decoders: Mapping[str, Callable[[Any], Any]] | None = None,
) -> T:
    """Rebuild what `json_fields` wrote; KeyError names a required field that is missing.

    `decoders` rebuild fields that are more than their plain JSON value (nested classes).
    """
    values: dict[str, Any] = {}
    for item in fields(cls):  # type: ignore[arg-type]
        key = camel_case(item.name)
        if key not in data:
            if item.default is MISSING and item.default_factory is MISSING:
                raise KeyError(key)
            continue
        decode = (decoders or {}).get(item.name)
        value = data[key]
        values[item.name] = decode(value) if decode is not None and value is not None else value
    return cls(**values)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return json_fields(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
