"""host.json queue settings on Azurite: messageEncoding none, visibilityTimeout between
tries, and a message that arrives with its dequeue count already past maxDequeueCount."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient
from devhost.azurite import Azurite
from devhost.queues import QueueSettings
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS, eventually

pytestmark = pytest.mark.azurite
APP = APPS / "queue_plain"
MAX_DEQUEUE_COUNT = 2
EARLIER_TRIES = MAX_DEQUEUE_COUNT  # fetched this often before devhost sees the message


@pytest.fixture(scope="module")
def queues() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {"TEXT_QUEUE": f"text-{suffix}", "FAIL_QUEUE": f"fail-{suffix}"}


def _queue(azurite: Azurite, name: str) -> QueueClient:
    return QueueClient.from_connection_string(azurite.connection_string, name)  # no base64


def _leave_tried(azurite: Azurite, name: str, text: str, tries: int) -> None:
    """Queue `text` as a message that was fetched `tries` times already (e.g. by a host
    that crashed while handling it)."""
    queue = _queue(azurite, name)
    queue.create_queue()
    queue.send_message(text)
    for _ in range(tries):
        (fetched,) = queue.receive_messages(max_messages=1, visibility_timeout=30)
        queue.update_message(fetched, pop_receipt=fetched.pop_receipt, visibility_timeout=0)


@pytest.fixture(scope="module")
def devhost(azurite: Azurite, queues: dict[str, str]) -> Iterator[RunningDevhost]:
    _leave_tried(azurite, queues["TEXT_QUEUE"], "left over after a crash", EARLIER_TRIES)
    env = {"AzureWebJobsStorage": azurite.connection_string, **queues}
    with run_devhost(APP, env=env) as running:
        yield running


def _seen(devhost: RunningDevhost, queue: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = requests.get(f"{devhost.base_url}/api/seen", timeout=10).json()
    return [c for c in calls if c["queue"] == queue]


def _poison_texts(azurite: Azurite, name: str) -> list[str]:
    return [m.content for m in _queue(azurite, f"{name}-poison").peek_messages(max_messages=32)]


def test_a_message_already_past_max_dequeue_count_goes_to_poison_without_running(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    name = queues["TEXT_QUEUE"]
    poison = eventually(lambda: _poison_texts(azurite, name), 30, "the left-over message")
    assert poison == ["left over after a crash"]  # the original text, as sent
    assert all(c["body"] != "left over after a crash" for c in _seen(devhost, "text"))


def test_message_encoding_none_hands_the_text_over_as_sent(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    text = "plain text, not base64: ü €"
    _queue(azurite, queues["TEXT_QUEUE"]).send_message(text)
    calls = eventually(
        lambda: [c for c in _seen(devhost, "text") if c["body"] == text], 30, "the text message"
    )
    assert [c["dequeue_count"] for c in calls] == [1]


def test_a_failed_message_is_tried_again_after_the_visibility_timeout_then_poisoned(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    name = queues["FAIL_QUEUE"]
    _queue(azurite, name).send_message("cannot be handled")
    eventually(lambda: _poison_texts(azurite, name), 30, "the failed message in poison")
    tries = _seen(devhost, "fail")
    assert [t["dequeue_count"] for t in tries] == list(range(1, MAX_DEQUEUE_COUNT + 1))
    # Released for visibilityTimeout after the failure: not fetched again before that. (The
    # value in force: an app setting may override host.json, as the go-live tests' does.)
    timeout = QueueSettings.from_host_json(devhost.registry.host_json).visibility_timeout
    assert timeout >= 1
    assert tries[1]["at"] - tries[0]["at"] >= timeout - 0.25
