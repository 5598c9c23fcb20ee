"""Structured log fields reach Application Insights as custom dimensions, and nothing samples
out a warning or an error.

The telemetry settings infra/ gives the app turn on the Python worker's own OpenTelemetry
set-up (PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true, for the golive.* loggers). Here
the real worker runtime starts the real app with those settings, the real Azure Monitor
exporter sends what the app logs, and a loopback server stands in for the ingestion endpoint
and keeps the envelopes it receives.
What only Azure can show: the host's own telemetry in OpenTelemetry mode, the
Entra-authenticated upload (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), and that the host
does not forward the same lines a second time.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from devhost import worker_protos
from tests.infra.bicep import parse
from tests.infra.stack_telemetry_child import OFFER, PUBLISHER, REQUEST
from tests.infra.worker_telemetry_child import FIELDS
from tests.support import PROJECT_ROOT

APP_PACKAGES = ("activities", "golive", "orchestrators", "triggers")

# Severity levels of Application Insights MessageData.
INFORMATION, WARNING, ERROR = 1, 2, 3


class Ingestion(ThreadingHTTPServer):
    """Accepts every batch the exporter posts to /v2.1/track and keeps its envelopes."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _IngestionHandler)
        self.envelopes: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def connection_string(self) -> str:
        origin = f"http://127.0.0.1:{self.server_address[1]}/"
        return (
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
            f"IngestionEndpoint={origin};LiveEndpoint={origin}"
        )

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                envelope["data"]["baseData"]
                for envelope in self.envelopes
                if envelope["data"]["baseType"] == "MessageData"
            ]

    def span_items(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                envelope
                for envelope in self.envelopes
                if envelope["data"]["baseType"] in ("RequestData", "RemoteDependencyData")
            ]


class _IngestionHandler(BaseHTTPRequestHandler):
    server: Ingestion

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        accepted = 0
        if self.path.startswith("/v2.1/track"):
            items = json.loads(body)
            with self.server.lock:
                self.server.envelopes.extend(items)
            accepted = len(items)
        answer = json.dumps(
            {"itemsReceived": accepted, "itemsAccepted": accepted, "errors": []}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


def worker_telemetry_settings() -> dict[str, str]:
    """The PYTHON_* telemetry settings infra/ gives the app."""
    settings = parse("app/function-app.bicep").variable("platformSettings")
    chosen = {k: v for k, v in settings.items() if k.startswith("PYTHON_APPLICATIONINSIGHTS_")}
    assert chosen["PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY"] == "true"
    return chosen


@contextmanager
def exported_from(child_module: str, timeout: float) -> Iterator[tuple[Ingestion, Any]]:
    """Run `child_module` with the app's telemetry settings against a loopback ingestion
    endpoint; yield the endpoint and the JSON the child printed last."""
    server = Ingestion()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("APPLICATIONINSIGHTS_", "OTEL_", "PYTHON_"))
        }
        env.update(
            **worker_telemetry_settings(),
            APPLICATIONINSIGHTS_CONNECTION_STRING=server.connection_string,
            OTEL_TRACES_SAMPLER="always_off",
            EVENTGRID_TOPIC_ENDPOINT="https://topic.example/api/events",
        )
        child = subprocess.run(
            [sys.executable, "-m", child_module],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert child.returncode == 0, child.stderr[-3000:]
        yield server, json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def exported() -> Iterator[tuple[Ingestion, dict[str, Any]]]:
    """The worker starting the app, then lines logged at each level."""
    with exported_from("tests.infra.worker_telemetry_child", timeout=60) as result:
        yield result


@pytest.fixture(scope="module")
def go_live_exported() -> Iterator[tuple[Ingestion, dict[str, Any]]]:
    """One whole go-live on the local stack."""
    with exported_from("tests.infra.stack_telemetry_child", timeout=240) as result:
        yield result


def test_the_worker_indexes_the_app_with_opentelemetry_on(
    exported: tuple[Ingestion, dict[str, Any]],
) -> None:
    _, started = exported
    assert started["status"] == worker_protos.StatusResult.Success, started
    # The capability tells the host the worker exports its own logs, so the host does not
    # forward them a second time (without dimensions).
    assert started["capabilities"].get("WorkerOpenTelemetryEnabled") == "true"


def test_log_fields_arrive_as_custom_dimensions(
    exported: tuple[Ingestion, dict[str, Any]],
) -> None:
    server, _ = exported
    refused = next(m for m in server.messages() if m["message"].startswith("go-live refused"))
    for key, value in FIELDS.items():
        assert refused["properties"][key] == value
    assert refused["properties"]["httpStatus"] == "403"
    assert refused["properties"]["logger_name"] == "golive.activities"
    # Each field is a dimension of its own; no nested copy of the whole set.
    assert not any(value.startswith("{") for value in refused["properties"].values())


def test_only_the_apps_own_loggers_are_exported(
    exported: tuple[Ingestion, dict[str, Any]],
) -> None:
    """Neither the SDKs' lines nor the exporter's own line about each upload (which, exported,
    would log another upload, without end)."""
    server, _ = exported
    loggers = {item["properties"]["logger_name"] for item in server.messages()}
    assert loggers == {"golive.activities"}


def test_no_level_is_sampled_out(exported: tuple[Ingestion, dict[str, Any]]) -> None:
    server, _ = exported
    levels = {
        item["message"].split(" instanceId=")[0]: item["severityLevel"]
        for item in server.messages()
        if item["properties"].get("instanceId") == FIELDS["instanceId"]
    }
    assert levels == {
        "poll answered": INFORMATION,
        "go-live refused": WARNING,
        "event not accepted": ERROR,
    }
    # The span the lines were logged in was sampled out: logs do not follow trace sampling.
    assert server.span_items() == []


def test_every_logger_of_the_app_is_exported() -> None:
    """Each logger the app's code creates sits under PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME."""
    exported_root = worker_telemetry_settings()["PYTHON_APPLICATIONINSIGHTS_LOGGER_NAME"]
    names = set()
    for package in APP_PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "attr", None) == "getLogger"
                    and node.args
                ):
                    argument = node.args[0]
                    if isinstance(argument, ast.Name) and argument.id == "__name__":
                        names.add(module)
                    elif isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        names.add(argument.value)
    # The azure.* loggers the app only tunes (levels, filters) are not its own.
    own = {name for name in names if not name.startswith("azure.")}
    assert own, "no logger found: the scan is broken"
    assert {name for name in own if not name.startswith(exported_root + ".")} == set()


