"""Sample values shared by the golive tests, so each test states only what it changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from golive.events import RunSummary

_RUNNING = RunSummary(
    publisher_id="contoso",
    offer_id="contoso-offer",
    request_id="req-1",
    correlation_id="corr-1",
    instance_id="golive:contoso:contoso-offer",
    run_id="3f1e2d4c-0000-4000-8000-000000000001",
    operation_location=(
        "https://cloudpartner.azure.com/api/operations/contoso$contoso-offer$2$preview"
        "?api-version=2017-10-31"
    ),
    cpp_status="running",
    steps=[],
    error=None,
    started_at="2025-03-01T08:00:00+00:00",
    finished_at="2025-03-04T09:30:15+00:00",
    polls=17,
    deadline="2025-03-22T08:00:00+00:00",
)


def run_summary(**changes: Any) -> RunSummary:
    """A go-live run still running at CPP, with `changes` applied to single fields."""
    return replace(_RUNNING, **changes)
