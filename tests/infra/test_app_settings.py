"""Every setting the app's code reads is set by infra/ and listed in the README, and the reverse;
where infra/ sets it from a parameter, the parameter's default is the README's and the code's.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from golive import settings as settings_module
from golive.settings import load_settings
from tests.infra.bicep import INFRA, MAIN, accessor, parse
from tests.support import PROJECT_ROOT

REQUIRED_ONLY = {"EVENTGRID_TOPIC_ENDPOINT": "https://topic.example/api/events"}

# Read by the code, deliberately never set on Azure.
NOT_DEPLOYED = {
    "EVENTGRID_TOPIC_KEY": "identity only: the topic has local auth disabled, a key cannot work",
}

# Set by infra/ for the platform (host, Durable extension, Python worker), not read by the
# app's code; each is checked in test_bicep.py or test_telemetry.py.
PLATFORM_SETTINGS = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    "PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY",
    "PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME",
}


class _Recorder(Mapping[str, str]):
    """An environment that remembers every name looked up in it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self._values[key]

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("settings must be read by name, not by listing the environment")

    def __len__(self) -> int:
        return len(self._values)


def binding_connections() -> set[str]:
    """The `connection=` settings of the app's trigger and binding decorators."""
    names: set[str] = set()
    for path in (PROJECT_ROOT / "triggers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "connection":
                value = node.value
                assert isinstance(value, ast.Constant), f"{path}: computed connection name"
                assert isinstance(value.value, str)
                names.add(value.value)
    return names


def settings_read_by_code() -> set[str]:
    environment = _Recorder(REQUIRED_ONLY)
    load_settings(environment)
    return environment.read | binding_connections()


def declared_settings() -> set[str] | None:
    """The names of golive.settings' own table of settings, once it has one (`SETTINGS`)."""
    table = getattr(settings_module, "SETTINGS", None)
    if table is None:
        return None
    if isinstance(table, Mapping):
        return {str(name) for name in table}
    return {str(entry.name) for entry in table}


def test_the_settings_table_is_what_the_code_reads() -> None:
    declared = declared_settings()
    if declared is None:
        pytest.skip("golive.settings has no SETTINGS table yet")
    environment = _Recorder(REQUIRED_ONLY)
    load_settings(environment)
    assert declared == environment.read


def readme_settings() -> dict[str, str]:
    """The README's configuration table: setting -> default as written."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([A-Za-z0-9_]+)` \| ([^|]+?) \|", section, re.M)
    assert rows, "no configuration table in the README"
    return {name: default.strip().strip("`") for name, default in rows}


def deployed_settings() -> dict[str, Any]:
    """Every app setting infra/ gives the function app, as parsed Bicep values."""
    main_settings = parse(MAIN).module("app/function-app.bicep")["params"]["appSettings"]
    platform = parse("app/function-app.bicep").variable("platformSettings")
    assert not set(main_settings) & set(platform)
    return {**main_settings, **platform}


def is_deployed(name: str, deployed: Mapping[str, Any]) -> bool:
    """Set as such, or as identity-based connection parts (`name__credential`, ...)."""
    return name in deployed or any(key.startswith(f"{name}__") for key in deployed)


def test_the_recorder_sees_what_the_code_reads() -> None:
    read = settings_read_by_code()
    assert {"GOLIVE_QUEUE_NAME", "EVENTGRID_TOPIC_ENDPOINT", "AzureWebJobsStorage"} <= read


def test_each_setting_the_code_reads_is_deployed_and_documented() -> None:
    read = settings_read_by_code()
    deployed = deployed_settings()
    assert read - set(readme_settings()) == set()
    assert {name for name in read - NOT_DEPLOYED.keys() if not is_deployed(name, deployed)} == set()
    assert {name for name in NOT_DEPLOYED if is_deployed(name, deployed)} == set()


def test_each_documented_or_deployed_setting_is_read_by_the_code() -> None:
    read = settings_read_by_code()
    assert set(readme_settings()) - read == set()
    app_level = {
        name
        for name in deployed_settings()
        if name not in PLATFORM_SETTINGS and not any(name.startswith(f"{r}__") for r in read)
    }
    assert app_level - read == set()


def parameter_backed() -> dict[str, str]:
    """Setting -> main.bicep parameter, for the settings set straight from a parameter."""
    main = parse(MAIN)
    return {
        name: value
        for name, value in parse(MAIN)
        .module("app/function-app.bicep")["params"]["appSettings"]
        .items()
        if isinstance(value, str) and value in main.parameters
    }


def test_settings_from_deployed_resources_have_no_default() -> None:
    """Those not from a parameter come from the deployment itself (identity, topic)."""
    readme = readme_settings()
    main_settings = parse(MAIN).module("app/function-app.bicep")["params"]["appSettings"]
    for name in set(main_settings) - set(parameter_backed()):
        assert accessor(main_settings[name])[1] == "outputs", name
        assert readme[name] in ("(required)", "(unset)"), name


@pytest.mark.parametrize("setting", sorted(parameter_backed()))
def test_the_default_is_the_same_in_readme_bicep_parameters_and_code(setting: str) -> None:
    readme_default = readme_settings()[setting]
    parameter = parameter_backed()[setting]
    assert parse(MAIN).parameters[parameter]["default"] == readme_default
    mapped = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    # azd substitutes ${NAME=default} from the environment (`azd env set NAME value`).
    assert mapped["parameters"][parameter]["value"] == f"${{{setting}={readme_default}}}"
    # The code reads the README default as the very value it uses when the setting is unset.
    assert load_settings({**REQUIRED_ONLY, setting: readme_default}) == load_settings(REQUIRED_ONLY)
