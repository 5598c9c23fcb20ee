"""Start and stop a private Azurite (Azure Storage emulator) on loopback.

Tests and the local demo need real storage queues. Azurite is pinned in
package.json and installed by `npm ci`; each caller gets its own in-memory
instance on ports the OS picks, so runs never collide or leave data behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AZURITE_BIN_SETTING = "AZURITE_BIN"

# The emulator's fixed, public development account (not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at (\S+)")


@dataclass(frozen=True)
class Azurite:
    """Endpoints of a running Azurite instance."""

    blob_endpoint: str
    queue_endpoint: str
    table_endpoint: str

    @property
    def connection_string(self) -> str:
        """A full connection string; `UseDevelopmentStorage=true` only works on 10000-10002."""
        return (
            "DefaultEndpointsProtocol=http;"
            f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={self.blob_endpoint}/{DEV_ACCOUNT};"
            f"QueueEndpoint={self.queue_endpoint}/{DEV_ACCOUNT};"
            f"TableEndpoint={self.table_endpoint}/{DEV_ACCOUNT};"
        )


class AzuriteNotInstalledError(RuntimeError):
    """Raised when node_modules has no Azurite: run `npm ci` (make does it)."""


def find_azurite(start: Path | None = None) -> str:
    """`$AZURITE_BIN`, else `node_modules/.bin/azurite` in the working folder or a parent
    (where `npm ci` puts it), else `azurite` on PATH."""
    named = os.environ.get(AZURITE_BIN_SETTING)
    if named:
        return named
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        local = candidate / "node_modules" / ".bin" / "azurite"
        if local.exists():
            return str(local)
    found = shutil.which("azurite")
    if found is None:
        raise AzuriteNotInstalledError(
            "Azurite not found: run `npm ci` where package.json names it, "
            f"or set {AZURITE_BIN_SETTING}"
        )
    return found


@contextlib.contextmanager
def run_azurite(startup_timeout: float = 30.0) -> Iterator[Azurite]:
    """Run Azurite in memory on free loopback ports for the duration of the block."""
    executable = find_azurite()
    workdir = tempfile.mkdtemp(prefix="azurite-")
    process = subprocess.Popen(
        [
            executable,
            "--blobHost",
            "127.0.0.1",
            "--queueHost",
            "127.0.0.1",
            "--tableHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--queuePort",
            "0",
            "--tablePort",
            "0",
            "--inMemoryPersistence",
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--loose",
        ],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
        start_new_session=True,
    )
    try:
        endpoints = _read_endpoints(process, startup_timeout)
        yield Azurite(endpoints["Blob"], endpoints["Queue"], endpoints["Table"])
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def _read_endpoints(process: subprocess.Popen[str], timeout: float) -> dict[str, str]:
    """Read the real ports from Azurite's start-up lines, then keep draining its output."""
    endpoints: dict[str, str] = {}
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while len(endpoints) < 3:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("Azurite did not start:\n" + "".join(seen[-20:]))
        line = process.stdout.readline()
        seen.append(line)
        match = _LISTENING.search(line)
        if match:
            endpoints[match.group(1)] = match.group(2).rstrip("/")
    threading.Thread(target=_drain, args=(process,), daemon=True).start()
    return endpoints


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    for _ in process.stdout:
        pass


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
