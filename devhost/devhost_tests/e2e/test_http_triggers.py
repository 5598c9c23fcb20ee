"""HTTP triggers over real HTTP: routes, methods, request and response mapping, settings."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS

APP = APPS / "http_basics"


@pytest.fixture(scope="module")
def devhost() -> Iterator[RunningDevhost]:
    with run_devhost(APP, env={"OVERRIDDEN": "from the environment"}) as running:
        yield running


@pytest.fixture()
def api(devhost: RunningDevhost) -> str:
    return f"{devhost.base_url}/api"


def test_typed_route_parameter_and_query(api: str) -> None:
    response = requests.get(f"{api}/items/42?color=red&size=1&size=2", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["by"] == "id"
    assert body["id"] == "42"
    assert body["query"] == {"color": "red", "size": "1,2"}


def test_constraints_pick_the_route_and_literals_win(api: str) -> None:
    assert requests.get(f"{api}/items/special", timeout=10).json() == {"by": "literal"}
    assert requests.get(f"{api}/items/Widget", timeout=10).json() == {
        "by": "name",
        "name": "Widget",
    }
    # Neither int nor alpha: no route takes it.
    assert requests.get(f"{api}/items/4.5", timeout=10).status_code == 404


def test_optional_parameter_and_async_function(api: str) -> None:
    assert requests.get(f"{api}/greet", timeout=10).text.endswith(", stranger!")
    assert requests.post(f"{api}/greet/Ada", timeout=10).text.endswith(", Ada!")


def test_catch_all_parameter(api: str) -> None:
    assert requests.get(f"{api}/files/a/b/c.txt", timeout=10).json() == {"path": "a/b/c.txt"}
    assert requests.get(f"{api}/files", timeout=10).json() == {"path": ""}


def test_request_and_response_mapping(api: str) -> None:
    response = requests.put(
        f"{api}/echo?x=1", json={"hello": "world"}, headers={"X-Custom": "abc"}, timeout=10
    )
    assert response.status_code == 201
    assert response.headers["X-Echo"] == "yes"
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["method"] == "PUT"
    assert body["url"] == f"{api}/echo?x=1"
    assert body["header"] == "abc"
    assert body["json"] == {"hello": "world"}
    assert body["function"] == "echo"  # the func.Context argument


def test_method_not_allowed_by_the_trigger_is_not_found(api: str) -> None:
    assert requests.get(f"{api}/echo", timeout=10).status_code == 404
    assert requests.get(f"{api}/no/such/route", timeout=10).status_code == 404


def test_sync_functions_run_on_worker_threads(api: str) -> None:
    # the worker's own thread pool, never the thread running the host's event loop
    thread = requests.get(f"{api}/items/1", timeout=10).json()["thread"]
    assert thread.startswith("ThreadPoolExecutor") and thread != "devhost-loop"


def test_function_error_is_500(api: str) -> None:
    assert requests.get(f"{api}/broken", timeout=10).status_code == 500


def test_default_route_is_function_name_and_str_return(api: str) -> None:
    response = requests.get(f"{api}/plain_text", timeout=10)
    assert response.status_code == 200
    assert response.text == "just text"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_function_keys_are_not_enforced_locally(api: str) -> None:
    # authLevel is FUNCTION; like Core Tools, devhost serves the call without a key.
    assert requests.get(f"{api}/items/special", timeout=10).status_code == 200


def test_local_settings_fill_the_environment_but_do_not_override_it(api: str) -> None:
    assert requests.get(f"{api}/greet", timeout=10).text.startswith(
        "Hello from local.settings.json"
    )
    assert requests.get(f"{api}/settings", timeout=10).json() == {
        "OVERRIDDEN": "from the environment"
    }


def test_environment_is_restored_after_the_run() -> None:
    before = dict(os.environ)
    with run_devhost(APP, env={"DEVHOST_MARKER": "set for this run"}):
        assert os.environ["DEVHOST_MARKER"] == "set for this run"
    assert dict(os.environ) == before
