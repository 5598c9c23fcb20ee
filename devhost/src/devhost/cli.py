"""`python -m devhost serve --app-dir DIR [--port 7071] [--state FILE] [--virtual-time]`.

Like `func start`: loads local.settings.json Values into the environment (a variable
already set in the shell wins), has the worker index function_app.py, prints each function
with its trigger, the URLs served and the host's keys, and runs until SIGINT or SIGTERM,
then stops cleanly. Exit status: 0 after a clean stop, 2 for usage errors, 1 when the app
cannot be loaded or the server cannot start; then one line on stderr names the file and
the cause (`--verbose` adds the traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from devhost.clock import Clock, VirtualClock, WallClock
from devhost.host import DevHost
from devhost.host_json import HostJsonError
from devhost.local_settings import (
    LocalSettingsError,
    apply_values,
    local_http_port,
    setting_values,
)
from devhost.queues import QueueConfigurationError
from devhost.registry import AppLoadError, UnsupportedBindingError, load_app
from devhost.route_template import RouteTemplateError

DEFAULT_PORT = 7071
WORKER_LOGGER = "azure.functions"  # azure-functions-runtime's logger
log = logging.getLogger("devhost")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Run a v2-model Durable Functions Python app locally, without Core Tools.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve an app folder on 127.0.0.1")
    serve.add_argument("--app-dir", type=Path, required=True, help="folder with function_app.py")
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help="HTTP port (default: local.settings.json Host.LocalHttpPort, else 7071; 0 = any)",
    )
    serve.add_argument(
        "--state",
        type=Path,
        default=None,
        help="SQLite state file; instances survive restarts (default: in memory)",
    )
    serve.add_argument(
        "--virtual-time",
        action="store_true",
        help="jump the clock to the next timer whenever nothing can run",
    )
    serve.add_argument(
        "--no-auth-keys",
        action="store_true",
        help="do not check function keys on HTTP routes (Core Tools' habit; Azure checks them)",
    )
    serve.add_argument("--verbose", action="store_true", help="tracebacks with load errors")
    serve.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="[%(asctime)s] %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("azure").setLevel(logging.WARNING)  # the storage SDK logs every request
    return serve(
        args.app_dir,
        args.port,
        args.state,
        args.virtual_time,
        enforce_keys=not args.no_auth_keys,
        verbose=args.verbose,
    )


def serve(
    app_dir: Path,
    port: int | None,
    state: Path | None,
    virtual_time: bool,
    *,
    enforce_keys: bool = True,
    verbose: bool = False,
) -> int:
    """Load, start, print, wait for a stop signal, stop."""
    app_dir = app_dir.resolve()
    try:
        for name in apply_values(setting_values(app_dir), os.environ):
            print(
                f"Skipping '{name}' from local settings as it's already defined in current "
                "environment variables.",
                flush=True,
            )
        chosen_port = port if port is not None else (local_http_port(app_dir) or DEFAULT_PORT)
        with _worker_logs_quiet(unless=verbose):
            registry = load_app(app_dir)
        clock: Clock = VirtualClock() if virtual_time else WallClock()
        host = DevHost(
            registry, clock=clock, state_path=state, port=chosen_port, enforce_keys=enforce_keys
        )
        return asyncio.run(_run(host, state, virtual_time))
    except LOAD_ERRORS as exc:
        return _refuse(str(exc), exc, getattr(exc, "details", ""), verbose)
    except Exception as exc:  # devhost's own failure: still one line, the rest on request
        message = f"{app_dir}: devhost failed to start: {type(exc).__name__}: {exc}"
        return _refuse(message, exc, "", verbose)


LOAD_ERRORS = (
    AppLoadError,
    HostJsonError,
    LocalSettingsError,
    UnsupportedBindingError,
    RouteTemplateError,
    QueueConfigurationError,
    OSError,
)


@contextlib.contextmanager
def _worker_logs_quiet(unless: bool) -> Iterator[None]:
    """While the worker indexes the app, keep its own error logs (which repeat, with a
    traceback, the refusal devhost reports in one line) for --verbose."""
    worker_log = logging.getLogger(WORKER_LOGGER)
    saved = worker_log.level
    if not unless:
        worker_log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        worker_log.setLevel(saved)


def _refuse(message: str, exc: BaseException, details: str, verbose: bool) -> int:
    """One line on stderr; the worker's stack trace or ours only with --verbose."""
    print(f"error: {message}", file=sys.stderr)
    if verbose:
        print(details or "".join(traceback.format_exception(exc)), file=sys.stderr)
    return 1


async def _run(host: DevHost, state: Path | None, virtual_time: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await host.start()
    try:
        for line in host.describe():
            print(line)
        print(f"State: {state if state else 'in memory (lost on exit)'}")
        print(f"Clock: {'virtual' if virtual_time else 'wall'}")
        print(f"Listening on {host.base_url}", flush=True)
        await stop.wait()
        print("Stopping...", flush=True)
    finally:
        await host.stop()
    print("Stopped.", flush=True)
    return 0
