"""An operator's request to cancel a go-live, checked where it arrives (the HTTP route).

It travels to the orchestrator as the payload of the cancel event (`to_json`) and is
rebuilt there with `from_json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from golive.errors import InvalidRequestError

__all__ = ["MAX_REASON_CHARS", "CancelRequest", "parse_cancel_body"]

MAX_REASON_CHARS = 500
MAX_BODY_BYTES = 16 * 1024  # as for a start body; read no further
_FIELDS = ("cancelOperation", "reason")


@dataclass(frozen=True)
class CancelRequest:
    """Stop waiting and end Canceled; with `cancel_operation` also ask CPP to cancel."""

    cancel_operation: bool = False
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cancelOperation": self.cancel_operation}
        if self.reason:
            data["reason"] = self.reason
        return data

    @classmethod
    def from_json(cls, data: object) -> CancelRequest:
        """The request an event payload carries; a plain cancel for anything else."""
        if not isinstance(data, dict):
            return cls()
        reason = data.get("reason")
        return cls(
            cancel_operation=data.get("cancelOperation") is True,
            reason=reason if isinstance(reason, str) and reason else None,
        )


def parse_cancel_body(raw: bytes) -> CancelRequest:
    """Parse `{"cancelOperation"?: bool, "reason"?: str}`; an empty body is a plain cancel."""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequestError(f"body is longer than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        return CancelRequest()
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise InvalidRequestError(f"body is not valid JSON: {error}") from None
    except RecursionError:  # not a ValueError: it would escape as a 500
        raise InvalidRequestError("body is nested too deeply to be a request") from None
    if not isinstance(body, dict):
        raise InvalidRequestError("body must be a JSON object")
    unknown = set(body) - set(_FIELDS)
    if unknown:
        raise InvalidRequestError(f"unknown field(s): {', '.join(sorted(unknown))}")
    cancel_operation = body.get("cancelOperation", False)
    if not isinstance(cancel_operation, bool):
        raise InvalidRequestError("cancelOperation must be true or false")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS):
        raise InvalidRequestError(
            f"reason must be a string of at most {MAX_REASON_CHARS} characters"
        )
    return CancelRequest(cancel_operation=cancel_operation, reason=reason or None)
