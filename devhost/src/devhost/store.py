"""Durable state of the task hub in one SQLite file (stdlib sqlite3, WAL).

Three tables: instances (one row per orchestration instance: status, input, output, custom
status, the host's id bookkeeping), history (the current execution's events) and messages
(queued work: orchestrator events and activity work items, each with the time it becomes
visible). Every state change is atomic, e.g. an episode's new history events, its new work
items, the consumed messages and the new status commit together (the runtime may put several
changes in one transaction, never one change in two); so a process killed
at any instant restarts on a consistent state in which every unfinished piece of work is
still queued. WAL with synchronous=NORMAL survives a killed process (not a power cut), which
is the failure a local runtime must survive, at a fraction of the cost of a full sync.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from devhost._history import format_time, parse_time
from devhost._messages import Message
from devhost.engine import TERMINAL_STATUSES

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created_time TEXT NOT NULL,
    last_updated_time TEXT NOT NULL,
    parent TEXT,
    engine TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    visible_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_instance ON messages (instance_id);
"""


@dataclass
class InstanceRecord:
    """One orchestration instance as stored (times are timezone-aware UTC)."""

    instance_id: str
    name: str
    execution_id: str
    status: str
    input_json: str | None
    output_json: str | None
    custom_status_json: str | None
    created_time: datetime
    last_updated_time: datetime
    parent: dict[str, Any] | None
    engine: dict[str, Any]

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass
class StorageCounts:
    """Rows each committed change touched: benchmarks read them as a proxy for storage
    transactions (one row or message written or deleted is one operation)."""

    transactions: int = 0
    instance_writes: int = 0
    history_rows_written: int = 0
    history_rows_deleted: int = 0
    messages_written: int = 0
    messages_deleted: int = 0

    @property
    def operations(self) -> int:
        return (
            self.instance_writes
            + self.history_rows_written
            + self.history_rows_deleted
            + self.messages_written
            + self.messages_deleted
        )


@dataclass
class LoadedState:
    """Everything the runtime needs to resume after a restart."""

    instances: list[InstanceRecord]
    histories: dict[str, list[str]]  # unfinished instances only
    messages: list[Message]


class Transaction:
    """The writes of one atomic state change; only valid inside `Store.transaction()`."""

    def __init__(self, connection: sqlite3.Connection, counts: StorageCounts) -> None:
        self._db = connection
        self._counts = counts

    def put_instance(self, record: InstanceRecord) -> None:
        self._counts.instance_writes += 1
        self._db.execute(
            "INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                record.instance_id,
                record.name,
                record.execution_id,
                record.status,
                record.input_json,
                record.output_json,
                record.custom_status_json,
                format_time(record.created_time),
                format_time(record.last_updated_time),
                None if record.parent is None else json.dumps(record.parent),
                json.dumps(record.engine, separators=(",", ":")),
            ),
        )

    def delete_instance(self, instance_id: str) -> None:
        """Remove the instance, its history and its queued messages."""
        self._db.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))
        self.clear_history(instance_id)
        self.delete_instance_messages(instance_id)

    def append_history(self, instance_id: str, first_seq: int, events: Iterable[str]) -> None:
        cursor = self._db.executemany(
            "INSERT INTO history VALUES (?,?,?)",
            ((instance_id, first_seq + offset, text) for offset, text in enumerate(events)),
        )
        self._counts.history_rows_written += _rows(cursor)

    def clear_history(self, instance_id: str) -> None:
        cursor = self._db.execute("DELETE FROM history WHERE instance_id = ?", (instance_id,))
        self._counts.history_rows_deleted += _rows(cursor)

    def add_messages(self, messages: Iterable[Message]) -> None:
        cursor = self._db.executemany(
            "INSERT INTO messages VALUES (?,?,?,?,?,?)",
            (
                (
                    m.id,
                    m.kind,
                    m.instance_id,
                    m.execution_id,
                    format_time(m.visible_at),
                    json.dumps(m.body, separators=(",", ":")),
                )
                for m in messages
            ),
        )
        self._counts.messages_written += _rows(cursor)

    def delete_messages(self, ids: Iterable[int]) -> None:
        cursor = self._db.executemany("DELETE FROM messages WHERE id = ?", ((i,) for i in ids))
        self._counts.messages_deleted += _rows(cursor)

    def delete_instance_messages(self, instance_id: str) -> None:
        cursor = self._db.execute("DELETE FROM messages WHERE instance_id = ?", (instance_id,))
        self._counts.messages_deleted += _rows(cursor)


def _rows(cursor: sqlite3.Cursor) -> int:
    """Rows a statement changed (sqlite3 answers -1 when executemany ran no statement)."""
    return max(cursor.rowcount, 0)


class Store:
    """The SQLite file (or an in-memory database when `path` is None)."""

    def __init__(self, path: Path | None, counts: StorageCounts | None = None) -> None:
        self.path = path
        self.counts = counts if counts is not None else StorageCounts()
        target = ":memory:" if path is None else str(path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used under a lock: writes happen on the runtime's loop thread,
        # reads of finished histories may come from other threads (tests, HTTP workers).
        self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit every write made in the block at once, or none of them.

        A failed COMMIT (e.g. the file is locked) leaves the transaction open: it is rolled
        back too, so the connection is usable for the next attempt.
        """
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            counts = StorageCounts()
            try:
                yield Transaction(self._db, counts)
                self._db.execute("COMMIT")
                self._add(counts)
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):  # the original error is the one to report
                        self._db.execute("ROLLBACK")
                raise

    def _add(self, committed: StorageCounts) -> None:
        total = self.counts
        total.transactions += 1
        total.instance_writes += committed.instance_writes
        total.history_rows_written += committed.history_rows_written
        total.history_rows_deleted += committed.history_rows_deleted
        total.messages_written += committed.messages_written
        total.messages_deleted += committed.messages_deleted

    def load(self) -> LoadedState:
        with self._lock:
            instances = [_record(row) for row in self._db.execute("SELECT * FROM instances")]
            histories: dict[str, list[str]] = {
                r.instance_id: [] for r in instances if not r.is_terminal
            }
            for instance_id, text in self._db.execute(
                "SELECT instance_id, event FROM history ORDER BY instance_id, seq"
            ):
                events = histories.get(instance_id)
                if events is not None:
                    events.append(text)
            rows = self._db.execute("SELECT * FROM messages ORDER BY id").fetchall()
            messages = [
                Message(kind, instance, execution, parse_time(visible_at), json.loads(body), key)
                for key, kind, instance, execution, visible_at, body in rows
            ]
        return LoadedState(instances, histories, messages)

    def history(self, instance_id: str) -> list[str]:
        """The stored events of an instance's current execution, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM history WHERE instance_id = ? ORDER BY seq", (instance_id,)
            )
            return [text for (text,) in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _record(row: tuple[Any, ...]) -> InstanceRecord:
    (
        instance_id,
        name,
        execution_id,
        status,
        input_json,
        output_json,
        custom_status_json,
        created_time,
        last_updated_time,
        parent,
        engine,
    ) = row
    return InstanceRecord(
        instance_id=instance_id,
        name=name,
        execution_id=execution_id,
        status=status,
        input_json=input_json,
        output_json=output_json,
        custom_status_json=custom_status_json,
        created_time=parse_time(created_time),
        last_updated_time=parse_time(last_updated_time),
        parent=None if parent is None else json.loads(parent),
        engine=json.loads(engine),
    )
