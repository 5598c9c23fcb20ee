"""Choosing scenarios: offer-id words, scenario files, and their validation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from simulators import CppSimulator, Fault, ManualClock, Scenario, TokenAuthority
from simulators.cpp import scenario_from_offer_id
from simulators.cpp.simulator import load_scenarios
from simulators.durations import parse_duration
from tests.simulators.conftest import CppClient, operation_body


def test_a_plain_offer_id_is_the_default_scenario() -> None:
    assert scenario_from_offer_id("contoso-app") == Scenario()


def test_offer_id_words_set_their_parts() -> None:
    scenario = scenario_from_offer_id(
        "x-1d12h-polls5-faillive-blockedpackaging-canceledprovisioning-legacy-oploc-array"
        "-complete-unknownstatus-errtext-ignorecancel-rejected"
    )
    assert scenario.duration == timedelta(days=1, hours=12)
    assert scenario.polls == 5
    assert (scenario.fail_at, scenario.blocked_step, scenario.cancel_at) == (
        "live",
        "packaging",
        "provisioning",
    )
    assert scenario.location == "legacy"
    assert scenario.operation_header == "Operation-Location"
    assert scenario.array_body and scenario.error_as_text and scenario.reject
    assert not scenario.honour_cancel
    assert scenario.success_status == "Complete"
    assert scenario.running_status != "running"


def test_an_explicit_duration_beats_slow_whatever_the_order() -> None:
    assert scenario_from_offer_id("app-6h-slow").duration == timedelta(hours=6)
    assert scenario_from_offer_id("slow-app").duration == timedelta(days=3)


def test_fault_words_take_a_parameter_a_count_and_a_target() -> None:
    scenario = scenario_from_offer_id("app-throttleddate90x2_post-burst500-reset_any-hang3_cancel")
    assert scenario.faults == (
        Fault.throttled(90, as_date=True, times=2, on="golive"),
        Fault.server_errors(500, times=3),
        Fault.connection_reset(on="any"),
        Fault.slow_answer(3.0, on="cancel"),
    )


def test_unknown_words_and_unknown_steps_are_ignored() -> None:
    assert scenario_from_offer_id("contoso-failnowhere-blockedx-super-app") == Scenario()


def test_a_scenario_file_registers_offers(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(
        json.dumps(
            {
                "offers": {
                    "contoso/demo": {
                        "duration": "2d12h",
                        "blocked_step": "certification",
                        "blocked_for": "12h",
                        "array_body": True,
                        "faults": [{"kind": "status", "status": 503, "times": 2}],
                    },
                    "contoso/quick": {"polls": 1, "success_status": "Succeeded"},
                }
            }
        )
    )
    scenarios = load_scenarios(path)
    demo = scenarios[("contoso", "demo")]
    assert demo.duration == timedelta(days=2, hours=12)
    assert demo.blocked_for == timedelta(hours=12)
    assert demo.faults == (Fault(status=503, times=2),)
    clock = ManualClock()
    with CppSimulator(authority=TokenAuthority(), now=clock, offers_from_ids=False) as sim:
        sim.load_scenarios(path)
        client = CppClient(sim)
        accepted = client.golive("contoso", "quick")
        assert operation_body(client.poll(accepted))["status"] == "Succeeded"
        accepted = client.golive("contoso", "demo")
        assert [client.poll(accepted).status_code for _ in range(3)] == [503, 503, 200]
        assert client.golive("contoso", "other").status_code == 404


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"offers": {"no-slash": {}}}, "publisher/offer"),
        ({"offers": {"p/o": {"durration": "1h"}}}, "unknown scenario field"),
        ({"offers": {"p/o": {"fail_at": "nowhere"}}}, "unknown step"),
        ({"offers": {"p/o": {"duration": "soon"}}}, "not a duration"),
        ({"offers": {"p/o": {"faults": [{"on": "everything"}]}}}, "fault target"),
        ({"scenarios": {}}, "'offers'"),
    ],
)
def test_scenario_file_mistakes_are_named(tmp_path: Path, content: object, problem: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=problem):
        load_scenarios(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", 90), ("15m", 900), ("6h", 21600), ("3d", 259200), ("1d12h", 129600), (42, 42)],
)
def test_durations(text: str | int, expected: int) -> None:
    assert parse_duration(text) == timedelta(seconds=expected)
