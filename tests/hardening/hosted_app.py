"""The go-live app as a crashed or overloaded host runs it: devhost as a child process.

`python -m devhost serve` runs the project's app in virtual time on a SQLite state file, so
it can be killed with SIGKILL and started again on the same state. Azurite and the four
simulators run in this process: the suites pick CPP scenarios that advance by operation
GETs (`polls<N>`) and give the Product Ingestion simulator a clock that ticks at every
read, so outcomes do not depend on whose clock runs. Everything binds 127.0.0.1 on ports
the OS picks.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from azure.storage.queue import QueueClient
from devhost.azurite import Azurite
from devhost.keys import DURABLE_SYSTEM_KEY_NAME, KEY_HEADER

from demo.stack import PROJECT_ROOT, QUEUE_NAME, app_environment
from simulators.clock import TickingClock
from simulators.cpp import CppSimulator
from simulators.eventgrid import EventGridSimulator
from simulators.identity import IdentitySimulator
from simulators.ingestion import IngestionSimulator
from simulators.tokens import TokenAuthority

LISTENING = "Listening on "
KEY_LINES = {"default (function)": "function", f"{DURABLE_SYSTEM_KEY_NAME} (system)": "system"}
DURABLE_API = "/runtime/webhooks/durabletask"
# Product Ingestion jobs advance on their simulator's clock; here it moves a minute at every
# read, so a job of a simulated hour ends after some dozens of the app's calls.
INGESTION_TICK = timedelta(minutes=1)
TERMINAL = {"Completed", "Failed", "Terminated"}
# Small numbers so continue_as_new and bounded retries happen within a short run.
SETTINGS = {
    "POLLS_PER_EXECUTION": "3",
    "CPP_REQUEST_TIMEOUT_SECONDS": "2",
    "GOLIVE_DEADLINE_DAYS": "8",
    "START_MAX_ATTEMPTS": "4",
    "AzureFunctionsJobHost__extensions__queues__visibilityTimeout": "00:00:01",
}


@dataclass
class Simulators:
    cpp: CppSimulator
    eventgrid: EventGridSimulator
    identity: IdentitySimulator
    ingestion: IngestionSimulator


@contextlib.contextmanager
def run_simulators() -> Iterator[Simulators]:
    authority = TokenAuthority()
    with (
        IdentitySimulator(authority=authority) as identity,
        CppSimulator(authority=authority) as cpp,
        EventGridSimulator(authority=authority) as eventgrid,
        IngestionSimulator(authority=authority, now=TickingClock(INGESTION_TICK)) as ingestion,
    ):
        yield Simulators(cpp, eventgrid, identity, ingestion)


@dataclass
class HostedApp:
    """The app on a devhost child process that the test may kill and start again."""

    azurite: Azurite
    simulators: Simulators
    state: Path
    settings: Mapping[str, str] = field(default_factory=lambda: SETTINGS)
    queue_name: str = QUEUE_NAME
    base_url: str = ""
    log_lines: list[str] = field(default_factory=list)
    starts: int = 0
    _poisoned: list[str] = field(default_factory=list)
    _keys: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[str] | None = None
    _stderr: Any = None

    def environment(self) -> dict[str, str]:
        sims = self.simulators
        app = app_environment(self.azurite, sims.cpp, sims.eventgrid, sims.identity, sims.ingestion)
        return {
            **os.environ,
            **app,
            **self.settings,
            "GOLIVE_QUEUE_NAME": self.queue_name,
        }

    # Life and death ----------------------------------------------------------------------

    def start(self, timeout: float = 60.0, *, wait: bool = True) -> None:
        """Start devhost on the state file and (unless told not to) wait until it listens."""
        command = [
            sys.executable,
            "-m",
            "devhost",
            "serve",
            "--app-dir",
            str(PROJECT_ROOT),
            "--port",
            "0",
            "--state",
            str(self.state),
            "--virtual-time",
        ]
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in _reap)
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=self.environment(),
            text=True,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        self._process = process
        self.starts += 1
        listening = threading.Event()
        assert process.stdout is not None
        stdout = process.stdout

        def read() -> None:
            for line in stdout:
                name, _, value = line.strip().partition(": ")
                if name in KEY_LINES:
                    self._keys[KEY_LINES[name]] = value
                if line.startswith(LISTENING):
                    self.base_url = line[len(LISTENING) :].strip()
                    listening.set()

        threading.Thread(target=read, daemon=True).start()
        if not wait:
            return
        deadline = time.monotonic() + timeout
        while not listening.wait(0.05):
            if process.poll() is not None or time.monotonic() > deadline:
                self._reap()
                raise AssertionError(f"devhost did not start:\n{self.log_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, as when a host crashes."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        """SIGTERM: devhost stops cleanly."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._reap()

    def peak_memory_kib(self) -> int:
        """The child's peak resident set (VmHWM), read before it exits."""
        assert self._process is not None
        status = Path(f"/proc/{self._process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1])

    def _reap(self) -> None:
        if self._process is not None:
            self._process.wait(30)
            self._process = None
        if self._stderr is not None:
            self._stderr.seek(0)
            self.log_lines.extend(self._stderr.read().splitlines())
            self._stderr.close()
            self._stderr = None

    def log_text(self) -> str:
        """Every line logged so far, by this and earlier lives of the host."""
        current = ""
        if self._stderr is not None:
            self._stderr.flush()
            self._stderr.seek(0)
            current = self._stderr.read()
            self._stderr.seek(0, 2)
        return "\n".join(self.log_lines) + "\n" + current

    # Talking to it as its users do -------------------------------------------------------

    def key_for(self, path: str) -> dict[str, str]:
        """The key the host asks for on `path`, as it printed it at start-up: the Durable
        API's system key, else the function key (the app's routes are FUNCTION level)."""
        kind = "system" if path.startswith(DURABLE_API) else "function"
        return {KEY_HEADER: self._keys[kind]} if kind in self._keys else {}

    def request(self, method: str, path: str, **options: Any) -> requests.Response:
        headers = {**self.key_for(path), **options.pop("headers", {})}
        options.setdefault("timeout", 30)
        return requests.request(method, self.base_url + path, headers=headers, **options)

    def queue(self, name: str | None = None) -> QueueClient:
        client = QueueClient.from_connection_string(
            self.azurite.connection_string, name or self.queue_name
        )
        with contextlib.suppress(Exception):
            client.create_queue()
        return client

    def send(self, message: Mapping[str, Any] | str | bytes) -> str:
        """Enqueue as an upstream system does: base64 of the text, as the host expects.

        Returns the message id."""
        if isinstance(message, bytes):
            raw = message
        elif isinstance(message, str):
            raw = message.encode("utf-8", errors="surrogatepass")
        else:
            raw = json.dumps(message).encode()
        sent = self.queue().send_message(base64.b64encode(raw).decode("ascii"))
        return str(sent.id)

    def send_raw(self, text: str) -> str:
        """Enqueue text exactly as given (e.g. not base64 at all); returns the message id."""
        return str(self.queue().send_message(text).id)

    def poisoned(self) -> list[str]:
        """Every message moved to `<queue>-poison` so far, as stored (taken off that queue)."""
        poison = self.queue(self.queue_name + "-poison")
        for message in poison.receive_messages(messages_per_page=32, visibility_timeout=60):
            self._poisoned.append(message.content)
            poison.delete_message(message)
        return list(self._poisoned)

    def instances(self, prefix: str = "golive:") -> list[dict[str, Any]]:
        """Every instance whose id starts with `prefix`, through the Durable HTTP API."""
        url = f"{DURABLE_API}/instances"
        found: list[dict[str, Any]] = []
        token = ""
        while True:
            response = self.request(
                "GET",
                url,
                params={"instanceIdPrefix": prefix, "showInput": "false", "top": "500"},
                headers={"x-ms-continuation-token": token} if token else {},
            )
            response.raise_for_status()
            found.extend(response.json())
            token = response.headers.get("x-ms-continuation-token", "")
            if not token:
                return found

    def wait_until_all_finished(
        self, count: int, timeout: float, interval: float = 0.25
    ) -> list[dict[str, Any]]:
        """Poll until `count` go-lives exist and none is still running."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.instances()
            if len(found) >= count and all(i["runtimeStatus"] in TERMINAL for i in found):
                return found
            if time.monotonic() > deadline:
                running = [i["instanceId"] for i in found if i["runtimeStatus"] not in TERMINAL]
                raise AssertionError(f"{len(found)}/{count} go-lives; unfinished: {running[:20]}")
            time.sleep(interval)


@contextlib.contextmanager
def hosted_app(
    azurite: Azurite,
    simulators: Simulators,
    state_dir: Path,
    *,
    queue_name: str,
    settings: Mapping[str, str] | None = None,
) -> Iterator[HostedApp]:
    """Start the app on devhost; stop it (or kill it if it hangs) at the end."""
    state_dir.mkdir(parents=True, exist_ok=True)
    app = HostedApp(
        azurite,
        simulators,
        state_dir / "devhost.sqlite",
        settings={**SETTINGS, **(settings or {})},
        queue_name=queue_name,
    )
    app.start()
    try:
        yield app
    finally:
        app.stop()
