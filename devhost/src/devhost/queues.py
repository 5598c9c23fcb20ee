"""Queue triggers on Azure Storage queues (Azurite locally), with the host's semantics.

Per queue trigger: the connection is the app setting the binding names (default
`AzureWebJobsStorage`, also tried with the `AzureWebJobs` prefix as the host does) holding a
connection string; `%name%` in the queue name is resolved from the settings. The queue and
`<queue>-poison` are created when missing: at start, and again whenever a call finds one
gone (an in-memory Azurite that restarted). host.json `extensions.queues` is honoured:

- messageEncoding `base64` (default) or `none`. A message that is not valid base64 when
  base64 is expected goes straight to the poison queue.
- batchSize (16) messages are fetched at once and run concurrently; the next batch is
  fetched when no more than newBatchThreshold (batchSize/2) are still running.
- maxPollingInterval (1 minute): an empty queue is polled after 100 ms, doubling up to it.
- visibilityTimeout (0): a failed message becomes visible again after it.
- maxDequeueCount (5): after that many failed tries the original message text is copied to
  `<queue>-poison` and the message is deleted. A message fetched with a dequeue count
  above it (left over by a crash) goes to poison without running.

While a message is handled the message stays leased (invisible, renewed). Virtual time does
not jump past queue work: a fetch in flight and every fetched message hold the durable
runtime until handled, and before each jump the runtime asks every listener for an empty
poll started less than PROBE_FRESHNESS (0.1 s) earlier (an idle probe; it polls unless it
just did). So a message that has been waiting longer than that is handled before the clock
moves, at the cost of at most one fetch per queue per 0.1 s of jumping.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from devhost.invocation import FunctionInvoker, string_data
from devhost.registry import FunctionSpec
from devhost.runtime import DurableRuntime
from devhost.storage_connection import (
    ConnectionSettingError,
    CredentialFactory,
    QueueConnection,
    resolve_queue_connection,
)
from devhost.worker_protos import TypedData

log = logging.getLogger(__name__)
T = TypeVar("T")

_BASE64_WHITESPACE = str.maketrans("", "", " \t\r\n")
POISON_SUFFIX = "-poison"
MIN_POLLING_INTERVAL = 0.1
PROBE_FRESHNESS = 0.1  # an empty poll started this recently answers the runtime's probe
LEASE_SECONDS = 60
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$")


class QueueConfigurationError(RuntimeError):
    """A queue trigger that cannot run: missing connection setting or bad queue name."""


def parse_timespan(value: Any, default: float) -> float:
    """Seconds from a host.json TimeSpan: '[d.]hh:mm:ss[.fff]', or a number of milliseconds."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value) / 1000
    found = _TIMESPAN.match(str(value).strip())
    if found is None:
        raise QueueConfigurationError(f"host.json: {value!r} is not a TimeSpan")
    days, hours, minutes, seconds = found.groups()
    return ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + float(seconds)