def test_host_json_never_samples_out_warnings_or_errors() -> None:
    host = json.loads((PROJECT_ROOT / "host.json").read_text(encoding="utf-8"))
    # The host exports through OpenTelemetry too: its log records are not sampled there.
    assert host["telemetryMode"] == "OpenTelemetry"
    # Without telemetryMode the classic Application Insights sampling applies: it must keep
    # every log line (Trace) and exception, whatever it does to requests and dependencies.
    sampling = host["logging"]["applicationInsights"]["samplingSettings"]
    if sampling.get("isEnabled", True):
        excluded = {kind.strip() for kind in sampling.get("excludedTypes", "").split(";")}
        assert {"Trace", "Exception"} <= excluded
    # Host categories may be quieter than Information, never quieter than Warning.
    levels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"]
    for category, level in host["logging"]["logLevel"].items():
        assert levels.index(level) <= levels.index("Warning"), category


def test_a_whole_go_live_reaches_application_insights_with_its_ids(
    go_live_exported: tuple[Ingestion, dict[str, Any]],
) -> None:
    """devhost runs the app on the pinned worker runtime, which exports what the app logs."""
    server, status = go_live_exported
    assert status["runtimeStatus"] == "Completed", status
    messages = server.messages()
    assert all(item["properties"]["logger_name"].startswith("golive.") for item in messages)
    instance_id = f"golive:{PUBLISHER}:{OFFER}"
    started = next(item for item in messages if item["message"].startswith("go-live started"))
    assert started["properties"]["logger_name"] == "golive.queue"
    assert started["properties"]["instanceId"] == instance_id
    assert started["properties"]["requestId"] == REQUEST["requestId"]
    assert started["properties"]["correlationId"] == REQUEST["correlationId"]
    polls = [item for item in messages if item["message"].startswith("operation polled")]
    assert polls, "no poll was exported"
    for poll in polls:
        assert poll["properties"]["instanceId"] == instance_id
        assert poll["properties"]["publisherId"] == PUBLISHER
        assert poll["properties"]["offerId"] == OFFER
        assert poll["properties"]["runId"]
        assert poll["properties"]["cppStatus"]
    published = [item for item in messages if item["message"].startswith("event published")]
    assert "Marketplace.GoLive.Succeeded" in {p["properties"]["eventType"] for p in published}
