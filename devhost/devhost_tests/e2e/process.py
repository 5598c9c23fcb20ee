"""devhost as a child process through its CLI, for tests that kill it or read its output."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devhost.keys import DURABLE_SYSTEM_KEY_NAME, KEY_HEADER, HostKeys

from devhost_tests.support import DEVHOST_ROOT, child_environ

LISTENING = "Listening on "


class DevhostProcess:
    """`python -m devhost serve ...` in its own session; stdout is read line by line."""

    def __init__(self, app_dir: Path, *options: str, env: Mapping[str, str] | None = None) -> None:
        self.command: Sequence[str] = [
            sys.executable,
            "-m",
            "devhost",
            "serve",
            "--app-dir",
            str(app_dir),
            *options,
        ]
        self._env = child_environ(env)
        self.base_url = ""
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self.lines: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            self.command,
            cwd=DEVHOST_ROOT,
            env=self._env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_listening(self, timeout: float = 60.0) -> str:
        """The base URL once the CLI prints it; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"devhost exited {self.process.wait()}:\n{self.stderr()}")
            if line.startswith(LISTENING):
                self.base_url = line[len(LISTENING) :].strip()
                return self.base_url
        raise AssertionError(f"devhost did not start:\n{self.stderr()}")

    def printed_key(self, label: str) -> str:
        """A key from the start-up lines: "master", "default (function)", "... (system)"."""
        for line in self.lines:
            name, _, value = line.strip().partition(": ")
            if name == label or name.startswith(label):
                return value
        raise AssertionError(f"no key {label!r} printed:\n" + "\n".join(self.lines))

    @property
    def keys(self) -> HostKeys:
        """The keys the child printed (as RunningDevhost.keys gives them in process)."""
        return HostKeys(
            master=self.printed_key("master"),
            default_function=self.printed_key("default (function)"),
            durable_system=self.printed_key(f"{DURABLE_SYSTEM_KEY_NAME} (system)"),
        )

    @property
    def function_key_headers(self) -> dict[str, str]:
        return {KEY_HEADER: self.keys.default_function}

    def wait_exit(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def signal(self, sig: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crashed host."""
        self.signal(signal.SIGKILL)
        self.process.wait(30)

    def stderr(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def close(self) -> None:
        """Make sure the child is gone (used in `finally`)."""
        if self.process.poll() is None:
            self.kill()
        self._stderr.close()
