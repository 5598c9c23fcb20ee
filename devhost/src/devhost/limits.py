"""The Durable Functions extension's own limits, checked as it checks them, with its messages.

- Custom status: the extension serializes it as compact JSON (Newtonsoft, non-ASCII kept
  as is) and refuses it when its UTF-16 size, in whole KB rounded down, exceeds 16
  (`MessagePayloadDataConverter.Serialize(value, 16)`): the orchestration then fails with
  "Orchestrator function '<name>' failed: The UTF-16 size of the JSON-serialized payload
  must not exceed 16 KB. The current payload size is <n> KB.".
- Instance ids given to start an orchestration (`DurableClient.StartNewAsync`): not
  starting with `@`, none of `/ \\ # ?` or control characters, at most 256 characters. The
  first two raise `ArgumentException(nameof(instanceId), "<text>")`, which puts the text in
  the parameter name: their message reads "instanceId (Parameter '<text>')".
"""

from __future__ import annotations

import json
from typing import Any

CUSTOM_STATUS_MAX_KB = 16
MAX_INSTANCE_ID_LENGTH = 256


class PayloadTooLargeError(ValueError):
    """A payload the extension refuses for its size; the message is the extension's."""


class InvalidInstanceIdError(ValueError):
    """An instance id the extension refuses; the message is the extension's."""


def utf16_size_in_kb(value: Any) -> int:
    """Whole KB of the value's compact JSON in UTF-16, as the extension computes it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 1024


def check_custom_status(value: Any) -> None:
    """Raise PayloadTooLargeError when the extension would refuse this custom status."""
    size = utf16_size_in_kb(value)
    if size > CUSTOM_STATUS_MAX_KB:
        raise PayloadTooLargeError(
            "The UTF-16 size of the JSON-serialized payload must not exceed "
            f"{CUSTOM_STATUS_MAX_KB:,} KB. The current payload size is {size:,} KB."
        )


def check_instance_id(instance_id: str) -> None:
    """Raise InvalidInstanceIdError for an id StartNewAsync refuses."""
    if instance_id.startswith("@"):
        raise InvalidInstanceIdError(
            "instanceId (Parameter 'Orchestration instance ids must not start with @.')"
        )
    if any(_invalid_character(c) for c in instance_id):
        raise InvalidInstanceIdError(
            "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, "
            "or control characters.')"
        )
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise InvalidInstanceIdError(
            f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters."
        )


def _invalid_character(char: str) -> bool:
    """`/ \\ # ?` or a control character as .NET's char.IsControl sees one."""
    code = ord(char)
    return char in "/\\#?" or code < 0x20 or 0x7F <= code <= 0x9F
