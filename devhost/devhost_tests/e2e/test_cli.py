"""The CLI: start-up output, settings, clean stop on signals, refusal of unsupported bindings."""

from __future__ import annotations

import signal

import pytest
import requests

from devhost_tests.e2e.helpers import APPS
from devhost_tests.e2e.process import DevhostProcess
from devhost_tests.support import run_module


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_functions_and_urls_and_stops_cleanly(stop_signal: int) -> None:
    child = DevhostProcess(APPS / "chaining", "--port", "0", "--virtual-time")
    try:
        base_url = child.wait_listening()
        output = "\n".join(child.lines)
        assert f"http_start: httpTrigger [POST] {base_url}/api/orchestrators/" in output
        assert "chain: orchestrationTrigger" in output
        assert "say_hello: activityTrigger" in output
        assert f"Durable HTTP API: {base_url}/runtime/webhooks/durabletask/" in output
        assert f"  master: {child.keys.master}" in output
        url = f"{base_url}/api/orchestrators/chain"
        assert requests.post(url, json=["Bern"], timeout=10).status_code == 401  # no key
        started = requests.post(url, json=["Bern"], headers=child.function_key_headers, timeout=10)
        assert started.status_code == 202
        assert f"code={child.keys.durable_system}" in started.headers["Location"]
        child.signal(stop_signal)
        assert child.wait_exit() == 0
        assert child.lines[-1] == "Stopped."
    finally:
        child.close()


def test_environment_wins_over_local_settings() -> None:
    child = DevhostProcess(APPS / "http_basics", "--port", "0", env={"GREETING": "Hi from env"})
    try:
        base_url = child.wait_listening()
        assert any(
            line.startswith("Skipping 'GREETING' from local settings") for line in child.lines
        )
        greeting = requests.get(
            f"{base_url}/api/greet/Bo", params={"code": child.keys.default_function}, timeout=10
        )
        assert greeting.text == "Hi from env, Bo!"
        child.signal(signal.SIGTERM)
        assert child.wait_exit() == 0
    finally:
        child.close()


def test_unsupported_binding_is_refused_at_start_up_by_name() -> None:
    result = run_module("devhost", "serve", "--app-dir", str(APPS / "unsupported"), "--port", "0")
    assert result.returncode == 1
    assert "on_upload" in result.stderr
    assert "blobTrigger" in result.stderr
    assert "Listening on" not in result.stdout


def test_missing_app_folder_is_an_error(tmp_path: object) -> None:
    result = run_module("devhost", "serve", "--app-dir", str(tmp_path))
    assert result.returncode == 1
    assert "function_app.py" in result.stderr
