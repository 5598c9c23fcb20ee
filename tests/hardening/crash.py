"""Crash run: go-lives across the simulators' scenarios (CPP and Product Ingestion) while
the host is killed with SIGKILL.

Go-lives are started from HTTP and from the queue, a few more after every restart, and
the devhost child is killed at random moments (some while it is still starting) and
started again on the same state file;
now and then Event Grid refuses a few publishes and the identity endpoint a few tokens.
Afterwards every run is counted: nothing lost (every go-live ends, none of its queue
messages in poison), exactly one terminal outcome per run (the same event id delivered
again is allowed and counted), the outcome the scenario leads to, and go-live POSTs per
run at most 1 + the POSTs the scenario refuses on purpose + the kills that landed while
the run was starting (for Product Ingestion, `POST configure` counts as the go-live POST).
"""

from __future__ import annotations

import base64
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests

from golive import events
from golive.apis import GoLiveApi
from simulators.ingestion.product import product_guid
from tests.hardening.hosted_app import HostedApp

PUBLISHER = "contoso"


@dataclass(frozen=True)
class Plan:
    """What a scenario leads to: its outcome and the go-live POSTs it refuses on purpose."""

    expected: str
    refused_posts: int = 0
    api: GoLiveApi = GoLiveApi.CPP


# Offer-id words (docs/simulators.md) whose outcome does not depend on the clock: CPP
# operations that advance by GETs, Product Ingestion jobs on the simulator's ticking clock.
CPP_SCENARIOS: dict[str, tuple[str, int]] = {
    "polls3": (events.SUCCEEDED, 0),
    "polls4-fail": (events.FAILED, 0),
    "errtext-polls4-failpackaging": (events.FAILED, 0),
    "polls4-canceled": (events.CANCELED, 0),
    "rejected": (events.REJECTED, 0),
    "polls6-blocked": (events.SUCCEEDED, 0),
    "legacy-polls3": (events.SUCCEEDED, 0),
    "oploc-polls3": (events.SUCCEEDED, 0),
    "array-polls3": (events.SUCCEEDED, 0),
    "succeeded-polls3": (events.SUCCEEDED, 0),
    "complete-polls3": (events.SUCCEEDED, 0),
    "unknownstatus-polls4": (events.SUCCEEDED, 0),
    "throttled1-polls3": (events.SUCCEEDED, 0),
    "burst500-polls5": (events.SUCCEEDED, 0),
    "reset-polls3": (events.SUCCEEDED, 0),
    "burst503x2_post-polls3": (events.SUCCEEDED, 2),
    "throttled1x1_post-polls3": (events.SUCCEEDED, 1),
    "reset_post-polls3": (events.SUCCEEDED, 1),  # the POST took effect; its answer was lost
}
INGESTION_SCENARIOS: dict[str, tuple[str, int]] = {
    "pi-plain": (events.SUCCEEDED, 0),
    "pi-jobfailed": (events.FAILED, 0),
    "pi-certfailed": (events.FAILED, 0),
    "pi-livefailed": (events.FAILED, 0),
    "pi-rejected": (events.REJECTED, 0),
    "pi-inprogress": (events.REJECTED, 0),
    "pi-nopreview": (events.REJECTED, 0),
    "pi-jobidcaps-capitalized": (events.SUCCEEDED, 0),
    "pi-burst500": (events.SUCCEEDED, 0),
    "pi-reset": (events.SUCCEEDED, 0),
    "pi-burst503x2_post": (events.SUCCEEDED, 2),
    "pi-throttled60x1_post": (events.SUCCEEDED, 1),
}
SCENARIOS: dict[str, Plan] = {
    **{name: Plan(*plan) for name, plan in CPP_SCENARIOS.items()},
    **{
        name: Plan(*plan, api=GoLiveApi.PRODUCT_INGESTION)
        for name, plan in INGESTION_SCENARIOS.items()
    },
}


@dataclass
class Run:
    offer: str
    scenario: str
    via: str  # "http" or "queue"
    kills_while_starting: int = 0
    last_phase: str | None = None  # as last seen before a kill; a phase never comes back

    @property
    def plan(self) -> Plan:
        return SCENARIOS[self.scenario]


@dataclass
class CrashReport:
    runs: list[Run]
    kills: int
    wall_seconds: float
    outcomes: Counter[str] = field(default_factory=Counter)
    redeliveries: int = 0
    posts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        starting = sum(r.kills_while_starting for r in self.runs)
        extra = sum(
            max(0, self.posts.get(r.offer, 0) - 1 - r.plan.refused_posts) for r in self.runs
        )
        return (
            f"crash: {len(self.runs)} go-lives, {self.kills} SIGKILLs "
            f"({starting} run-kills while starting), {self.wall_seconds:.1f} s wall; "
            f"outcomes {dict(sorted(self.outcomes.items()))}; "
            f"same-id re-deliveries {self.redeliveries}; extra go-live POSTs {extra}; "
            f"problems {len(self.problems)}"
        )


