"""In virtual time the clock does not jump past a queue message that is already waiting."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from azure.storage.queue import QueueClient, TextBase64EncodePolicy
from devhost.azurite import Azurite
from devhost.queues import PROBE_FRESHNESS
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS

pytestmark = pytest.mark.azurite
APP = APPS / "queue_approval"
LISTENER_BACKED_OFF_SECONDS = 2.0  # empty polls so far: the listener now sleeps over 1.6 s


@pytest.fixture(scope="module")
def queue_name() -> str:
    return f"approvals-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def devhost(azurite: Azurite, queue_name: str) -> Iterator[RunningDevhost]:
    env = {"AzureWebJobsStorage": azurite.connection_string, "APPROVALS_QUEUE": queue_name}
    with run_devhost(APP, env=env, virtual_time=True) as running:
        yield running


def test_a_waiting_queue_message_is_handled_before_the_clock_jumps(
    devhost: RunningDevhost, azurite: Azurite, queue_name: str
) -> None:
    queue = QueueClient.from_connection_string(
        azurite.connection_string, queue_name, message_encode_policy=TextBase64EncodePolicy()
    )
    time.sleep(LISTENER_BACKED_OFF_SECONDS)  # an idle queue is polled less and less often
    instance_id = f"approval-{uuid.uuid4().hex[:8]}"
    with devhost.runtime.hold():  # the clock stays still while the stage is set
        devhost.call(devhost.runtime.start_new("await_approval", instance_id, None))
        queue.send_message(json.dumps({"instance_id": instance_id, "decision": "yes"}))
        time.sleep(PROBE_FRESHNESS)  # the guarantee is for messages waiting longer than this
    # Nothing else runs now but a one-hour timer; the approval is already in the queue.
    status = devhost.wait_for(instance_id, 30)
    assert status["output"] == "decided: yes"
