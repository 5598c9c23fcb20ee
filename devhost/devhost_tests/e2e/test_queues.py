"""Queue triggers on Azurite: a message starts an orchestration; bad ones go to poison."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.storage.queue import QueueClient, QueueServiceClient, TextBase64EncodePolicy
from devhost.azurite import Azurite
from devhost.keys import KEY_HEADER
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS, eventually, follow, start

pytestmark = pytest.mark.azurite
# Calls as an operator with the master key would make them (admitted at every level).
HTTP = requests.Session()
APP = APPS / "queue_start"
MAX_DEQUEUE_COUNT = 3  # the app's host.json


@pytest.fixture(scope="module")
def queues() -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {"ORDERS_QUEUE": f"orders-{suffix}", "BAD_QUEUE": f"bad-items-{suffix}"}


@pytest.fixture(scope="module")
def devhost(azurite: Azurite, queues: dict[str, str]) -> Iterator[RunningDevhost]:
    # The environment's connection string wins over local.settings.json's (Core Tools rule).
    env = {"AzureWebJobsStorage": azurite.connection_string, **queues}
    with run_devhost(APP, env=env) as running:
        HTTP.headers[KEY_HEADER] = running.keys.master
        yield running


def _queue(azurite: Azurite, name: str, *, base64: bool = True) -> QueueClient:
    policy = TextBase64EncodePolicy() if base64 else None
    return QueueClient.from_connection_string(
        azurite.connection_string, name, message_encode_policy=policy
    )


def _service(azurite: Azurite) -> QueueServiceClient:
    return QueueServiceClient.from_connection_string(azurite.connection_string)


def _seen(devhost: RunningDevhost) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = HTTP.get(f"{devhost.base_url}/api/seen", timeout=10).json()
    return seen


def _poison_texts(azurite: Azurite, queue: str) -> list[str]:
    messages = _queue(azurite, f"{queue}-poison", base64=False).peek_messages(max_messages=32)
    return [m.content for m in messages]


def test_queue_message_starts_an_orchestration(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    order = {"order_id": 42, "items": [{"qty": 2, "unit_price": 3.5}, {"qty": 1, "unit_price": 10}]}
    sent = _queue(azurite, queues["ORDERS_QUEUE"]).send_message(json.dumps(order))
    status_url = (
        f"{devhost.base_url}/runtime/webhooks/durabletask/instances/order-42"
        f"?taskHub=TestHubName&connection=Storage&code={devhost.keys.durable_system}"
    )
    eventually(
        lambda: HTTP.get(status_url, timeout=10).status_code != 404,
        what="the queue function to start order-42",
    )
    final = follow(status_url)
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {
        "order_id": 42,
        "total": 17.0,
        "from_message": sent.id,
        "dequeue_count": 1,
        "inserted": True,
    }
    # Handled messages are deleted from the queue.
    assert not _queue(azurite, queues["ORDERS_QUEUE"]).peek_messages()


def test_http_starter_of_the_same_app(devhost: RunningDevhost) -> None:
    order = {
        "order_id": 7,
        "items": [{"qty": 3, "unit_price": 2}],
        "message_id": None,
        "dequeue_count": 0,
        "inserted": False,
    }
    links = start(devhost, "process_order", order, instance_id="order-7")
    assert follow(links["statusQueryGetUri"])["output"]["total"] == 6


def test_failing_message_moves_to_poison_after_max_dequeue_count(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    bad = queues["BAD_QUEUE"]
    sent = _queue(azurite, bad).send_message("broken order")
    poison = eventually(lambda: _poison_texts(azurite, bad), what="a message in the poison queue")
    assert poison == [base64.b64encode(b"broken order").decode()]  # the original text
    tries = [s for s in _seen(devhost) if s["id"] == sent.id]
    assert [t["dequeue_count"] for t in tries] == list(range(1, MAX_DEQUEUE_COUNT + 1))
    assert all(t["body"] == "broken order" for t in tries)
    assert not _queue(azurite, bad).peek_messages()


def test_message_that_is_not_base64_goes_straight_to_poison(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    bad = queues["BAD_QUEUE"]
    before = len(_poison_texts(azurite, bad))
    _queue(azurite, bad, base64=False).send_message("this is not base64!")
    eventually(lambda: len(_poison_texts(azurite, bad)) > before, what="poisoned raw message")
    assert "this is not base64!" in _poison_texts(azurite, bad)
    assert all(s["body"] != "this is not base64!" for s in _seen(devhost))


def test_queues_deleted_under_a_running_devhost_are_created_again(
    devhost: RunningDevhost, azurite: Azurite, queues: dict[str, str]
) -> None:
    """As after an in-memory Azurite restart: polling and poison moves recreate their queue."""
    orders, bad = queues["ORDERS_QUEUE"], queues["BAD_QUEUE"]
    _queue(azurite, orders).delete_queue()
    _queue(azurite, f"{bad}-poison").delete_queue()

    def exists(name: str) -> bool:
        return any(q.name == name for q in _service(azurite).list_queues(name_starts_with=name))

    eventually(lambda: exists(orders), 30, "the polled queue to be created again")
    _queue(azurite, orders).send_message(json.dumps({"order_id": 43, "items": []}))
    status_url = (
        f"{devhost.base_url}/runtime/webhooks/durabletask/instances/order-43"
        f"?code={devhost.keys.durable_system}"
    )
    eventually(lambda: HTTP.get(status_url, timeout=10).status_code != 404, 30, "order-43")
    assert follow(status_url)["output"]["total"] == 0
    _queue(azurite, bad, base64=False).send_message("poison after a restart")
    eventually(lambda: exists(f"{bad}-poison"), 30, "the poison queue to be created again")
    texts = eventually(lambda: _poison_texts(azurite, bad), 30, "the poisoned message")
    assert texts == ["poison after a restart"]
