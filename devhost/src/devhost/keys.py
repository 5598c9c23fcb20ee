"""The host's keys, and the check Azure makes of them on every HTTP request.

Azure Functions protects HTTP functions by their auth level: `anonymous` needs no key,
`function` takes a function key or the master key, `admin` only the master key. The key
comes in the `code` query parameter or the `x-functions-key` header; without a valid one
the host answers 401 with an empty body. The Durable extension's public HTTP API
(`/runtime/webhooks/durabletask/...`) takes its system key (`durabletask_extension`) or the
master key, and the check-status URLs carry the system key as `code=`.

devhost generates the keys once and keeps them with its state (the SQLite file given with
`--state`), so they survive restarts as Azure's do; with in-memory state they are new at
every start. Core Tools does not check keys when it runs an app locally; devhost does,
unless told not to (`--no-auth-keys`), so that a call that would get 401 on Azure gets it
here too.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

KEY_QUERY_PARAMETER = "code"
KEY_HEADER = "x-functions-key"
DURABLE_SYSTEM_KEY_NAME = "durabletask_extension"
ANONYMOUS, FUNCTION, ADMIN = "anonymous", "function", "admin"

_TABLE = "CREATE TABLE IF NOT EXISTS host_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
_NAMES = ("master", "default", DURABLE_SYSTEM_KEY_NAME)


@dataclass(frozen=True)
class HostKeys:
    """The master key, the host-level function key named `default`, the durable system key."""

    master: str
    default_function: str
    durable_system: str

    def admits(self, auth_level: str, key: str | None) -> bool:
        """Whether a request carrying `key` may call a function of `auth_level`."""
        if auth_level == ANONYMOUS:
            return True
        if not key:
            return False
        if auth_level == ADMIN:
            return _same(key, self.master)
        return _same(key, self.master) or _same(key, self.default_function)

    def admits_durable_api(self, key: str | None) -> bool:
        """Whether a request may use the extension's public HTTP API."""
        return bool(key) and (
            _same(key or "", self.durable_system) or _same(key or "", self.master)
        )


def request_key(request: web.Request) -> str | None:
    """The key a request carries: `code` query parameter first, then `x-functions-key`."""
    return request.query.get(KEY_QUERY_PARAMETER) or request.headers.get(KEY_HEADER)


def unauthorized() -> web.Response:
    """What the host answers without a valid key: 401, no body."""
    return web.Response(status=401)


def load_or_create_keys(state_path: Path | None) -> HostKeys:
    """The keys kept in the state file, created on first use; new ones without a file."""
    if state_path is None:
        return HostKeys(*(_new_key() for _ in _NAMES))
    with contextlib.closing(sqlite3.connect(state_path, timeout=30)) as db, db:
        db.execute(_TABLE)
        stored = dict(db.execute("SELECT name, value FROM host_keys").fetchall())
        for name in _NAMES:
            if name not in stored:
                stored[name] = _new_key()
                db.execute(
                    "INSERT INTO host_keys (name, value) VALUES (?, ?)", (name, stored[name])
                )
    return HostKeys(*(stored[name] for name in _NAMES))


def _new_key() -> str:
    return secrets.token_urlsafe(40)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
