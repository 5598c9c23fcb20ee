"""Timers in real and virtual time: human interaction both ways, and identical outputs."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests
from devhost.testing import run_devhost

from devhost_tests.e2e.helpers import APPS, eventually, fill, follow, start, status


def _waiting(status_url: str) -> bool:
    return status(status_url).get("customStatus") == "waiting for approval"


def test_approval_event_beats_the_timer() -> None:
    # Real time with a one-hour deadline: only the event can end this quickly.
    with run_devhost(APPS / "approval", virtual_time=False) as devhost:
        links = start(devhost, "approval", {"document": "budget.xlsx", "timeout_hours": 1})
        eventually(lambda: _waiting(links["statusQueryGetUri"]), what="approval wait")
        sent = requests.post(
            fill(links["sendEventPostUri"], eventName="Approval"),
            json={"approved": True, "by": "Ana"},
            timeout=10,
        )
        assert sent.status_code == 202
        final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {"outcome": "approved", "by": "Ana", "document": "budget.xlsx"}
    assert final["customStatus"] == "decided"


def test_approval_timer_beats_the_event_in_virtual_time() -> None:
    # Virtual time: nobody answers, the clock jumps three days to the deadline.
    with run_devhost(APPS / "approval", virtual_time=True) as devhost:
        started_at = devhost.clock.now()
        links = start(devhost, "approval", {"document": "memo.doc", "timeout_hours": 72})
        final = follow(links["statusQueryGetUri"])
        assert devhost.clock.now() - started_at >= timedelta(hours=72)
    assert final["runtimeStatus"] == "Completed"
    assert final["output"] == {
        "outcome": "timed out",
        "escalated_to": "manager",
        "document": "memo.doc",
    }
    assert final["customStatus"] == "escalated"
    created = datetime.fromisoformat(final["createdTime"].replace("Z", "+00:00"))
    updated = datetime.fromisoformat(final["lastUpdatedTime"].replace("Z", "+00:00"))
    assert updated - created >= timedelta(hours=72)  # status timestamps follow the clock


def test_same_output_in_real_and_virtual_time() -> None:
    plan = {"ticks": 3, "seconds": 1}
    outputs = []
    for virtual in (False, True):
        with run_devhost(APPS / "clocked", virtual_time=virtual) as devhost:
            links = start(devhost, "ticking", plan)
            final = follow(links["statusQueryGetUri"])
            assert final["runtimeStatus"] == "Completed"
            outputs.append(final["output"])
    real, virtual_output = outputs
    assert real == virtual_output
    assert real["elapsed_at_least"] is True
    assert [t["label"] for t in real["ticks"]] == ["tick-0", "tick-1", "tick-2"]
    assert all(t["woke_on_time"] for t in real["ticks"])
    assert [t["due_offset"] for t in real["ticks"]] == [1.0, 2.0, 3.0]


def test_two_week_timer_finishes_in_virtual_time() -> None:
    with run_devhost(APPS / "clocked", virtual_time=True) as devhost:
        links = start(devhost, "ticking", {"ticks": 2, "seconds": 7 * 24 * 3600})
        final = follow(links["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert [t["due_offset"] for t in final["output"]["ticks"]] == [604800.0, 1209600.0]
    assert final["output"]["elapsed_at_least"] is True
