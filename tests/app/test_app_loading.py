"""The app as the host loads it: settings checked at load, function-level auth on routes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.stack import LocalStack

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _serve_without(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in env_changes}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "devhost", "serve", "--app-dir", str(PROJECT_ROOT), "--port", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"EVENTGRID_TOPIC_ENDPOINT": None}, "EVENTGRID_TOPIC_ENDPOINT"),
        (
            {"EVENTGRID_TOPIC_ENDPOINT": "http://topic.example.com/api/events"},
            "EVENTGRID_TOPIC_ENDPOINT",
        ),
        (
            {
                "EVENTGRID_TOPIC_ENDPOINT": "https://t.example.com/api/events",
                "POLL_MAX_INTERVAL_SECONDS": "ten",
            },
            "POLL_MAX_INTERVAL_SECONDS",
        ),
        (
            {
                "EVENTGRID_TOPIC_ENDPOINT": "https://t.example.com/api/events",
                "CPP_API_BASE_URL": "http://cloudpartner.example.com",
            },
            "CPP_API_BASE_URL",
        ),
    ],
)
def test_a_bad_or_missing_setting_stops_the_app_at_load_naming_itself(
    changes: dict[str, str | None], named: str
) -> None:
    result = _serve_without(changes)
    assert result.returncode == 1
    assert named in result.stderr


@pytest.mark.azurite
def test_http_routes_use_function_level_auth(stack: LocalStack) -> None:
    """Every route that shows or changes a go-live needs a key; the dashboard page and
    its files, which hold no data, are the anonymous ones."""
    registry = stack.devhost.registry
    assert set(registry.http) == {
        "start_go_live_http",
        "go_live_status_http",
        "cancel_go_live_http",
        "list_go_lives_http",
        "dashboard_http",
        "dashboard_file_http",
    }
    for name, spec in registry.http.items():
        expected = "ANONYMOUS" if name.startswith("dashboard") else "FUNCTION"
        assert str(spec.trigger["authLevel"]).upper() == expected
