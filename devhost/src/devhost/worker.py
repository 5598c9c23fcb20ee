"""The Python worker, driven in process through Microsoft's `azure-functions-runtime`.

On Azure the Functions host starts a Python worker process and talks to it over gRPC; since
Python 3.13 the worker's logic is the `azure-functions-runtime` package, the version the app
pins in requirements.txt. devhost plays the host and calls that same package the way the
host's proxy worker does: `worker_init_request` (loads the binding converters and indexes
the app: the worker's own import, `FunctionRegistry` parameter validation and refusals),
`functions_metadata_request`, `function_load_request` per function, then one
`invocation_request` per call (the worker converts the inputs with the converters
`azure-functions` registers, runs the function, and converts its return value).

The runtime keeps the indexed app in module globals, as the worker process does: one app per
process. `PythonWorker.load` resets those globals so that a test process can load one app
after another; two apps loaded at once in one process are not supported (on Azure each app
has its own worker process).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure_functions_runtime as runtime
from azure_functions_runtime import handle_event
from azure_functions_runtime.functions import Registry

from devhost import worker_protos as protos
from devhost.worker_protos import TypedData

APP_SCRIPT = "function_app.py"
_APP_MODULE = "function_app"


class WorkerRefusedAppError(Exception):
    """The worker failed to index the app (Azure: "Worker failed to index functions").

    The message is the worker's own, e.g. "FunctionLoadError: cannot load the f function:
    binding payload has invalid non-type annotation dict[str, typing.Any]".
    """

    def __init__(self, message: str, stack_trace: str = "") -> None:
        super().__init__(message)
        self.stack_trace = stack_trace


@dataclass(frozen=True)
class IndexedFunction:
    """One function as the worker reported it in its metadata."""

    name: str
    function_id: str
    bindings: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class InvocationResult:
    """What the worker answered to one invocation."""

    return_value: TypedData | None = None
    outputs: dict[str, TypedData] = field(default_factory=dict)
    error: str | None = None  # the worker's "<ExceptionType>: <message>"
    stack_trace: str = ""

    @property
    def succeeded(self) -> bool:
        return self.error is None


class PythonWorker:
    """The worker side of one app: load it once, then invoke its functions by id."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.functions: list[IndexedFunction] = []

    def load(self) -> list[IndexedFunction]:
        """Init (which indexes the app), read the metadata, load each function.

        Raises WorkerRefusedAppError with the worker's message when the app is refused.
        """
        _reset_runtime_globals()
        if str(self.app_dir) in sys.path:
            sys.path.remove(str(self.app_dir))
        sys.path.insert(0, str(self.app_dir))  # the worker imports `function_app` from here
        runtime.start_threadpool_executor()
        init = _run(
            handle_event.worker_init_request(self._request(worker_init_request=self._init()))
        )
        if init.result.status != protos.StatusResult.Success:
            exception = init.result.exception
            raise WorkerRefusedAppError(exception.message, exception.stack_trace)
        metadata = _run(handle_event.functions_metadata_request(self._request()))
        functions = []
        for function in metadata.function_metadata_results or []:
            load = protos.FunctionLoadRequest(function_id=function.function_id, metadata=function)
            answer = _run(
                handle_event.function_load_request(self._request(function_load_request=load))
            )
            if answer.result.status != protos.StatusResult.Success:
                raise WorkerRefusedAppError(answer.result.exception.message)
            bindings = tuple(json.loads(raw) for raw in function.raw_bindings)
            functions.append(IndexedFunction(function.name, function.function_id, bindings))
        self.functions = functions
        return functions

    async def invoke(
        self,
        function_id: str,
        inputs: Mapping[str, TypedData],
        trigger_metadata: Mapping[str, TypedData] | None = None,
        invocation_id: str | None = None,
    ) -> InvocationResult:
        """One InvocationRequest; the answer's return value, outputs, or failure."""
        request = protos.InvocationRequest(
            invocation_id=invocation_id or str(uuid.uuid4()),
            function_id=function_id,
            input_data=[protos.ParameterBinding(name=n, data=d) for n, d in inputs.items()],
            trigger_metadata=dict(trigger_metadata or {}),
        )
        answer = await handle_event.invocation_request(self._request(invocation_request=request))
        if answer.result.status != protos.StatusResult.Success:
            exception = answer.result.exception
            return InvocationResult(error=exception.message, stack_trace=exception.stack_trace)
        outputs = {binding.name: binding.data for binding in answer.output_data or []}
        return InvocationResult(return_value=answer.return_value, outputs=outputs)

    def _init(self) -> protos.WorkerInitRequest:
        return protos.WorkerInitRequest(
            function_app_directory=str(self.app_dir),
            worker_directory=str(Path(runtime.__file__).parent),
        )

    def _request(self, **message: Any) -> protos.WorkerRequest:
        return protos.WorkerRequest(
            protos.StreamingMessage(**message), {"host": "127.0.0.1", "protos": protos}
        )


def _reset_runtime_globals() -> None:
    """A fresh worker: no functions indexed, no app module imported yet."""
    handle_event._functions = Registry()
    handle_event._metadata_result = None
    sys.modules.pop(_APP_MODULE, None)


def _run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a start-up request to its end on a private loop (they do no I/O); from a thread
    with a running loop (a test already inside asyncio), on a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(1, thread_name_prefix="devhost-worker-init") as pool:
        return pool.submit(asyncio.run, coroutine).result()
