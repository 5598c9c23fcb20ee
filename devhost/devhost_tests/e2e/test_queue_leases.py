"""A handled queue message is deleted exactly once, whatever happens to its lease renewals.

Storage faults come from a proxy in front of Azurite (storage_proxy.py); the lease is
shortened to 3 s (renewed every second) so that renewals happen while the function runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.storage.queue import QueueClient
from devhost.azurite import Azurite
from devhost.testing import RunningDevhost, run_devhost, run_on_loop

from devhost import queues
from devhost_tests.e2e.helpers import APPS, eventually
from devhost_tests.e2e.storage_proxy import StorageProxy, is_lease_update
from devhost_tests.gate import QUEUE_GATE

pytestmark = pytest.mark.azurite
APP = APPS / "queue_lease"


@pytest.fixture
def proxy(azurite: Azurite) -> Iterator[StorageProxy]:
    started = StorageProxy(azurite)
    run_on_loop(started.start(), 30)
    try:
        yield started
    finally:
        run_on_loop(started.stop(), 30)


@pytest.fixture
def queue_name() -> str:
    return f"lease-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def devhost(
    proxy: StorageProxy, queue_name: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningDevhost]:
    monkeypatch.setattr(queues, "LEASE_SECONDS", 3)
    QUEUE_GATE.reset()
    env = {"AzureWebJobsStorage": proxy.connection_string, "LEASE_QUEUE": queue_name}
    try:
        with run_devhost(APP, env=env) as running:
            yield running
    finally:
        QUEUE_GATE.opened.set()


def _queue(azurite: Azurite, name: str) -> QueueClient:
    return QueueClient.from_connection_string(azurite.connection_string, name)


def _settled(azurite: Azurite, name: str) -> bool:
    """No copy of the message left in the queue, visible or not."""
    return _queue(azurite, name).get_queue_properties().approximate_message_count == 0


def test_a_failed_renewal_does_not_stop_the_delete(
    devhost: RunningDevhost, proxy: StorageProxy, azurite: Azurite, queue_name: str
) -> None:
    proxy.fail_next(is_lease_update)
    _queue(azurite, queue_name).send_message("work")
    eventually(lambda: proxy.failed == 1, 20, "a refused lease renewal")
    QUEUE_GATE.opened.set()
    eventually(lambda: _settled(azurite, queue_name), 20, "the message to be deleted")
    assert QUEUE_GATE.notes == [1]  # one call: the message never came back


def test_a_renewal_in_flight_when_the_function_returns_is_awaited(
    devhost: RunningDevhost, proxy: StorageProxy, azurite: Azurite, queue_name: str
) -> None:
    proxy.stall_next(is_lease_update)
    _queue(azurite, queue_name).send_message("work")
    assert proxy.stalled.wait(20), "no lease renewal"
    QUEUE_GATE.opened.set()  # the function returns while Azurite's answer is held back
    assert QUEUE_GATE.left.wait(20)
    proxy.release.set()  # the renewal's new pop receipt is what the delete must use
    eventually(lambda: _settled(azurite, queue_name), 20, "the message to be deleted")
    assert QUEUE_GATE.notes == [1]