def crash_run(app: HostedApp, *, go_lives: int, kills: int, seed: int) -> CrashReport:
    """Start `go_lives` go-lives spread over `kills` kill/restart cycles, then count."""
    rng = random.Random(seed)
    names = _interleaved(list(CPP_SCENARIOS), list(INGESTION_SCENARIOS))
    runs = [
        Run(f"{names[i % len(names)]}-k{seed}n{i}", names[i % len(names)], ("http", "queue")[i % 2])
        for i in range(go_lives)
    ]
    began = time.monotonic()
    submitted: list[Run] = []
    per_cycle = max(1, -(-go_lives // (kills + 1)))
    pending = list(runs)
    done = 0
    while done < kills:
        batch, pending = pending[:per_cycle], pending[per_cycle:]
        for run in batch:
            _submit(app, run)
            submitted.append(run)
        if rng.random() < 0.2:  # Event Grid refuses for a while
            app.simulators.eventgrid.fail_next(rng.randint(1, 4), status=503)
        if rng.random() < 0.2:  # the identity endpoint fails the restarted host's first asks
            app.simulators.identity.fail_next(rng.randint(1, 2), status=500)
        time.sleep(rng.uniform(0.05, 0.7))
        _note_starting(app, submitted)
        app.kill()
        done += 1
        # Now and then the host dies again while it starts, recovering its work.
        while done < kills and rng.random() < 0.3:
            app.start(wait=False)
            time.sleep(rng.uniform(0.3, 2.0))
            for run in submitted:
                run.kills_while_starting += run.last_phase in (None, "starting")
            app.kill()
            done += 1
        app.start()
    for run in pending:
        _submit(app, run)
    app.wait_until_all_finished(len(runs), timeout=180)
    report = CrashReport(runs, kills, time.monotonic() - began)
    _count(app, report)
    return report


def _interleaved(first: list[str], second: list[str]) -> list[str]:
    """Both APIs' scenarios taken in turn, so a short run has some of each."""
    mixed = [name for pair in zip(first, second, strict=False) for name in pair]
    shorter = min(len(first), len(second))
    return mixed + first[shorter:] + second[shorter:]


def _submit(app: HostedApp, run: Run) -> None:
    request_id = f"req-{run.offer}"
    api = run.plan.api.value
    if run.via == "queue":
        app.send(
            {"publisherId": PUBLISHER, "offerId": run.offer, "requestId": request_id, "api": api}
        )
        return
    # An operator whose POST met a dying host sends it again, with the same request id.
    for _ in range(50):
        try:
            response = app.request(
                "POST",
                f"/api/golive/{PUBLISHER}/{run.offer}",
                json={"requestId": request_id, "api": api},
            )
        except requests.RequestException:
            time.sleep(0.2)
            continue
        if response.status_code in (200, 202, 409):
            return
        raise AssertionError(f"start of {run.offer}: {response.status_code} {response.text}")
    raise AssertionError(f"start of {run.offer} never answered")


def _note_starting(app: HostedApp, submitted: list[Run]) -> None:
    """Before a kill: which runs may have a start activity in flight (conservatively)."""
    try:
        phases = {
            i["instanceId"]: (i.get("customStatus") or {}).get("phase") for i in app.instances()
        }
    except (requests.RequestException, ValueError):
        phases = {}
    for run in submitted:
        phase = phases.get(f"golive:{PUBLISHER}:{run.offer}".lower())
        run.last_phase = phase or run.last_phase
        if run.last_phase in (None, "starting"):
            run.kills_while_starting += 1


def _count(app: HostedApp, report: CrashReport) -> None:
    statuses = {i["instanceId"]: i for i in app.instances()}
    published = app.simulators.eventgrid.events
    posts = _go_live_posts(app, report.runs)
    poisoned = app.poisoned()
    for run in report.runs:
        where = f"{run.offer} ({run.via})"
        status = statuses.get(f"golive:{PUBLISHER}:{run.offer}".lower())
        if status is None:
            report.problems.append(f"{where}: lost, no go-live")
            continue
        if status["runtimeStatus"] != "Completed":
            report.problems.append(f"{where}: ended {status['runtimeStatus']}")
        subject = f"publishers/{PUBLISHER}/offers/{run.offer}"
        completions = [
            e for e in published if e["subject"] == subject and e["type"] != events.ACTION_REQUIRED
        ]
        ids = Counter(e["id"] for e in completions)
        report.redeliveries += sum(n - 1 for n in ids.values())
        if len(ids) != 1:
            report.problems.append(f"{where}: {len(ids)} distinct outcomes {_types(completions)}")
        for kind in {e["type"] for e in completions}:
            report.outcomes[kind] += 1
        expected = run.plan.expected
        if completions and completions[0]["type"] != expected:
            report.problems.append(f"{where}: {completions[0]['type']}, not {expected}")
        report.posts[run.offer] = posts.get(run.offer, 0)
        allowed = 1 + run.plan.refused_posts + run.kills_while_starting
        if posts.get(run.offer, 0) > allowed:
            report.problems.append(f"{where}: {posts[run.offer]} go-live POSTs > {allowed}")
    if any(run.offer in _decoded(text) for text in poisoned for run in report.runs):
        report.problems.append(f"a valid message went to poison: {poisoned}")


def _go_live_posts(app: HostedApp, runs: list[Run]) -> Counter[str]:
    """Per offer: CPP's `POST .../golive` calls, or Product Ingestion's `POST configure`
    calls naming the offer's product."""
    posts = Counter(
        r.path.split("/offers/")[1].split("/")[0]
        for r in app.simulators.cpp.requests
        if r.method == "POST" and r.path.endswith("/golive")
    )
    configures = [
        r.text
        for r in app.simulators.ingestion.requests
        if r.method == "POST" and r.path.endswith("/configure")
    ]
    for run in runs:
        if run.plan.api is GoLiveApi.PRODUCT_INGESTION:
            guid = product_guid(run.offer)
            posts[run.offer] = sum(guid in body for body in configures)
    return posts


def _types(completions: list[dict[str, Any]]) -> list[str]:
    return sorted({e["type"] for e in completions})


def _decoded(text: str) -> str:
    try:
        return base64.b64decode(text).decode("utf-8", errors="replace")
    except ValueError:
        return text
