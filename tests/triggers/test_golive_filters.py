"""The list route's filters and continuation tokens, without a host."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import azure.durable_functions as df
import pytest
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus

from golive import events
from golive.errors import InvalidFilterError
from triggers.golive_filters import parse_filter
from triggers.golive_list import Position
from triggers.status_view import go_live_row, go_live_view, offer_of


def query(**params: str) -> dict[str, list[str]]:
    return {name: [value] for name, value in params.items()}


def test_no_parameters_is_everything() -> None:
    wanted = parse_filter({})
    assert wanted.runtime_statuses() == ()
    assert wanted.instance_id_prefix() == "golive:"
    assert wanted.matches({"phase": "polling", "outcome": None, "api": "cpp"})


def test_values_are_read_case_insensitively_and_comma_separated() -> None:
    wanted = parse_filter(query(phase="Polling,starting", outcome="timedout,None", api="CPP"))
    assert wanted.phases == {"polling", "starting"}
    assert wanted.outcomes == {events.TIMED_OUT, None}
    assert wanted.apis == {"cpp"}


def test_the_extension_filters_what_it_can() -> None:
    running = parse_filter(query(needsPerson="true", publisher="Contoso"))
    assert df.OrchestrationRuntimeStatus.Running in running.runtime_statuses()
    assert running.instance_id_prefix() == "golive:contoso:"
    ended = parse_filter(query(running="false"))
    assert df.OrchestrationRuntimeStatus.Completed in ended.runtime_statuses()


@pytest.mark.parametrize(
    "params",
    [
        {"phase": "waiting"},
        {"top": "1,2"},
        {"needsPerson": "true,false"},
        {"publisher": "a/b"},
        {"whatever": "1"},
    ],
)
def test_bad_parameters_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(InvalidFilterError):
        parse_filter(query(**params))


def test_a_position_survives_its_token() -> None:
    for position in (Position(), Position("c2tpcA==", 7), Position('{"odd": "token"}', 0)):
        assert Position.decode(position.encode()) == position


@pytest.mark.parametrize("token", ["", "???", "bm90IGpzb24", "eyJ0IjoxLCJzIjoxfQ"])
def test_a_token_the_route_did_not_give_is_refused(token: str) -> None:
    with pytest.raises(InvalidFilterError):
        Position.decode(token)


def status(custom: Mapping[str, object], runtime: str = "Running") -> DurableOrchestrationStatus:
    return DurableOrchestrationStatus(
        name="go_live_orchestrator",
        instanceId="golive:contoso:offer-1",
        createdTime=datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        lastUpdatedTime=datetime(2026, 1, 2, tzinfo=UTC).isoformat(),
        runtimeStatus=runtime,
        customStatus=custom,
    )


def test_a_row_needs_a_person_only_while_the_go_live_runs() -> None:
    reason = [{"step": "certification", "status": "blocked", "message": "add a contact"}]
    custom = {"phase": "polling", "attention": reason, "steps": [{"name": "x"}]}
    row = go_live_row(status(custom))
    assert row["needsPerson"] is True
    assert row["attention"] == reason
    assert "steps" not in row and "events" not in row
    assert [step["name"] for step in go_live_view(status(custom))["steps"]] == ["x"]
    ended = go_live_row(status(custom, runtime="Terminated"))
    assert ended["needsPerson"] is False and ended["attention"] == []


def test_the_api_is_cpp_unless_the_status_says_otherwise() -> None:
    assert go_live_row(status({}))["api"] == "cpp"
    chosen = {"phase": "starting", "api": "productIngestion"}
    assert go_live_row(status(chosen))["api"] == "productIngestion"


def test_offer_of_reads_the_instance_id_back() -> None:
    assert offer_of("golive:contoso:offer-1") == ("contoso", "offer-1")
    assert offer_of("someone-else") == (None, None)
