"""Load run: many go-lives queued at once, all followed to their end in virtual time.

The messages are enqueued before the clock starts; the run ends when every go-live has
completed. Nothing may be lost: one go-live and one Succeeded event per message, none in
poison. Figures: wall time, go-lives per second, the host's peak resident memory (VmHWM).
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from golive import events
from tests.hardening.hosted_app import HostedApp

PUBLISHER = "contoso"


@dataclass
class LoadReport:
    go_lives: int
    wall_seconds: float
    peak_memory_mib: float
    problems: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.go_lives / self.wall_seconds

    def summary(self) -> str:
        return (
            f"load: {self.go_lives} go-lives queued at once, all done in "
            f"{self.wall_seconds:.1f} s wall = {self.per_second:.1f} go-lives/s; "
            f"devhost peak memory {self.peak_memory_mib:.0f} MiB; problems {len(self.problems)}"
        )


def load_run(app: HostedApp, *, go_lives: int, tag: str = "load") -> LoadReport:
    """Queue `go_lives` requests (offers `polls3-<tag><n>`), then wait for every end."""
    offers = [f"polls3-{tag}{n}" for n in range(go_lives)]
    app.stop()  # enqueue everything while no host runs: "queued at once"
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda offer: app.send(
                    {"publisherId": PUBLISHER, "offerId": offer, "requestId": f"req-{offer}"}
                ),
                offers,
            )
        )
    app.start()
    began = time.monotonic()  # from the moment the host listens
    finished = app.wait_until_all_finished(go_lives, timeout=3600, interval=1.0)
    wall = time.monotonic() - began
    report = LoadReport(go_lives, wall, app.peak_memory_kib() / 1024)
    statuses = Counter(i["runtimeStatus"] for i in finished)
    if statuses != Counter({"Completed": go_lives}):
        report.problems.append(f"runtime statuses {dict(statuses)}")
    succeeded = {
        e["subject"].rsplit("/", 1)[1]
        for e in app.simulators.eventgrid.events
        if e["type"] == events.SUCCEEDED
    }
    missing = sorted(set(offers) - succeeded)
    if missing:
        report.problems.append(f"{len(missing)} without a Succeeded event, e.g. {missing[:5]}")
    if app.poisoned():
        report.problems.append("messages in poison")
    return report
