"""The app as Azure's Python worker indexes it: the pinned azure-functions-runtime, nothing else.

On Azure one function the worker refuses (say, a binding annotated `dict[str, Any]`) fails
the whole app ("Worker failed to index functions"). This test hands the app to the same
worker code, pinned in requirements.txt, and checks every function loads with the bindings
the README documents: the HTTP routes of its route table, the queue trigger on the request
queue, the orchestrator and the activities it calls.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from devhost.worker import IndexedFunction, PythonWorker, WorkerRefusedAppError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The operators' page and its files hold no data: anonymous, and no durable client.
PAGE_ROUTES = {"dashboard", "dashboard/{asset}"}
APP_SETTINGS = {
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "EVENTGRID_TOPIC_ENDPOINT": "https://topic.westeurope-1.eventgrid.azure.net/api/events",
}


def _pinned(package: str) -> str:
    text = (PROJECT_ROOT / "requirements.txt").read_text()
    found = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
    assert found, f"{package} is not pinned in requirements.txt"
    return found.group(1)


def _documented_routes() -> set[tuple[str, str]]:
    """(method, route) of each row of the README's route table."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `(GET|POST|PUT|DELETE) /api/([^`\s]+)`", readme, re.MULTILINE)
    return {(method, route) for method, route in rows}


@pytest.fixture(scope="module")
def functions(monkeypatch_module: pytest.MonkeyPatch) -> list[IndexedFunction]:
    for name, value in APP_SETTINGS.items():
        monkeypatch_module.setenv(name, value)
    try:
        return PythonWorker(PROJECT_ROOT).load()
    except WorkerRefusedAppError as refused:
        pytest.fail(f"Azure's worker refuses the app: {refused}")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _triggers(functions: list[IndexedFunction], kind: str) -> list[dict[str, Any]]:
    return [b for f in functions for b in f.bindings if b["type"] == kind]


def test_the_worker_azure_runs_is_the_pinned_one() -> None:
    assert version("azure-functions-runtime") == _pinned("azure-functions-runtime")
    assert version("azure-functions") == _pinned("azure-functions")


def test_every_function_loads_in_the_worker(functions: list[IndexedFunction]) -> None:
    assert functions, "the worker indexed no function"
    for function in functions:
        triggers = [b for b in function.bindings if b["type"].endswith("Trigger")]
        assert len(triggers) == 1, function


def test_http_routes_are_the_documented_ones_with_function_keys(
    functions: list[IndexedFunction],
) -> None:
    served = set()
    for trigger in _triggers(functions, "httpTrigger"):
        expected = "ANONYMOUS" if trigger["route"] in PAGE_ROUTES else "FUNCTION"
        assert trigger["authLevel"] == expected, trigger
        served |= {(method, trigger["route"]) for method in trigger["methods"]}
    documented = _documented_routes()
    assert documented, "the README lists no route"
    assert documented <= served, f"documented but not served: {documented - served}"
    assert served <= documented, f"served but not documented: {served - documented}"


def test_http_functions_return_through_the_http_output_and_use_the_durable_client(
    functions: list[IndexedFunction],
) -> None:
    for function in functions:
        kinds = {b["type"] for b in function.bindings}
        routes = {b.get("route") for b in function.bindings}
        if "httpTrigger" in kinds and not routes & PAGE_ROUTES:
            assert {"http", "durableClient"} <= kinds, function


def test_the_queue_trigger_reads_the_request_queue_with_the_storage_connection(
    functions: list[IndexedFunction],
) -> None:
    (queue,) = _triggers(functions, "queueTrigger")
    assert queue["queueName"] in ("%GOLIVE_QUEUE_NAME%", "golive-requests")
    assert queue.get("connection", "AzureWebJobsStorage") == "AzureWebJobsStorage"


def test_one_orchestrator_and_activities_named_as_they_are_called(
    functions: list[IndexedFunction],
) -> None:
    assert len(_triggers(functions, "orchestrationTrigger")) == 1
    activities = [f for f in functions if f.bindings[0]["type"] == "activityTrigger"]
    assert activities
    for function in activities:
        # the Durable extension finds an activity by the name its trigger gives
        assert function.bindings[0]["activity"] == function.name
