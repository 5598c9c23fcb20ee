"""Index a v2-model function app the way the Functions worker does, and refuse what we can't run.

The worker imports `function_app.py`, asks the app object for its functions once
(`app.get_functions()`; a second call raises a duplicate-name error) and reads each
function's bindings. devhost supports HTTP, queue, orchestration and activity triggers and the
durable client input binding; anything else is refused at load time with the function's and
the binding's name, so an app never half-runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from devhost.host_json import read_host_json

HTTP_TRIGGER = "httpTrigger"
HTTP_OUTPUT = "http"
QUEUE_TRIGGER = "queueTrigger"
ORCHESTRATION_TRIGGER = "orchestrationTrigger"
ACTIVITY_TRIGGER = "activityTrigger"
DURABLE_CLIENT = "durableClient"

_TRIGGERS = {HTTP_TRIGGER, QUEUE_TRIGGER, ORCHESTRATION_TRIGGER, ACTIVITY_TRIGGER}
_EXTRA_BINDINGS = {HTTP_OUTPUT, DURABLE_CLIENT}


@dataclass(frozen=True)
class FunctionSpec:
    """One indexed function: what the worker needs to invoke it."""

    name: str
    trigger: dict[str, Any]
    bindings: list[dict[str, Any]]
    user_function: Callable[..., Any]
    is_async: bool
    durable_client_arg: str | None
    trigger_arg: str


class UnsupportedBindingError(Exception):
    """A function uses a trigger or binding devhost cannot run; the message names both."""


class AppLoadError(Exception):
    """function_app.py is missing or defines no function app object."""


@dataclass
class FunctionRegistry:
    """Every function of the app, grouped by trigger kind and keyed by function name."""

    http: dict[str, FunctionSpec]
    queue: dict[str, FunctionSpec]
    orchestrators: dict[str, FunctionSpec]
    activities: dict[str, FunctionSpec]
    app_dir: Path
    host_json: dict[str, Any]
    # Other names an orchestrator/activity answers to (the Python name behind
    # @app.function_name, the trigger's `orchestration`/`activity` field).
    aliases: dict[str, str] = field(default_factory=dict)

    def find_orchestrator(self, name: str) -> FunctionSpec | None:
        """The orchestrator called `name` (or an alias of it), if any."""
        spec = self.orchestrators.get(name)
        return spec if spec is not None else self.orchestrators.get(self.aliases.get(name, ""))

    def find_activity(self, name: str) -> FunctionSpec | None:
        """The activity called `name` (or an alias of it), if any."""
        spec = self.activities.get(name)
        return spec if spec is not None else self.activities.get(self.aliases.get(name, ""))


def load_app(app_dir: Path) -> FunctionRegistry:
    """Import `app_dir/function_app.py` and index its functions (get_functions() called once)."""
    app_dir = Path(app_dir).resolve()
    module = _import_function_app(app_dir)
    app = _find_app(module, app_dir)
    registry = FunctionRegistry(
        http={},
        queue={},
        orchestrators={},
        activities={},
        app_dir=app_dir,
        host_json=read_host_json(app_dir, os.environ),
    )
    for function in app.get_functions():
        _register(registry, function)
    return registry


def _import_function_app(app_dir: Path) -> ModuleType:
    script = app_dir / "function_app.py"
    if not script.is_file():
        raise AppLoadError(f"{script} not found")
    if str(app_dir) not in sys.path:
        sys.path.insert(0, str(app_dir))
    digest = hashlib.sha1(str(app_dir).encode()).hexdigest()[:12]
    module_name = f"devhost_app_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, script)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"cannot import {script}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _find_app(module: ModuleType, app_dir: Path) -> func.FunctionRegister:
    apps = {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, func.FunctionRegister)
    }
    if not apps:
        raise AppLoadError(f"{app_dir / 'function_app.py'} defines no FunctionApp/DFApp object")
    return apps.get("app") or next(iter(apps.values()))


def _register(registry: FunctionRegistry, function: Any) -> None:
    name: str = function.get_function_name()
    bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
    trigger = _single_trigger(name, bindings)
    client_arg: str | None = None
    for binding in bindings:
        kind = binding.get("type")
        if binding is trigger:
            continue
        if kind not in _EXTRA_BINDINGS:
            raise UnsupportedBindingError(
                f"function '{name}': binding '{binding.get('name')}' of type '{kind}' "
                "is not supported by devhost"
            )
        if kind == HTTP_OUTPUT and trigger.get("type") != HTTP_TRIGGER:
            raise UnsupportedBindingError(
                f"function '{name}': binding '{binding.get('name')}' of type 'http' "
                "needs an HTTP trigger"
            )
        if kind == DURABLE_CLIENT:
            client_arg = str(binding["name"])
    user_function = function.get_user_function()
    spec = FunctionSpec(
        name=name,
        trigger=trigger,
        bindings=bindings,
        user_function=user_function,
        is_async=inspect.iscoroutinefunction(user_function),
        durable_client_arg=client_arg,
        trigger_arg=str(trigger["name"]),
    )
    kind = trigger["type"]
    if kind == HTTP_TRIGGER:
        registry.http[name] = spec
    elif kind == QUEUE_TRIGGER:
        registry.queue[name] = spec
    elif kind == ORCHESTRATION_TRIGGER:
        registry.orchestrators[name] = spec
        _add_aliases(registry, name, [function._name, trigger.get("orchestration")])
    else:
        registry.activities[name] = spec
        _add_aliases(registry, name, [function._name, trigger.get("activity")])


def _single_trigger(name: str, bindings: list[dict[str, Any]]) -> dict[str, Any]:
    triggers = [b for b in bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise UnsupportedBindingError(f"function '{name}' must have exactly one trigger")
    trigger = triggers[0]
    if trigger.get("type") not in _TRIGGERS:
        raise UnsupportedBindingError(
            f"function '{name}': trigger '{trigger.get('name')}' of type '{trigger.get('type')}' "
            "is not supported by devhost"
        )
    return trigger


def _add_aliases(registry: FunctionRegistry, name: str, candidates: list[Any]) -> None:
    for alias in candidates:
        if isinstance(alias, str) and alias and alias != name:
            registry.aliases.setdefault(alias, name)
