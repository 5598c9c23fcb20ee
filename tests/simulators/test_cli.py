"""Each simulator starts standalone from its CLI, prints its URL and answers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from azure.core.credentials import AzureKeyCredential
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridPublisherClient

from simulators import CPP_AUDIENCE, GRAPH_AUDIENCE, EventGridSimulator, TokenAuthority
from tests.support import PROJECT_ROOT, run_module

SIGNING_KEY = "cli-test-signing-key"


@contextmanager
def _running(*args: str, env: dict[str, str] | None = None) -> Iterator[list[str]]:
    """Start `python -m simulators ...`, yield the lines printed at start, stop it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators", *args, "--port", "0"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "SIMULATORS_SIGNING_KEY": SIGNING_KEY, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip()]
        if args[0] != "cpp":
            lines.append(process.stdout.readline().strip())
        assert "listening on http://127.0.0.1:" in lines[0], process.stderr
        yield lines
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0


def _url(lines: list[str]) -> str:
    return lines[0].rsplit(" ", 1)[1]


def test_cpp_from_the_cli_answers_with_a_shared_signing_key(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text('{"offers": {"contoso/quick": {"polls": 1}}}')
    token = TokenAuthority(SIGNING_KEY).token_for(CPP_AUDIENCE)
    with _running("cpp", "--scenarios", str(scenarios), "--strict") as lines:
        base = _url(lines)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        accepted = session.post(
            f"{base}/api/publishers/contoso/offers/quick/golive",
            params={"api-version": "2017-10-31"},
            timeout=5,
        )
        assert accepted.status_code == 202
        operation = session.get(base + accepted.headers["Location"], timeout=5).json()
        assert operation["status"] == "completed"
        missing = session.post(
            f"{base}/api/publishers/contoso/offers/other/golive",
            params={"api-version": "2017-10-31"},
            timeout=5,
        )
        assert missing.status_code == 404


def test_ingestion_from_the_cli_answers_under_the_graph_prefix(tmp_path: Path) -> None:
    scenarios = tmp_path / "products.json"
    scenarios.write_text('{"products": {"quick-offer": {"job_duration": "1s", "queued_for": 0}}}')
    token = TokenAuthority(SIGNING_KEY).token_for(GRAPH_AUDIENCE)
    with _running("ingestion", "--scenarios", str(scenarios), "--strict") as lines:
        api = lines[1].rsplit(" ", 1)[1]
        assert api.endswith("/rp/product-ingestion")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        version = {"$version": "2022-07-01"}
        found = session.get(
            f"{api}/product", params={**version, "externalID": "quick-offer"}, timeout=5
        )
        assert found.json()["value"][0]["identity"] == {"externalId": "quick-offer"}
        other = session.get(f"{api}/product", params={**version, "externalID": "x"}, timeout=5)
        assert other.json() == {"value": []}


def test_eventgrid_from_the_cli_accepts_events(tmp_path: Path) -> None:
    jsonl = tmp_path / "events.jsonl"
    env = {"SIMULATORS_EVENTGRID_KEY": "topic-key"}
    with _running("eventgrid", "--jsonl", str(jsonl), env=env) as lines:
        endpoint = lines[1].rsplit(" ", 1)[1]
        with EventGridPublisherClient(endpoint, AzureKeyCredential("topic-key")) as client:
            client.send(CloudEvent(source="/cli", type="test", data={"ok": True}))
        assert len(requests.get(endpoint, timeout=5).json()) == 1
    assert '"source":"/cli"' in jsonl.read_text(encoding="utf-8")


def test_identity_from_the_cli_issues_tokens_the_others_verify() -> None:
    env = {"SIMULATORS_IDENTITY_HEADER": "identity-secret"}
    with _running("identity", env=env) as lines:
        endpoint = lines[1].split("=", 1)[1]
        answer = requests.get(
            endpoint,
            params={"api-version": "2019-08-01", "resource": CPP_AUDIENCE},
            headers={"X-IDENTITY-HEADER": "identity-secret"},
            timeout=5,
        ).json()
    TokenAuthority(SIGNING_KEY).verify(answer["access_token"], CPP_AUDIENCE)


def test_help_explains_how_to_choose_scenarios() -> None:
    def help_of(command: str) -> str:
        result = run_module("simulators", command, "--help")
        assert result.returncode == 0, result.stderr
        return result.stdout

    cpp = help_of("cpp")
    assert "--scenarios" in cpp and "Offer-id words" in cpp and "throttleddate" in cpp
    ingestion = help_of("ingestion")
    assert "External-id words" in ingestion and "certfailed" in ingestion
    assert "Scenarios" in help_of("eventgrid")
    assert "Scenarios" in help_of("identity")


def test_a_bad_scenarios_file_is_refused_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"offers": {"p/o": {"nonsense": 1}}}')
    result = run_module("simulators", "cpp", "--scenarios", str(bad), timeout=30)
    assert result.returncode == 2
    assert "nonsense" in result.stderr


def test_a_port_in_use_is_reported() -> None:
    with EventGridSimulator() as taken:
        port = taken.base_url.rsplit(":", 1)[1]
        result = run_module(
            "simulators",
            "eventgrid",
            "--port",
            port,
            env={"SIMULATORS_EVENTGRID_KEY": "k"},
            timeout=30,
        )
    assert result.returncode == 2
    assert "address already in use" in result.stderr