@dataclass(frozen=True)
class QueueSettings:
    """host.json `extensions.queues`, with the host's defaults."""

    message_encoding: str = "base64"
    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5

    @classmethod
    def from_host_json(cls, host_json: Mapping[str, Any]) -> QueueSettings:
        queues = host_json.get("extensions", {}).get("queues", {})
        batch_size = int(queues.get("batchSize", 16))
        encoding = str(queues.get("messageEncoding", "base64")).lower()
        if encoding not in ("base64", "none"):
            raise QueueConfigurationError(f"host.json: unknown messageEncoding {encoding!r}")
        return cls(
            message_encoding=encoding,
            batch_size=max(1, min(batch_size, 32)),
            new_batch_threshold=int(queues.get("newBatchThreshold", batch_size // 2)),
            max_polling_interval=max(
                MIN_POLLING_INTERVAL, parse_timespan(queues.get("maxPollingInterval"), 60.0)
            ),
            visibility_timeout=parse_timespan(queues.get("visibilityTimeout"), 0.0),
            max_dequeue_count=int(queues.get("maxDequeueCount", 5)),
        )


def resolve_setting_expression(text: str, environ: Mapping[str, str]) -> str:
    """Replace `%name%` with the app setting, as binding expressions do."""

    def lookup(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in environ:
            raise QueueConfigurationError(f"app setting {name!r} is not set")
        return environ[name]

    return re.sub(r"%([^%]+)%", lookup, text)


def decode_body(content: str, encoding: str) -> bytes:
    """The message body as the function sees it; ValueError if base64 is expected but bad.

    Base64 is decoded as .NET's Convert.FromBase64String does (the queue extension's
    decoder): spaces, tabs and line breaks anywhere are ignored, padding is required.
    """
    if encoding == "none":
        return content.encode("utf-8")
    compact = content.translate(_BASE64_WHITESPACE)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"message is not valid base64: {exc}") from exc


def queue_trigger_data(
    message: QueueMessage, body: bytes
) -> tuple[TypedData, dict[str, TypedData]]:
    """The message text and the trigger metadata the host sends the worker with it."""
    text = body.decode("utf-8", errors="replace")
    metadata = {
        "Id": TypedData(string=message.id),
        "PopReceipt": TypedData(string=message.pop_receipt or ""),
        "DequeueCount": TypedData(json=json.dumps(message.dequeue_count or 0)),
        "InsertionTime": _time_data(message.inserted_on),
        "ExpirationTime": _time_data(message.expires_on),
        "NextVisibleTime": _time_data(message.next_visible_on),
        "QueueTrigger": TypedData(string=text),
    }
    return TypedData(string=text), metadata


def _time_data(moment: datetime | None) -> TypedData:
    return TypedData(json=json.dumps(moment.isoformat() if moment else None))


class QueueListener:
    """Polls one queue for one function and handles each message like the host."""

    def __init__(
        self,
        spec: FunctionSpec,
        queue_name: str,
        connection: QueueConnection,
        settings: QueueSettings,
        runtime: DurableRuntime,
        invoker: FunctionInvoker,
        client_binding: Callable[[], str],
        credentials: CredentialFactory | None = None,
    ) -> None:
        self.spec = spec
        self.queue_name = queue_name
        self.connection = connection
        self._settings = settings
        self._runtime = runtime
        self._invoker = invoker
        self._client_binding = client_binding
        self._queue = connection.queue_client(queue_name, credentials)
        self._poison = connection.queue_client(queue_name + POISON_SUFFIX, credentials)
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._remove_probe: Callable[[], None] | None = None
        self._last_empty_poll = -PROBE_FRESHNESS  # monotonic start of the last empty poll

    async def prepare(self) -> None:
        """Create the queue and its poison queue when missing."""
        for client in (self._queue, self._poison):
            with contextlib.suppress(ResourceExistsError):
                await client.create_queue()

    async def run(self) -> None:
        """Poll until stopped: fetch a batch, run it, back off while the queue is empty."""
        interval = MIN_POLLING_INTERVAL
        while not self._stopping.is_set():
            if await self.poll_once():
                interval = MIN_POLLING_INTERVAL
                await self._wait_for_capacity()
                continue
            await self._sleep(interval)
            interval = min(interval * 2, self._settings.max_polling_interval)

    async def poll_once(self) -> bool:
        """Fetch a batch and start handling it; whether there was any message.

        Also the runtime's idle probe. The fetch holds the runtime, and each message is
        held from the moment it arrives, so virtual time cannot jump in between.
        """
        started = time.monotonic()
        try:
            with self._runtime.hold():
                batch = await self._fetch(self._settings.batch_size)
                for message in batch:
                    self._start_handling(message)
        except Exception as exc:  # Azurite restarting, network blip: keep polling
            log.warning("queue %s: fetch failed: %s", self.queue_name, exc)
            return False
        if not batch:
            self._last_empty_poll = started
        return bool(batch)

    async def probe(self) -> None:
        """The runtime's idle probe: poll now, unless an empty poll started moments ago."""
        if time.monotonic() - self._last_empty_poll >= PROBE_FRESHNESS:
            await self.poll_once()

    def _start_handling(self, message: QueueMessage) -> None:
        held = contextlib.ExitStack()
        held.enter_context(self._runtime.hold())
        task = asyncio.create_task(self._handle_safely(message))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        task.add_done_callback(lambda _: held.close())

    def start(self) -> None:
        """Begin polling on the running loop (and before each virtual-time jump)."""
        self._poller = asyncio.create_task(self.run(), name=f"poll {self.queue_name}")
        self._remove_probe = self._runtime.add_idle_probe(self.probe)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop polling; let running functions finish within `grace` seconds, then cancel."""
        self._stopping.set()
        if self._remove_probe is not None:
            self._remove_probe()
        if self._poller is not None:
            await _stop_task(self._poller)
        if self._running:
            _, pending = await asyncio.wait(set(self._running), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._queue.close()
        await self._poison.close()

    async def _fetch(self, count: int) -> list[QueueMessage]:
        async def receive() -> list[QueueMessage]:
            pages = self._queue.receive_messages(
                messages_per_page=count, visibility_timeout=LEASE_SECONDS
            ).by_page()
            async for page in pages:
                return [message async for message in page]
            return []

        return await _recreating(self._queue, receive)

    async def _wait_for_capacity(self) -> None:
        while len(self._running) > self._settings.new_batch_threshold and self._running:
            await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    async def _handle_safely(self, message: QueueMessage) -> None:
        try:
            await self._handle(message)
        except Exception as exc:  # storage errors: the lease expires, the message comes back
            log.warning("queue %s: message %s not settled: %s", self.queue_name, message.id, exc)

    async def _handle(self, message: QueueMessage) -> None:
        """One message: poison checks, invoke with a renewed lease, then delete or release."""
        lease = _Lease(self._queue, message)
        if message.dequeue_count and message.dequeue_count > self._settings.max_dequeue_count:
            await self._to_poison(lease, "dequeue count already above maxDequeueCount")
            return
        try:
            body = decode_body(message.content, self._settings.message_encoding)
        except ValueError as exc:
            await self._to_poison(lease, str(exc))
            return
        trigger, metadata = queue_trigger_data(message, body)
        inputs = {self.spec.trigger_arg: trigger}
        if self.spec.durable_client_arg:
            inputs[self.spec.durable_client_arg] = string_data(self._client_binding())
        lease.start_renewing()
        try:
            result = await self._invoker.invoke(
                self.spec,
                inputs,
                metadata,
                reason=f"New queue message detected on '{self.queue_name}'.",
            )
        finally:
            await lease.stop_renewing()
        succeeded = result.succeeded
        if not succeeded:
            log.error(
                "queue %s: function %s failed on message %s (try %s of %s): %s",
                self.queue_name,
                self.spec.name,
                message.id,
                message.dequeue_count,
                self._settings.max_dequeue_count,
                result.error,
            )
        if not succeeded:
            await self._after_failure(lease)
            return
        await lease.delete()
        log.info(
            "queue %s: function %s handled message %s",
            self.queue_name,
            self.spec.name,
            message.id,
        )

    async def _after_failure(self, lease: _Lease) -> None:
        if (lease.message.dequeue_count or 0) >= self._settings.max_dequeue_count:
            await self._to_poison(lease, "maxDequeueCount reached")
        else:
            await lease.release(self._settings.visibility_timeout)

    async def _to_poison(self, lease: _Lease, reason: str) -> None:
        """Copy the original message text to `<queue>-poison`, then delete the message."""
        await _recreating(self._poison, lambda: self._poison.send_message(lease.message.content))
        await lease.delete()
        log.warning(
            "queue %s: message %s moved to %s%s (%s)",
            self.queue_name,
            lease.message.id,
            self.queue_name,
            POISON_SUFFIX,
            reason,
        )


class _Lease:
    """Keeps a fetched message invisible while it is handled; tracks its pop receipt.

    Renewal runs every third of the lease, so one failed renewal is survived; a failure is
    logged, never raised (the message must still be settled). It is stopped by a flag, never
    cancelled: an update in flight must finish, or its new pop receipt would be lost and the
    delete refused, so a message that succeeded would be delivered again.
    """

    def __init__(self, queue: QueueClient, message: QueueMessage) -> None:
        self._queue = queue
        self.message = message
        self._pop_receipt = message.pop_receipt
        self._done = asyncio.Event()
        self._renewer: asyncio.Task[None] | None = None

    def start_renewing(self) -> None:
        self._renewer = asyncio.create_task(self._keep_alive())

    async def stop_renewing(self) -> None:
        """Stop renewing once any update in flight has finished."""
        self._done.set()
        if self._renewer is not None:
            await self._renewer

    async def _keep_alive(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), LEASE_SECONDS / 3)
            if self._done.is_set():
                return
            try:
                await self._update(LEASE_SECONDS)
            except Exception as exc:  # the next renewal may succeed; the lease is still ours
                log.warning("message %s: lease renewal failed: %s", self.message.id, exc)

    async def release(self, visibility_timeout: float) -> None:
        """Make the message visible again after `visibility_timeout` seconds."""
        await self._update(round(visibility_timeout))

    async def delete(self) -> None:
        await self._queue.delete_message(self.message.id, self._pop_receipt)

    async def _update(self, seconds: int) -> None:
        updated = await self._queue.update_message(
            self.message.id, pop_receipt=self._pop_receipt, visibility_timeout=seconds
        )
        self._pop_receipt = updated.pop_receipt


async def _recreating[T](queue: QueueClient, call: Callable[[], Awaitable[T]]) -> T:
    """Make the call; if the queue is gone, create it and make the call once more."""
    try:
        return await call()
    except ResourceNotFoundError as exc:
        if getattr(exc, "error_code", None) != "QueueNotFound":
            raise
    log.warning("queue %s was missing: creating it again", queue.queue_name)
    with contextlib.suppress(ResourceExistsError):
        await queue.create_queue()
    return await call()


async def _stop_task(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class QueueTriggerHost:
    """All queue listeners of an app: resolves their connections, starts and stops them."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        host_json: Mapping[str, Any],
        runtime: DurableRuntime,
        invoker: FunctionInvoker,
        client_binding: Callable[[], str],
        environ: Mapping[str, str],
        credentials: CredentialFactory | None = None,
    ) -> None:
        self._specs = list(functions)
        self._credentials = credentials
        self._settings = QueueSettings.from_host_json(host_json)
        self._runtime = runtime
        self._invoker = invoker
        self._client_binding = client_binding
        self._environ = environ
        self.listeners: list[QueueListener] = []

    async def start(self) -> None:
        """Resolve every trigger (refusing bad config), create queues, begin polling."""
        for spec in self._specs:
            queue_name = resolve_setting_expression(
                str(spec.trigger.get("queueName", "")), self._environ
            )
            if not re.fullmatch(r"[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]", queue_name):
                raise QueueConfigurationError(
                    f"function {spec.name}: invalid queue name {queue_name!r}"
                )
            try:
                connection = resolve_queue_connection(spec.trigger.get("connection"), self._environ)
            except ConnectionSettingError as exc:
                raise QueueConfigurationError(f"function {spec.name}: {exc}") from exc
            self.listeners.append(
                QueueListener(
                    spec,
                    queue_name,
                    connection,
                    self._settings,
                    self._runtime,
                    self._invoker,
                    self._client_binding,
                    self._credentials,
                )
            )
        for listener in self.listeners:
            await listener.prepare()
        for listener in self.listeners:
            listener.start()
            log.info("polling queue %s for function %s", listener.queue_name, listener.spec.name)

    async def stop(self) -> None:
        """Stop polling and wait for running queue functions (bounded)."""
        await asyncio.gather(*(listener.stop() for listener in self.listeners))
        self.listeners.clear()
