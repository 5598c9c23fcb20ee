"""The Durable Functions patterns, each a sample app started over HTTP and followed to its end."""

from __future__ import annotations

import requests
from devhost.testing import RunningDevhost, devhost_fixture

from devhost_tests.e2e.helpers import APPS, eventually, fill, follow, start, status

fan_out = devhost_fixture(APPS / "fan_out")
monitor = devhost_fixture(APPS / "monitor")
sub_orchestration = devhost_fixture(APPS / "sub_orchestration")
retries = devhost_fixture(APPS / "retries")
failures = devhost_fixture(APPS / "failures")


def test_fan_out_fan_in_with_120_parallel_activities(fan_out: RunningDevhost) -> None:
    links = start(fan_out, "fan_out_fan_in", 120)
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {
        "count": 120,
        "total": sum(n * n for n in range(1, 121)),
        "first": [1, 4, 9],
    }


def test_monitor_with_timers_and_continue_as_new(monitor: RunningDevhost) -> None:
    plan = {"checks": 7, "every_minutes": 90, "per_generation": 3}
    links = start(monitor, "monitor", plan)
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    output = final["output"]
    assert output["generations"] == 3  # 7 checks, 3 per generation: two continue_as_new
    assert [r["check"] for r in output["results"]] == list(range(7))
    assert [r["reading"] for r in output["results"]] == [100 + 7 * n for n in range(7)]
    assert [r["minute"] for r in output["results"]] == [90 * n for n in range(7)]
    assert final["customStatus"] == {"phase": "done", "checks": 7}


def test_sub_orchestrations(sub_orchestration: RunningDevhost) -> None:
    links = start(sub_orchestration, "deploy_all", ["eu", "us", "asia"])
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {
        "regions": ["eu:vm-eu", "us:vm-us", "asia:vm-asia"],
        "audit": {"checked": 3, "instance": f"{links['id']}:audit", "parent": links["id"]},
    }
    child = status(links["statusQueryGetUri"].replace(links["id"], f"{links['id']}%3Aaudit"))
    assert child["runtimeStatus"] == "Completed"


def test_activity_retried_until_it_succeeds_on_third_attempt(retries: RunningDevhost) -> None:
    plan = {"failures": 2, "max_attempts": 5, "interval_ms": 30_000}
    final = follow(start(retries, "with_retry", plan)["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {"result": "succeeded on attempt 3", "attempts": 3}


def test_activity_that_exhausts_its_attempts(retries: RunningDevhost) -> None:
    plan = {"failures": 100, "max_attempts": 3, "interval_ms": 30_000}
    final = follow(start(retries, "with_retry", plan)["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["output"]["attempts"] == 3
    assert "transient failure on attempt 3" in final["output"]["error"]


def test_uncaught_activity_failure_fails_the_instance(failures: RunningDevhost) -> None:
    final = follow(start(failures, "activity_fails")["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Failed"
    assert "reactor 4 melted down" in str(final["output"])


def test_uncaught_orchestrator_error_fails_the_instance(failures: RunningDevhost) -> None:
    links = start(failures, "orchestrator_fails", "valve")
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Failed"
    assert "cannot continue after examined valve" in str(final["output"])
    strict = links["statusQueryGetUri"] + "&returnInternalServerErrorOnFailure=true"
    assert requests.get(strict, timeout=10).status_code == 500


def test_activity_failure_caught_by_the_orchestrator(failures: RunningDevhost) -> None:
    final = follow(start(failures, "caught_failure")["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert "reactor 5 melted down" in final["output"]["caught"]


def test_terminate_a_waiting_instance(failures: RunningDevhost) -> None:
    links = start(failures, "wait_forever")
    eventually(
        lambda: status(links["statusQueryGetUri"]).get("customStatus"),
        what="the orchestrator to start waiting",
    )
    response = requests.post(fill(links["terminatePostUri"], text="operator said stop"), timeout=10)
    assert response.status_code == 202
    final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Terminated"
    assert final["output"] == "operator said stop"


def test_custom_status_is_visible_while_running(failures: RunningDevhost) -> None:
    links = start(failures, "staged")
    first = eventually(
        lambda: status(links["statusQueryGetUri"]).get("customStatus"), what="custom status"
    )
    assert first == {"stage": 1, "note": "waiting for proceed"}
    assert status(links["statusQueryGetUri"])["runtimeStatus"] == "Running"
    requests.post(fill(links["sendEventPostUri"], eventName="proceed"), json="valve B", timeout=10)
    final = follow(links["statusQueryGetUri"])
    assert final["output"] == "examined valve B"
    assert final["customStatus"] == {"stage": 2, "note": "proceeding with valve B"}
