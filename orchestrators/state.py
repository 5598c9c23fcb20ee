"""The go-live's state, carried from one orchestrator execution to the next.

Everything the orchestrator knows lives here and travels through
`continue_as_new`, so a weeks-long go-live keeps a small history without
forgetting its deadline, its polls or the conditions it already announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from golive.go_live_request import GoLiveRequest
from golive.ingestion_states import IngestionProgress
from golive.operation import OperationSnapshot
from golive.run_status import Phase
from golive.settings import OrchestrationConfig

# How many earlier request ids an offer remembers, so that a replayed queue message
# never starts a second run. Bounded to keep the orchestration input small.
REMEMBERED_REQUEST_IDS = 50
# Bound on remembered ActionRequired condition keys (each is a short hash).
REMEMBERED_CONDITIONS = 200
# Bound on the events remembered as published (id, type, time), shown to operators.
REMEMBERED_EVENTS = 20


@dataclass(frozen=True)
class PendingEvent:
    """An event Event Grid has not accepted yet, and since when it has been waiting."""

    event: dict[str, Any]
    since: str

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "since": self.since}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingEvent:
        return cls(event=data["event"], since=str(data["since"]))


@dataclass(frozen=True)
class Completion:
    """The run's decided outcome and the one completion event that announces it."""

    outcome: str
    event: dict[str, Any]
    since: str

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "outcome": self.outcome, "since": self.since}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Completion:
        return cls(outcome=str(data["outcome"]), event=data["event"], since=str(data["since"]))


@dataclass(frozen=True)
class GoLiveState:
    """Input of every orchestrator execution of one go-live run."""

    request: GoLiveRequest
    config: OrchestrationConfig
    prior_request_ids: tuple[str, ...] = ()
    run_id: str | None = None
    started_at: str | None = None
    deadline: str | None = None
    phase: Phase = Phase.STARTING
    operation_url: str | None = None
    start_attempts: int = 0
    polls: int = 0
    poll_failures: int = 0
    poll_refusals: int = 0
    execution: int = 1
    snapshot: OperationSnapshot | None = None
    # Product Ingestion only: the product, submission and job followed, and their states.
    ingestion: IngestionProgress | None = None
    announced: tuple[str, ...] = field(default=())
    # Events Event Grid has not accepted yet: ActionRequired notices waiting for their next
    # try, and the completion event once the run has ended. Kept here, they survive
    # continue_as_new, so retrying them never grows one execution's history without bound.
    outbox: tuple[PendingEvent, ...] = ()
    completion: Completion | None = None
    publish_attempts: int = 0
    published: tuple[dict[str, Any], ...] = ()

    @classmethod
    def new(
        cls,
        request: GoLiveRequest,
        config: OrchestrationConfig,
        prior_request_ids: list[str] | tuple[str, ...] = (),
    ) -> GoLiveState:
        """The state a starter hands to a fresh orchestration."""
        return cls(
            request=request,
            config=config,
            prior_request_ids=tuple(prior_request_ids)[-REMEMBERED_REQUEST_IDS:],
        )

    def begun(self, run_id: str, now: datetime) -> GoLiveState:
        """Stamp the run's identity and deadline at its first execution."""
        deadline = now.timestamp() + self.config.deadline.total_seconds()
        return replace(
            self,
            run_id=run_id,
            started_at=now.isoformat(),
            deadline=datetime.fromtimestamp(deadline, tz=now.tzinfo).isoformat(),
        )

    def announce(self, key: str) -> GoLiveState:
        """Remember that an ActionRequired event went out for this condition."""
        return replace(self, announced=(*self.announced, key)[-REMEMBERED_CONDITIONS:])

    def record_published(self, event: dict[str, Any]) -> GoLiveState:
        """Remember that Event Grid accepted this event, for the operators' detail view."""
        entry = {"id": event.get("id"), "type": event.get("type"), "time": event.get("time")}
        return replace(self, published=(*self.published, entry)[-REMEMBERED_EVENTS:])

    def known_request_ids(self) -> list[str]:
        """Every request id this offer has served, newest last."""
        ids = list(self.prior_request_ids)
        if self.request.request_id:
            ids.append(self.request.request_id)
        return ids[-REMEMBERED_REQUEST_IDS:]

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request.to_json(),
            "config": self.config.to_json(),
            "priorRequestIds": list(self.prior_request_ids),
            "runId": self.run_id,
            "startedAt": self.started_at,
            "deadline": self.deadline,
            "phase": str(self.phase),
            "operationUrl": self.operation_url,
            "startAttempts": self.start_attempts,
            "polls": self.polls,
            "pollFailures": self.poll_failures,
            "pollRefusals": self.poll_refusals,
            "execution": self.execution,
            "snapshot": self.snapshot.to_dict() if self.snapshot else None,
            "ingestion": self.ingestion.to_json() if self.ingestion else None,
            "announced": list(self.announced),
            "outbox": [item.to_json() for item in self.outbox],
            "completion": self.completion.to_json() if self.completion else None,
            "publishAttempts": self.publish_attempts,
            "published": list(self.published),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GoLiveState:
        snapshot, completion = data.get("snapshot"), data.get("completion")
        ingestion = data.get("ingestion")
        return cls(
            request=GoLiveRequest.from_json(data["request"]),
            config=OrchestrationConfig.from_json(data["config"]),
            prior_request_ids=tuple(data.get("priorRequestIds") or ()),
            run_id=data.get("runId"),
            started_at=data.get("startedAt"),
            deadline=data.get("deadline"),
            phase=Phase(data.get("phase", Phase.STARTING)),
            operation_url=data.get("operationUrl"),
            start_attempts=int(data.get("startAttempts", 0)),
            polls=int(data.get("polls", 0)),
            poll_failures=int(data.get("pollFailures", 0)),
            poll_refusals=int(data.get("pollRefusals", 0)),
            execution=int(data.get("execution", 1)),
            snapshot=OperationSnapshot.from_dict(snapshot) if snapshot else None,
            ingestion=IngestionProgress.from_json(ingestion) if ingestion else None,
            announced=tuple(data.get("announced") or ()),
            outbox=tuple(PendingEvent.from_json(item) for item in data.get("outbox") or ()),
            completion=Completion.from_json(completion) if completion else None,
            publish_attempts=int(data.get("publishAttempts", 0)),
            published=tuple(data.get("published") or ()),
        )
