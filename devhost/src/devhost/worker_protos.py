"""In-process stand-ins for the host↔worker protocol messages (FunctionRpc.proto).

`azure-functions-runtime` builds and reads these messages through a `protos` object the
host's proxy worker hands it. On Azure they are protobuf classes that travel over gRPC;
in devhost nothing leaves the process, so plain classes with the same field names and the
same defaults do. Only the messages and enums the runtime touches are defined: a field the
runtime reads that is not set here reads as its protobuf default (empty string, 0, empty
list or map, or an unset sub-message), as it would from protobuf.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Message:
    """A protobuf-like message: keyword fields, defaults for the rest, readable repr."""

    DEFAULTS: ClassVar[dict[str, Any]] = {}

    def __init__(self, **fields: Any) -> None:
        for name, default in self.DEFAULTS.items():
            value = fields.pop(name, None)
            setattr(self, name, _fresh(default) if value is None else value)
        for name, value in fields.items():
            setattr(self, name, value)

    def __getattr__(self, name: str) -> Any:
        """Only reached for a field never set: protobuf has no such field either."""
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if v not in (None, "", [], {})
        )
        return f"{type(self).__name__}({shown})"


def _fresh(default: Any) -> Any:
    """A new empty container or sub-message for each message (never one shared default).

    A message class as a default stands for protobuf's unset sub-message, which reads as
    an empty message (its oneofs unset), not as None."""
    if isinstance(default, type):
        return default()
    if isinstance(default, (list, dict)):
        return type(default)()
    return default


class TypedData(Message):
    """One value of a binding; exactly one of its `data` fields is set (a protobuf oneof)."""

    ONE_OF: ClassVar[tuple[str, ...]] = (
        "string",
        "json",
        "bytes",
        "stream",
        "http",
        "int",
        "double",
        "collection_bytes",
        "collection_string",
        "collection_double",
        "collection_sint64",
        "model_binding_data",
        "collection_model_binding_data",
    )

    def __init__(self, **fields: Any) -> None:
        chosen = [name for name in self.ONE_OF if fields.get(name) is not None]
        if len(chosen) > 1:
            raise ValueError(f"TypedData takes one data field, got {chosen}")
        super().__init__(**fields)
        self._which = chosen[0] if chosen else None

    def WhichOneof(self, group: str) -> str | None:
        if group != "data":
            raise ValueError(f"TypedData has no oneof {group!r}")
        return self._which

    def __getattr__(self, name: str) -> Any:
        if name in self.ONE_OF:
            return None  # an unset oneof member
        raise AttributeError(name)


class ParameterBinding(Message):
    """A named binding value: `data` is a TypedData (`rpc_data` is the oneof's name)."""

    DEFAULTS: ClassVar[dict[str, Any]] = {"name": "", "data": None}

    def WhichOneof(self, group: str) -> str | None:
        if group != "rpc_data":
            raise ValueError(f"ParameterBinding has no oneof {group!r}")
        return "data" if self.data is not None else None


class RpcHttp(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "method": "",
        "url": "",
        "headers": {},
        "body": TypedData,
        "params": {},
        "status_code": "",
        "query": {},
        "enable_content_negotiation": False,
        "cookies": [],
    }


class RpcHttpCookie(Message):
    class SameSite:
        # protobuf enum values; `None` is a keyword in Python, hence the setattr below
        Lax = 1
        Strict = 2
        ExplicitNone = 3


setattr(RpcHttpCookie.SameSite, "None", 0)


class NullableString(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"value": None}


class NullableBool(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"value": None}


class NullableDouble(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"value": None}


class NullableTimestamp(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"value": None}


class BindingInfo(Message):
    # Direction enum
    in_ = 0
    out = 1
    inout = 2
    # DataType enum
    undefined = 0
    string = 1
    binary = 2
    stream = 3

    DEFAULTS: ClassVar[dict[str, Any]] = {"type": "", "direction": 0, "data_type": 0}


setattr(BindingInfo, "in", BindingInfo.in_)


class RpcException(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"message": "", "stack_trace": "", "source": ""}


class StatusResult(Message):
    Failure = 0
    Success = 1
    Cancelled = 2

    DEFAULTS: ClassVar[dict[str, Any]] = {"status": 0, "result": "", "exception": None}


class RpcRetryOptions(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"max_retry_count": 0, "retry_strategy": ""}


class RpcFunctionMetadata(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "name": "",
        "function_id": "",
        "directory": "",
        "script_file": "",
        "entry_point": "",
        "bindings": {},
        "raw_bindings": [],
        "retry_options": None,
        "properties": {},
    }


class WorkerMetadata(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"custom_properties": {}}


class WorkerInitResponse(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"capabilities": {}, "result": None}


class FunctionMetadataResponse(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"function_metadata_results": [], "result": None}


class FunctionLoadResponse(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"function_id": "", "result": None}


class FunctionEnvironmentReloadResponse(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"capabilities": {}, "result": None}


class InvocationResponse(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "invocation_id": "",
        "output_data": [],
        "return_value": None,
        "result": None,
    }


# What the host sends.


class WorkerInitRequest(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "host_version": "4",
        "capabilities": {},
        "log_categories": {},
        "worker_directory": "",
        "function_app_directory": "",
    }


class RpcTraceContext(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"trace_parent": "", "trace_state": "", "attributes": {}}


class RetryContext(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"retry_count": 0, "max_retry_count": 0, "exception": None}


class FunctionLoadRequest(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {"function_id": "", "metadata": None}


class InvocationRequest(Message):
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "invocation_id": "",
        "function_id": "",
        "input_data": [],
        "trigger_metadata": {},
        "trace_context": None,
        "retry_context": None,
    }

    def __init__(self, **fields: Any) -> None:
        fields.setdefault("trace_context", RpcTraceContext())
        fields.setdefault("retry_context", RetryContext())
        super().__init__(**fields)


class StreamingMessage(Message):
    """The envelope: one of `worker_init_request`, `function_load_request`, ..."""

    DEFAULTS: ClassVar[dict[str, Any]] = {"request_id": ""}


class WorkerRequest:
    """What the proxy worker passes each `handle_event` coroutine: the message and properties."""

    def __init__(self, request: StreamingMessage, properties: dict[str, Any]) -> None:
        self.request = request
        self.properties = properties
