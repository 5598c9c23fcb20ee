"""The SDK's DurableOrchestrationClient, unmodified, against devhost; and the public HTTP API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from devhost.keys import KEY_HEADER
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS, eventually, fill, follow, start, status

# Calls as an operator with the master key would make them (admitted at every level).
HTTP = requests.Session()
APP = APPS / "chaining"
WEBHOOKS = "/runtime/webhooks/durabletask"


@pytest.fixture(scope="module")
def devhost() -> Iterator[RunningDevhost]:
    with run_devhost(APP) as running:
        HTTP.headers[KEY_HEADER] = running.keys.master
        yield running


def _running(devhost: RunningDevhost, instance_id: str) -> bool:
    found = devhost.runtime.get_status(instance_id)
    return found is not None and found["runtimeStatus"] == "Running"


def test_function_chaining_through_the_status_url(devhost: RunningDevhost) -> None:
    links = start(devhost, "chain")
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["name"] == "chain"
    assert final["instanceId"] == links["id"]
    assert final["output"] == [
        "Hello Tokyo!",
        "Hello Seattle!",
        "Hello London!",
        "HELLO TOKYO!, HELLO SEATTLE!, HELLO LONDON!",
    ]


def test_an_activity_with_a_durable_client_binding_uses_it(devhost: RunningDevhost) -> None:
    links = start(devhost, "start_through_an_activity", ["Lima"])
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed", final["output"]
    assert final["output"]["function_name"] == "start_chain"  # its `context` argument
    started = final["output"]["instance_id"]
    chained = follow(
        f"{devhost.base_url}{WEBHOOKS}/instances/{started}?code={devhost.keys.durable_system}"
    )
    assert chained["output"] == ["Hello Lima!", "HELLO LIMA!"]


def test_check_status_payload_points_at_devhost(devhost: RunningDevhost) -> None:
    links = start(devhost, "chain", ["Oslo"])
    instance = f"{devhost.base_url}{WEBHOOKS}/instances/{links['id']}"
    assert links["statusQueryGetUri"].startswith(instance + "?")
    assert links["sendEventPostUri"].startswith(instance + "/raiseEvent/{eventName}?")
    assert links["terminatePostUri"].startswith(instance + "/terminate?reason={text}")
    assert links["purgeHistoryDeleteUri"].startswith(instance + "?")
    assert follow(links["statusQueryGetUri"])["output"][0] == "Hello Oslo!"


def test_start_with_an_id_refuses_a_running_id_and_restarts_a_finished_one(
    devhost: RunningDevhost,
) -> None:
    instance_id = f"singleton-{uuid.uuid4().hex[:8]}"
    first = start(devhost, "wait_for_go", {"n": 1}, instance_id=instance_id)
    assert first["id"] == instance_id
    eventually(lambda: _running(devhost, instance_id), what="instance running")

    again = HTTP.post(
        f"{devhost.base_url}/api/orchestrators/wait_for_go/{instance_id}",
        json={"n": 2},
        timeout=10,
    )
    assert again.status_code == 409  # the starter's answer when the client raised
    assert "already exists" in again.text

    sent = HTTP.post(fill(first["sendEventPostUri"], eventName="go"), json="ready", timeout=10)
    assert sent.status_code == 202
    assert follow(first["statusQueryGetUri"])["output"] == {"received": "ready", "input": {"n": 1}}

    second = start(devhost, "wait_for_go", {"n": 3}, instance_id=instance_id)
    HTTP.post(fill(second["sendEventPostUri"], eventName="go"), json=[1, 2], timeout=10)
    assert follow(second["statusQueryGetUri"])["output"] == {"received": [1, 2], "input": {"n": 3}}


def test_get_status_through_the_client_with_history_and_input(devhost: RunningDevhost) -> None:
    links = start(devhost, "chain", ["Rome"])
    follow(links["statusQueryGetUri"])
    url = f"{devhost.base_url}/api/status/{links['id']}"
    plain = HTTP.get(url, timeout=10).json()
    assert plain["runtimeStatus"] == "Completed"
    assert plain["input"] == ["Rome"]
    assert plain["output"] == ["Hello Rome!", "HELLO ROME!"]
    assert not plain["historyEvents"]

    detailed = HTTP.get(
        url + "?show_history=true&show_history_output=true&show_input=true", timeout=10
    ).json()
    events = detailed["historyEvents"]
    assert events, "history asked for but not returned"
    kinds = [event["EventType"] for event in events]
    assert kinds[0] == "ExecutionStarted"
    assert kinds[-1] == "ExecutionCompleted"
    assert kinds.count("TaskCompleted") == 2

    assert (
        HTTP.get(f"{devhost.base_url}/api/status/nope-{uuid.uuid4()}", timeout=10).status_code
        == 404
    )


def test_get_status_all_and_by_runtime_status(devhost: RunningDevhost) -> None:
    waiting = start(devhost, "wait_for_go", None)
    done = start(devhost, "chain", ["Lima"])
    follow(done["statusQueryGetUri"])
    eventually(lambda: _running(devhost, waiting["id"]), what="instance running")

    everything = HTTP.get(f"{devhost.base_url}/api/statuses", timeout=10).json()
    ids = {s["instanceId"] for s in everything}
    assert {waiting["id"], done["id"]} <= ids

    running = HTTP.get(f"{devhost.base_url}/api/statuses?runtimeStatus=Running", timeout=10).json()
    running_ids = {s["instanceId"] for s in running}
    assert waiting["id"] in running_ids
    assert done["id"] not in running_ids
    assert all(s["runtimeStatus"] == "Running" for s in running)

    HTTP.post(f"{devhost.base_url}/api/terminate/{waiting['id']}", timeout=10)
    assert follow(waiting["statusQueryGetUri"])["runtimeStatus"] == "Terminated"


def test_raise_event_through_the_client_then_gone(devhost: RunningDevhost) -> None:
    links = start(devhost, "wait_for_go", "payload")
    eventually(lambda: _running(devhost, links["id"]), what="instance running")
    raised = HTTP.post(
        f"{devhost.base_url}/api/events/{links['id']}/go", json={"k": "v"}, timeout=10
    )
    assert raised.status_code == 202
    assert follow(links["statusQueryGetUri"])["output"] == {
        "received": {"k": "v"},
        "input": "payload",
    }
    late = HTTP.post(f"{devhost.base_url}/api/events/{links['id']}/go", json=1, timeout=10)
    assert late.status_code == 410
    assert "is gone" in late.text


def test_terminate_through_the_client_and_the_http_api(devhost: RunningDevhost) -> None:
    links = start(devhost, "wait_for_go", None)
    eventually(lambda: _running(devhost, links["id"]), what="instance running")
    assert (
        HTTP.post(
            f"{devhost.base_url}/api/terminate/{links['id']}?reason=enough", timeout=10
        ).status_code
        == 202
    )
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Terminated"
    assert final["output"] == "enough"
    again = HTTP.post(fill(links["terminatePostUri"], text="again"), timeout=10)
    assert again.status_code == 410


def test_purge_instance_history(devhost: RunningDevhost) -> None:
    links = start(devhost, "chain", ["Kyiv"])
    follow(links["statusQueryGetUri"])
    purge = f"{devhost.base_url}/api/purge/{links['id']}"
    assert HTTP.delete(purge, timeout=10).json() == {"deleted": 1}
    assert HTTP.get(links["statusQueryGetUri"], timeout=10).status_code == 404
    assert HTTP.delete(purge, timeout=10).json() == {"deleted": 0}


def test_public_http_api_start_status_and_errors(devhost: RunningDevhost) -> None:
    api = f"{devhost.base_url}{WEBHOOKS}"
    started = HTTP.post(f"{api}/orchestrators/chain", json=["Quito"], timeout=10)
    assert started.status_code == 202
    body = started.json()
    assert started.headers["Location"] == body["statusQueryGetUri"]
    final = follow(body["statusQueryGetUri"])
    assert final["input"] == ["Quito"]
    assert final["output"][0] == "Hello Quito!"

    unknown = HTTP.post(f"{api}/orchestrators/no_such_orchestrator", timeout=10)
    assert unknown.status_code == 400
    assert "no_such_orchestrator" in unknown.json()["ExceptionMessage"]

    missing = f"{api}/instances/missing-{uuid.uuid4()}"
    assert HTTP.get(missing, timeout=10).status_code == 404
    assert HTTP.post(f"{missing}/raiseEvent/go", json=1, timeout=10).status_code == 404
    assert HTTP.post(f"{missing}/terminate", timeout=10).status_code == 404
    assert HTTP.delete(missing, timeout=10).status_code == 404

    listed = HTTP.get(f"{api}/instances?runtimeStatus=Completed", timeout=10)
    assert listed.status_code == 200
    assert body["id"] in {s["instanceId"] for s in listed.json()}


def test_status_while_running_is_202_with_location(devhost: RunningDevhost) -> None:
    links = start(devhost, "wait_for_go", None)
    eventually(lambda: _running(devhost, links["id"]), what="instance running")
    response = HTTP.get(links["statusQueryGetUri"], timeout=10)
    assert response.status_code == 202
    assert response.headers["Location"] == links["statusQueryGetUri"]
    assert int(response.headers["Retry-After"]) > 0
    assert status(links["statusQueryGetUri"])["runtimeStatus"] == "Running"
    bad = HTTP.post(
        fill(links["sendEventPostUri"], eventName="go"),
        data="not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert bad.status_code == 400
    HTTP.post(fill(links["terminatePostUri"], text="cleanup"), timeout=10)
    follow(links["statusQueryGetUri"])


def test_public_http_api_start_and_wait(devhost: RunningDevhost) -> None:
    api = f"{devhost.base_url}{WEBHOOKS}"
    response = HTTP.post(
        f"{api}/orchestrators/chain?timeout=30&pollingInterval=0.05", json=["Baku"], timeout=60
    )
    assert response.status_code == 200
    assert response.json() == ["Hello Baku!", "HELLO BAKU!"]


def test_public_http_api_restart_reuses_the_input(devhost: RunningDevhost) -> None:
    links = start(devhost, "chain", ["Lagos"])
    follow(links["statusQueryGetUri"])
    restarted = HTTP.post(links["restartPostUri"], timeout=10)
    assert restarted.status_code == 202
    again = restarted.json()
    assert again["id"] != links["id"]
    assert follow(again["statusQueryGetUri"])["output"] == ["Hello Lagos!", "HELLO LAGOS!"]


def test_public_http_api_paging_and_filtered_purge(devhost: RunningDevhost) -> None:
    api = f"{devhost.base_url}{WEBHOOKS}"
    prefix = f"page-{uuid.uuid4().hex[:6]}-"
    for n in range(3):
        follow(start(devhost, "chain", [str(n)], instance_id=f"{prefix}{n}")["statusQueryGetUri"])
    first = HTTP.get(f"{api}/instances?instanceIdPrefix={prefix}&top=2", timeout=10)
    token = first.headers["x-ms-continuation-token"]
    assert [s["instanceId"] for s in first.json()] == [f"{prefix}0", f"{prefix}1"]
    second = HTTP.get(
        f"{api}/instances?instanceIdPrefix={prefix}&top=2",
        headers={"x-ms-continuation-token": token},
        timeout=10,
    )
    assert [s["instanceId"] for s in second.json()] == [f"{prefix}2"]
    assert not second.headers["x-ms-continuation-token"]

    assert HTTP.delete(f"{api}/instances", timeout=10).status_code == 400
    waiting = start(devhost, "wait_for_go", None)
    eventually(lambda: _running(devhost, waiting["id"]), what="instance running")
    purged = HTTP.delete(
        f"{api}/instances?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Running", timeout=10
    )
    assert purged.status_code == 200
    assert purged.json()["instancesDeleted"] >= 1
    assert HTTP.get(waiting["statusQueryGetUri"], timeout=10).status_code == 404
    assert HTTP.get(f"{api}/instances/{prefix}0", timeout=10).status_code == 200


def test_suspend_is_reported_as_not_supported(devhost: RunningDevhost) -> None:
    links = start(devhost, "wait_for_go", None)
    eventually(lambda: _running(devhost, links["id"]), what="instance running")
    assert HTTP.post(fill(links["suspendPostUri"], text="x"), timeout=10).status_code == 501
    HTTP.post(fill(links["terminatePostUri"], text="cleanup"), timeout=10)
    follow(links["statusQueryGetUri"])
