"""Call an app's function the way the Python worker does: async on the loop, sync in a pool.

The worker passes each binding by parameter name, adds a `func.Context` when the function
declares a parameter named `context`, awaits coroutine functions on its event loop and runs
plain functions on a thread pool so that a blocking function never stalls the host.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import azure.functions as func
from azure.functions._abc import RetryContext, TraceContext

from devhost.registry import FunctionSpec

CONTEXT_PARAMETER = "context"
log = logging.getLogger("devhost.functions")


class _TraceContext(TraceContext):
    """No distributed tracing locally: empty W3C trace headers."""

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(RetryContext):
    """Function-level retry policies are not emulated: always the first try."""

    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class InvocationContext(func.Context):
    """The `context` argument a function may declare, as the worker fills it."""

    def __init__(self, function_name: str, function_directory: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._function_directory = function_directory
        self._thread_local = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._thread_local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> RetryContext:
        return _RetryContext()


def wants_context(user_function: Callable[..., Any]) -> bool:
    """True when the function declares a `context` parameter (the worker's convention)."""
    try:
        parameters = inspect.signature(user_function).parameters
    except (TypeError, ValueError):
        return False
    return CONTEXT_PARAMETER in parameters


class FunctionInvoker:
    """Runs user functions: coroutines on the running loop, plain functions on a pool."""

    def __init__(self, function_directory: str, max_threads: int | None = None) -> None:
        self._function_directory = function_directory
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="devhost-fn")

    async def invoke(self, spec: FunctionSpec, arguments: Mapping[str, Any]) -> Any:
        """Call `spec.user_function` with the binding arguments; return what it returns.

        Logs "Executing"/"Executed" lines like the host, with the outcome and duration.
        """
        kwargs = dict(arguments)
        context = InvocationContext(spec.name, self._function_directory)
        if wants_context(spec.user_function) and CONTEXT_PARAMETER not in kwargs:
            kwargs[CONTEXT_PARAMETER] = context
        log.info("Executing 'Functions.%s' (Id=%s)", spec.name, context.invocation_id)
        started = time.perf_counter()
        outcome = "Failed"
        try:
            result = await self._call(spec, kwargs)
            outcome = "Succeeded"
            return result
        finally:
            log.info(
                "Executed 'Functions.%s' (%s, Id=%s, Duration=%dms)",
                spec.name,
                outcome,
                context.invocation_id,
                (time.perf_counter() - started) * 1000,
            )

    async def _call(self, spec: FunctionSpec, kwargs: dict[str, Any]) -> Any:
        if spec.is_async:
            return await spec.user_function(**kwargs)
        loop = asyncio.get_running_loop()
        call = functools.partial(spec.user_function, **kwargs)
        # Copy the context so that logging/tracing context vars reach the worker thread.
        result = await loop.run_in_executor(self._pool, contextvars.copy_context().run, call)
        if inspect.isawaitable(result):  # a sync wrapper around a coroutine function
            result = await result
        return result

    def close(self) -> None:
        """Stop the pool; functions still running finish on their threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
