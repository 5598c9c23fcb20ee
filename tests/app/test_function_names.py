"""The Durable names the orchestrator calls are the names the functions are registered
under, and the Python names of those functions: one name per function everywhere."""

from __future__ import annotations

from activities.blueprint import blueprint as activities
from golive import function_names
from orchestrators.blueprint import blueprint as orchestrators


def test_every_durable_name_is_its_functions_name() -> None:
    registered: dict[str, str] = {}
    for blueprint in (activities, orchestrators):
        for builder in blueprint._function_builders:
            function = builder._function
            [trigger] = function.get_bindings_dict()["bindings"]
            name = trigger.get("activity") or trigger.get("orchestration")
            registered[name] = function.get_function_name()
    expected = {
        function_names.ORCHESTRATOR,
        function_names.GO_LIVE_ACTIVITY,
        function_names.POLL_ACTIVITY,
        function_names.CANCEL_ACTIVITY,
        function_names.PUBLISH_ACTIVITY,
        function_names.INGESTION_START_ACTIVITY,
        function_names.INGESTION_JOB_ACTIVITY,
        function_names.INGESTION_LIVE_ACTIVITY,
        function_names.INGESTION_CANCEL_ACTIVITY,
    }
    assert set(registered) == expected
    assert all(durable == python for durable, python in registered.items())
