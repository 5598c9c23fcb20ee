"""Where a go-live stands at a given moment: pure arithmetic over the scenario.

Progress is measured in *units*: seconds since creation (time-driven scenarios) or the
number of successful operation GETs (poll-driven ones). `work` is the progress through the
steps; a blocked step freezes work for a stretch of units, so

    work(x) = x                 before the block
            = block_start       during the block
            = x - block_length  after it

and the operation ends at the first of: success (work reaches the total), the failure or
cancellation point (the middle of the chosen step, after any block there), or a cancel
requested through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simulators.cpp.scenario import Scenario
from simulators.cpp.steps import STEPS, StepSpec, step_index

Outcome = Literal["succeeded", "failed", "canceled"]
StepStatus = Literal["notStarted", "inProgress", "blocked", "complete", "failed", "canceled"]


@dataclass(frozen=True)
class StepEvent:
    """Something worth a message in a step: when (in units), how severe, what."""

    at: float
    level: Literal["information", "error"]
    text: str


@dataclass(frozen=True)
class StepState:
    spec: StepSpec
    status: StepStatus
    progress: int
    events: tuple[StepEvent, ...]


@dataclass(frozen=True)
class Snapshot:
    outcome: Outcome | None
    steps: tuple[StepState, ...]
    last_action: float
    ended_at: float | None


class Timeline:
    """The fixed plan of one operation; `at(x)` says what it looks like after x units."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.total = float(scenario.polls) if scenario.polls else scenario.duration.total_seconds()
        bounds = [0.0]
        for step in STEPS:
            bounds.append(bounds[-1] + step.weight * self.total)
        bounds[-1] = self.total  # no rounding drift at the end
        self._bounds = bounds
        self.block_index = step_index(scenario.blocked_step) if scenario.blocked_step else None
        self.block_start = self._middle(self.block_index) if self.block_index is not None else None
        if scenario.polls:
            self.block_length = float(scenario.blocked_polls)
        else:
            self.block_length = scenario.blocked_for.total_seconds()

    def _middle(self, index: int) -> float:
        return (self._bounds[index] + self._bounds[index + 1]) / 2

    def units_at_work(self, position: float, *, after_block: bool = True) -> float:
        """The unit count when work reached `position` (after the block, if there is one)."""
        if self.block_start is None:
            return position
        if position < self.block_start or (position == self.block_start and not after_block):
            return position
        return position + self.block_length

    def work_at(self, x: float) -> float:
        if self.block_start is None or x < self.block_start:
            return min(x, self.total)
        if x < self.block_start + self.block_length:
            return self.block_start
        return min(x - self.block_length, self.total)

    def planned_end(self) -> tuple[float, Outcome, int | None]:
        """When the scenario itself ends the operation, how, and at which step."""
        end: tuple[float, Outcome, int | None] = (
            self.units_at_work(self.total),
            "succeeded",
            None,
        )
        planned: list[tuple[str | None, Outcome]] = [
            (self.scenario.fail_at, "failed"),
            (self.scenario.cancel_at, "canceled"),
        ]
        for step, outcome in planned:
            if step is None:
                continue
            index = step_index(step)
            at = self.units_at_work(self._middle(index))
            if at < end[0]:
                end = (at, outcome, index)
        return end

    def at(self, x: float, cancel_requested_at: float | None = None) -> Snapshot:
        end_at, outcome, end_step = self.planned_end()
        if cancel_requested_at is not None and cancel_requested_at < end_at:
            end_at, outcome, end_step = cancel_requested_at, "canceled", None
        ended = x >= end_at
        x = min(x, end_at)
        work = self.work_at(x)
        if ended and outcome != "succeeded" and end_step is None:
            end_step = self._step_holding(work)
        steps = tuple(
            self._step_state(i, x, work, outcome if ended else None, end_step, end_at)
            for i in range(len(STEPS))
        )
        events = [event.at for step in steps for event in step.events]
        return Snapshot(
            outcome=outcome if ended else None,
            steps=steps,
            last_action=max([0.0, *events]),
            ended_at=end_at if ended else None,
        )

    def _step_holding(self, work: float) -> int:
        for index in range(len(STEPS)):
            if work < self._bounds[index + 1]:
                return index
        return len(STEPS) - 1

    def _step_state(
        self,
        index: int,
        x: float,
        work: float,
        outcome: Outcome | None,
        end_step: int | None,
        end_at: float,
    ) -> StepState:
        spec = STEPS[index]
        start, finish = self._bounds[index], self._bounds[index + 1]
        events: list[StepEvent] = []
        if work < start:
            return StepState(spec, "notStarted", 0, ())
        started_at = self.units_at_work(start, after_block=False)
        events.append(StepEvent(started_at, "information", "Step started."))
        span = finish - start
        progress = int(100 * (min(work, finish) - start) / span) if span > 0 else 100
        if index == self.block_index and self.block_start is not None and x >= self.block_start:
            events.append(StepEvent(self.block_start, "error", self.scenario.blocked_message))
            block_end = self.block_start + self.block_length
            if x < block_end:
                if outcome is None or index != end_step:
                    return StepState(spec, "blocked", progress, tuple(events))
            else:
                events.append(
                    StepEvent(block_end, "information", "The publisher responded; step resumed.")
                )
        if outcome in ("failed", "canceled") and index == end_step:
            if outcome == "failed":
                events.append(StepEvent(end_at, "error", self.scenario.error_message))
                return StepState(spec, "failed", progress, tuple(events))
            events.append(StepEvent(end_at, "information", "The operation was canceled."))
            return StepState(spec, "canceled", progress, tuple(events))
        if work >= finish:
            done_at = self.units_at_work(finish)
            events.append(StepEvent(done_at, "information", "Step completed."))
            return StepState(spec, "complete", 100, tuple(events))
        return StepState(spec, "inProgress", progress, tuple(events))
