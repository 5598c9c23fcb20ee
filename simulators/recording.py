"""Every request a simulator receives, kept for tests to inspect, with secrets masked.

Secrets (bearer tokens, Event Grid keys, the identity header) are masked before a request is
stored, so neither the in-memory log nor the `/_sim/requests` listing ever holds them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MASK = "***"
_SECRET_HEADERS = frozenset({"aeg-sas-key", "aeg-sas-token", "x-identity-header", "cookie"})


def mask_header(name: str, value: str) -> str:
    """Keep the auth scheme (tests check it) but never the credential itself."""
    lowered = name.lower()
    if lowered in ("authorization", "proxy-authorization"):
        scheme, _, rest = value.partition(" ")
        return f"{scheme} {MASK}" if rest else MASK
    if lowered in _SECRET_HEADERS:
        return MASK
    return value


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: mask_header(name, value) for name, value in headers.items()}


@dataclass
class RecordedRequest:
    """One request as received; `status` is filled in once answered (None: no answer sent)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    time: datetime
    status: int | None = None
    note: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (masked value)."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.text,
            "time": self.time.isoformat(),
            "status": self.status,
            "note": self.note,
        }


class RequestLog:
    """A thread-safe list: the server thread appends, the test thread reads."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def append(self, request: RecordedRequest) -> None:
        with self._lock:
            self._items.append(request)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
