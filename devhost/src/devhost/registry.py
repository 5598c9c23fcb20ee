"""The app's functions as the Python worker indexed them, and refusal of what devhost can't run.

Indexing is the worker's own (`azure-functions-runtime`, see devhost.worker): it imports
`function_app.py`, finds the one app object, validates every function's parameters against
its bindings and refuses the whole app for one bad function, exactly as on Azure. devhost
then reads the metadata the worker returned (function names, ids and raw bindings) and
refuses, by function and binding name, any trigger or binding it does not host (HTTP,
queue, orchestration and activity triggers and the durable client binding are hosted), so an
app never half-runs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.host_json import read_host_json
from devhost.worker import APP_SCRIPT, IndexedFunction, PythonWorker, WorkerRefusedAppError

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
    """One indexed function: its worker function id and the bindings the host fills."""

    name: str
    function_id: str
    trigger: dict[str, Any]
    bindings: list[dict[str, Any]]
    durable_client_arg: str | None
    trigger_arg: str


class UnsupportedBindingError(Exception):
    """A function uses a trigger or binding devhost cannot run; the message names both."""


class AppLoadError(Exception):
    """function_app.py is missing, fails to import, or the worker refused it.

    The message is one line naming the file and the cause; `details` holds the worker's
    stack trace when there is one."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


@dataclass
class FunctionRegistry:
    """Every function of the app, grouped by trigger kind and keyed by function name."""

    http: dict[str, FunctionSpec]
    queue: dict[str, FunctionSpec]
    orchestrators: dict[str, FunctionSpec]
    activities: dict[str, FunctionSpec]
    app_dir: Path
    host_json: dict[str, Any]
    worker: PythonWorker
    # The name an orchestrator/activity is called by when its trigger names one
    # (`orchestration`/`activity`), as the Durable extension registers it.
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
    """Read host.json, have the worker index `app_dir/function_app.py`, group its functions."""
    app_dir = Path(app_dir).resolve()
    script = app_dir / APP_SCRIPT
    if not script.is_file():
        raise AppLoadError(f"{script} not found")
    host_json = read_host_json(app_dir, os.environ)
    worker = PythonWorker(app_dir)
    try:
        functions = worker.load()
    except WorkerRefusedAppError as exc:
        where = _app_frame(exc.stack_trace, app_dir)
        cause = _first_sentences(str(exc))
        raise AppLoadError(
            f"{script}: Worker failed to index functions: {cause}{where}", exc.stack_trace
        ) from exc
    registry = FunctionRegistry(
        http={},
        queue={},
        orchestrators={},
        activities={},
        app_dir=app_dir,
        host_json=host_json,
        worker=worker,
    )
    for function in functions:
        _register(registry, function)
    return registry


def _app_frame(stack_trace: str, app_dir: Path) -> str:
    """` (at <file>:<line>)` for the innermost frame of the app's own code, if any."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', stack_trace)
    own = [(f, n) for f, n in frames if Path(f).resolve().is_relative_to(app_dir)]
    if not own:
        return ""
    file, line = own[-1]
    return f" (at {Path(file).relative_to(app_dir)}:{line})"


def _first_sentences(message: str) -> str:
    """The worker's message without the sys.path dump it appends to import errors."""
    return message.split(" Current sys.path:", 1)[0].replace("\n", " ").strip()


def _register(registry: FunctionRegistry, function: IndexedFunction) -> None:
    name = function.name
    bindings = list(function.bindings)
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
    spec = FunctionSpec(
        name=name,
        function_id=function.function_id,
        trigger=trigger,
        bindings=bindings,
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
        _add_aliases(registry, name, [trigger.get("orchestration")])
    else:
        registry.activities[name] = spec
        _add_aliases(registry, name, [trigger.get("activity")])


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
