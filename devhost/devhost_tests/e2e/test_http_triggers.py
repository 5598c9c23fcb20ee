"""HTTP triggers over real HTTP: routes, methods, request and response mapping, settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from devhost.keys import KEY_HEADER
from devhost.testing import RunningDevhost, run_devhost

from devhost_tests.e2e.helpers import APPS

# Calls as an operator with the master key would make them (admitted at every level).
HTTP = requests.Session()
APP = APPS / "http_basics"


@pytest.fixture(scope="module")
def devhost() -> Iterator[RunningDevhost]:
    with run_devhost(APP, env={"OVERRIDDEN": "from the environment"}) as running:
        HTTP.headers[KEY_HEADER] = running.keys.master
        yield running


@pytest.fixture()
def api(devhost: RunningDevhost) -> str:
    return f"{devhost.base_url}/api"


def test_typed_route_parameter_and_query(api: str) -> None:
    response = HTTP.get(f"{api}/items/42?color=red&size=1&size=2", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["by"] == "id"
    assert body["id"] == "42"
    assert body["query"] == {"color": "red", "size": "1,2"}


def test_constraints_pick_the_route_and_literals_win(api: str) -> None:
    assert HTTP.get(f"{api}/items/special", timeout=10).json() == {"by": "literal"}
    assert HTTP.get(f"{api}/items/Widget", timeout=10).json() == {
        "by": "name",
        "name": "Widget",
    }
    # Neither int nor alpha: no route takes it.
    assert HTTP.get(f"{api}/items/4.5", timeout=10).status_code == 404


def test_optional_parameter_and_async_function(api: str) -> None:
    assert HTTP.get(f"{api}/greet", timeout=10).text.endswith(", stranger!")
    assert HTTP.post(f"{api}/greet/Ada", timeout=10).text.endswith(", Ada!")


def test_catch_all_parameter(api: str) -> None:
    assert HTTP.get(f"{api}/files/a/b/c.txt", timeout=10).json() == {"path": "a/b/c.txt"}
    assert HTTP.get(f"{api}/files", timeout=10).json() == {"path": ""}


def test_request_and_response_mapping(api: str) -> None:
    response = HTTP.put(
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
    assert HTTP.get(f"{api}/echo", timeout=10).status_code == 404
    assert HTTP.get(f"{api}/no/such/route", timeout=10).status_code == 404


def test_sync_functions_run_on_worker_threads(api: str) -> None:
    # the worker's own thread pool, never the thread running the host's event loop
    thread = HTTP.get(f"{api}/items/1", timeout=10).json()["thread"]
    assert thread.startswith("ThreadPoolExecutor") and thread != "devhost-loop"


def test_function_error_is_500(api: str) -> None:
    assert HTTP.get(f"{api}/broken", timeout=10).status_code == 500


def test_default_route_is_function_name_and_str_return(api: str) -> None:
    response = HTTP.get(f"{api}/plain_text", timeout=10)
    assert response.status_code == 200
    assert response.text == "just text"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [
        ("items/special", None, 401),  # FUNCTION level, no key
        ("items/special", "wrong", 401),
        ("items/special", "default", 200),
        ("items/special", "master", 200),
        ("items/special", "system", 401),  # the durable system key is not a function key
        ("admin/ping", "default", 401),  # ADMIN level: the master key only
        ("admin/ping", "master", 200),
        ("open/ping", None, 200),  # ANONYMOUS
    ],
)
def test_auth_levels_are_enforced_as_on_azure(
    devhost: RunningDevhost, api: str, path: str, key: str | None, expected: int
) -> None:
    keys = devhost.keys
    value = {"default": keys.default_function, "master": keys.master}.get(
        key or "", keys.durable_system if key == "system" else key
    )
    by_header = requests.get(
        f"{api}/{path}", headers={"x-functions-key": value} if value else {}, timeout=10
    )
    by_query = requests.get(f"{api}/{path}", params={"code": value} if value else {}, timeout=10)
    assert (by_header.status_code, by_query.status_code) == (expected, expected)
    if expected == 401:
        assert by_header.content == b""  # the host's 401 has no body


def test_durable_http_api_takes_the_system_or_master_key(devhost: RunningDevhost) -> None:
    url = f"{devhost.base_url}/runtime/webhooks/durabletask/instances/nobody-here"
    assert requests.get(url, timeout=10).status_code == 401
    assert (
        requests.get(url, params={"code": devhost.keys.default_function}, timeout=10).status_code
        == 401
    )
    for key in (devhost.keys.durable_system, devhost.keys.master):
        assert requests.get(url, params={"code": key}, timeout=10).status_code == 404


def test_keys_can_be_left_unchecked_as_core_tools_does() -> None:
    with run_devhost(APP, enforce_keys=False) as running:
        response = requests.get(f"{running.base_url}/api/admin/ping", timeout=10)
        assert (response.status_code, response.text) == (200, "admin pong")


def test_keys_are_kept_with_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    with run_devhost(APP, state_path=state) as first:
        keys = first.keys
    with run_devhost(APP, state_path=state) as second:
        assert second.keys == keys
        response = requests.get(
            f"{second.base_url}/api/items/special", params={"code": keys.default_function}
        )
        assert response.status_code == 200
    with run_devhost(APP) as in_memory:
        assert in_memory.keys != keys


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("owners/ann/pets/rex", {"owner": "ann", "pet": "rex"}),
        ("owners/a%2Fb/pets/rex", {"owner": "a%2Fb", "pet": "rex"}),  # %2F is not a separator
        ("owners/a%252Fb/pets/rex", {"owner": "a%2Fb", "pet": "rex"}),  # %25 decodes to %
        ("owners/a%20b/pets/r%C3%A9x", {"owner": "a b", "pet": "réx"}),  # the rest is decoded
    ],
)
def test_routes_match_the_encoded_path_as_aspnet_core_does(
    api: str, path: str, expected: dict[str, str]
) -> None:
    response = HTTP.get(f"{api}/{path}", timeout=10)
    assert response.status_code == 200
    assert response.json() == expected


def test_an_encoded_slash_does_not_make_a_route_match(api: str) -> None:
    assert HTTP.get(f"{api}/owners/ann%2Fpets%2Frex", timeout=10).status_code == 404


def test_local_settings_fill_the_environment_but_do_not_override_it(api: str) -> None:
    assert HTTP.get(f"{api}/greet", timeout=10).text.startswith("Hello from local.settings.json")
    assert HTTP.get(f"{api}/settings", timeout=10).json() == {"OVERRIDDEN": "from the environment"}


def test_environment_is_restored_after_the_run() -> None:
    before = dict(os.environ)
    with run_devhost(APP, env={"DEVHOST_MARKER": "set for this run"}):
        assert os.environ["DEVHOST_MARKER"] == "set for this run"
    assert dict(os.environ) == before
