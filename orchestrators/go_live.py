"""The go-live orchestration: ask to go live, follow the operation, announce the end.

Read `GoLiveRun.execute` top to bottom for the business process. The code is
deterministic (FACTS.md §2): time comes from `context.current_utc_datetime`,
ids from `context.new_uuid()`, everything else from the input and from activity
results. Activities classify the API's answers; this module owns every retry, with
durable timers, so no `call_activity_with_retry` (azure-functions-durable-python#603).
The request's `api` picks CPP (here) or Product Ingestion (orchestrators/ingestion.py);
waiting, cancelling, deadlines and events are the same for both.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from golive import events
from golive.apis import GoLiveApi
from golive.attention import needs_person, recent_messages
from golive.function_names import (
    CANCEL_ACTIVITY,
    CANCEL_EVENT,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
    START_ACTIVITY,
)
from golive.operation import AttentionCondition, OperationSnapshot, Outcome
from orchestrators.ending import Ending, rejection_of, retry_after
from orchestrators.ingestion import IngestionStages
from orchestrators.state import FINISHED, POLLING, PUBLISHING, STARTING, GoLiveState

Steps = Generator[Any, Any, Any]


class EventNotDeliveredError(RuntimeError):
    """The completion event could not be published within the give-up window.

    Raised so the instance ends Failed, where monitoring sees it; the event itself
    is in the message, so nothing is lost.
    """


def orchestrate(context: Any) -> Steps:
    """Entry point registered as the orchestrator function."""
    state = GoLiveState.from_dict(context.get_input())
    if state.run_id is None:
        state = state.begun(str(context.new_uuid()), _now(context))
    return (yield from GoLiveRun(context, state).execute())


class GoLiveRun:
    """One execution of the orchestrator, holding the state it will carry on."""

    def __init__(self, context: Any, state: GoLiveState) -> None:
        self.context = context
        self.state = state
        config = state.config
        self.poll_policy = config.poll_policy()
        self.start_policy = config.start_retry_policy()
        self.poll_retry_policy = config.poll_retry_policy()
        self.publish_policy = config.publish_retry_policy()
        self.deadline = _parse_time(state.deadline)
        self.iterations = 0
        # One wait per execution, reused by every pause: the SDK hands an event to the
        # newest open wait of that name, so a fresh wait per pause would let a cancel raised
        # while an activity runs land on an abandoned one and be lost.
        self.cancel = context.wait_for_external_event(CANCEL_EVENT)
        self.api = state.request.api or GoLiveApi.CPP
        self.ingestion = IngestionStages(self)

    # The process --------------------------------------------------------------------------

    def execute(self) -> Steps:
        if self.state.phase == PUBLISHING:
            return (yield from self.deliver_completion())
        if self.state.phase == STARTING:
            if self.api is GoLiveApi.PRODUCT_INGESTION:
                ending = yield from self.ingestion.start()
            else:
                ending = yield from self.start_go_live()
            if ending is not None:
                return (yield from self.finish(ending))
        return (yield from self.follow_operation())

    def start_go_live(self) -> Steps:
        """POST go-live until CPP accepts or refuses it; None once accepted."""
        while True:
            self.show(next_poll_at=None)
            result = yield from self.call(START_ACTIVITY, {"request": self.state.request.to_dict()})
            kind = result.get("kind")
            if kind == "accepted":
                url = result["operationUrl"]
                self.state = replace(self.state, phase=POLLING, operation_url=url)
                return None
            if kind == "rejected":
                return Ending(events.REJECTED, rejection=rejection_of(result))
            if kind == "unsafeLocation":
                return Ending(events.FAILED, reason=_unsafe_reason(result))
            ending = yield from self.retry_start(result)
            if ending is not None:
                return ending

    def retry_start(self, result: dict[str, Any]) -> Steps:
        """After a transient start failure: wait with backoff; an Ending once out of tries."""
        attempts = self.state.start_attempts + 1
        self.state = replace(self.state, start_attempts=attempts)
        if self.start_policy.exhausted(attempts):
            return Ending(
                events.FAILED,
                reason=f"{self.api_name} did not accept the go-live after {attempts} attempts; "
                f"last error: {result.get('reason')}",
            )
        delay = self.start_policy.delay(attempts, retry_after(result))
        ending = yield from self.pause(self.now() + delay)
        if ending is not None:
            return ending
        if self.now() >= self.deadline:
            return Ending(events.TIMED_OUT, reason=f"{self.api_name} never accepted the go-live")
        return None

    def follow_operation(self) -> Steps:
        """Poll the operation on a growing durable-timer interval until it ends."""
        while True:
            if self.api is GoLiveApi.PRODUCT_INGESTION:
                ending, delay = yield from self.ingestion.poll()
            else:
                ending, delay = yield from self.poll_cpp()
            if ending is not None:
                return (yield from self.finish(ending))
            if self.now() >= self.deadline:
                return (yield from self.finish(Ending(events.TIMED_OUT)))
            ending = yield from self.pause(self.now() + delay)
            if ending is not None:
                return (yield from self.finish(ending))
            self.iterations += 1
            if self.iterations >= self.state.config.polls_per_execution:
                return (yield from self.continue_as_new())

    def poll_cpp(self) -> Steps:
        """One read of the CPP operation: (an Ending or None, the wait before the next)."""
        result = yield from self.call(POLL_ACTIVITY, {"operationUrl": self.state.operation_url})
        kind = result.get("kind")
        if kind == "status":
            ending = yield from self.take_snapshot(result["snapshot"])
            return ending, self.poll_policy.interval(self.state.polls - 1, retry_after(result))
        if kind == "unsafeLocation":
            return Ending(events.FAILED, reason=_unsafe_reason(result)), timedelta(0)
        return self.poll_trouble(result)

    def poll_trouble(self, result: dict[str, Any]) -> tuple[Ending | None, timedelta]:
        """A poll that was refused or failed: the backoff, or an Ending if refusals persist."""
        if result.get("kind") == "rejected":
            # A one-off 401/403/404 (a token refresh, a brief outage) must not end a
            # weeks-long run; a refusal that persists does.
            refusals = self.state.poll_refusals + 1
            self.state = replace(self.state, poll_refusals=refusals)
            if self.start_policy.exhausted(refusals):
                return self.poll_refused(result), timedelta(0)
            return None, self.poll_retry_policy.delay(refusals, retry_after(result))
        failures = self.state.poll_failures + 1
        self.state = replace(self.state, poll_failures=failures)
        return None, self.poll_retry_policy.delay(failures, retry_after(result))

    def take_snapshot(self, snapshot_data: dict[str, Any]) -> Steps:
        """Record a poll's answer, announce new conditions, and say if the run ended."""
        snapshot = OperationSnapshot.from_dict(snapshot_data)
        self.state = replace(
            self.state,
            polls=self.state.polls + 1,
            poll_failures=0,
            poll_refusals=0,
            snapshot=snapshot_data,
        )
        for condition in snapshot.attention_conditions():
            self.announce(condition)
        yield from self.flush_outbox()
        if snapshot.outcome == Outcome.SUCCEEDED:
            return Ending(events.SUCCEEDED)
        if snapshot.outcome == Outcome.FAILED:
            return Ending(events.FAILED, error=events.error_details(snapshot))
        if snapshot.outcome == Outcome.CANCELED:
            return Ending(events.CANCELED, reason="the operation was canceled in CPP")
        return None

    def announce(self, condition: AttentionCondition) -> None:
        """Queue one ActionRequired event per distinct condition (sent by `flush_outbox`)."""
        if condition.key in self.state.announced:
            return
        event = events.build_action_required_event(
            self.summary(), condition, source=self.state.config.event_source, time=self.now()
        )
        self.state = replace(
            self.state.announce(condition.key),
            outbox=(*self.state.outbox, {"event": event, "since": self.now().isoformat()}),
        )

    def finish(self, ending: Ending) -> Steps:
        """Build the one completion event; the run ends only once Event Grid accepts it."""
        summary = self.summary(finished_at=self.now(), error=ending.error)
        event = events.build_completion_event(
            ending.event_type,
            summary,
            source=self.state.config.event_source,
            time=self.now(),
            rejection=ending.rejection,
            reason=ending.reason,
        )
        completion = {"event": event, "outcome": ending.event_type, "since": self.now().isoformat()}
        self.state = replace(self.state, phase=PUBLISHING, completion=completion)
        return (yield from self.deliver_completion())

    def deliver_completion(self) -> Steps:
        """Publish with backoff until Event Grid accepts, across executions if need be."""
        completion = self.state.completion or {}
        event, outcome = completion["event"], completion["outcome"]
        give_up_at = _parse_time(completion["since"]) + self.state.config.publish_give_up
        while True:
            self.show(next_poll_at=None, outcome=outcome)
            yield from self.flush_outbox()
            result = yield from self.call(PUBLISH_ACTIVITY, {"event": event})
            if result.get("kind") == "published":
                self.state = self.state.record_published(event)
                break
            attempts = self.state.publish_attempts + 1
            self.state = replace(self.state, publish_attempts=attempts)
            if self.now() >= give_up_at:
                raise EventNotDeliveredError(
                    f"completion event not accepted by Event Grid after {attempts} attempts: "
                    f"{event}"
                )
            delay = self.publish_policy.delay(attempts, retry_after(result))
            yield self.context.create_timer(min(self.now() + delay, give_up_at))
            self.iterations += 1
            if self.iterations >= self.state.config.polls_per_execution:
                return (yield from self.continue_as_new())
        self.state = replace(self.state, phase=FINISHED)
        self.show(next_poll_at=None, outcome=outcome)
        return {
            "outcome": outcome,
            "eventId": event["id"],
            "event": event,
            "requestIds": self.state.known_request_ids(),
        }

    def continue_as_new(self) -> Steps:
        """Start a fresh history carrying all state, so weeks of polls stay cheap to replay.

        A cancel that already arrived is honoured first: the new execution would not see it.
        """
        if self.cancel.is_completed and self.state.phase != PUBLISHING:
            ending = yield from self.cancel_requested(self.cancel.result)
            return (yield from self.finish(ending))
        self.state = replace(self.state, execution=self.state.execution + 1)
        self.context.continue_as_new(self.state.to_dict())
        return None

    # Waiting and cancellation ---------------------------------------------------------------

    def pause(self, wake_at: datetime) -> Steps:
        """Sleep on a durable timer (never past the deadline) unless an operator cancels."""
        wake_at = min(wake_at, self.deadline)
        self.show(next_poll_at=wake_at)
        timer = self.context.create_timer(wake_at)
        winner = yield self.context.task_any([timer, self.cancel])
        if winner is not self.cancel:
            return None
        if not timer.is_completed:
            timer.cancel()
        return (yield from self.cancel_requested(self.cancel.result))

    def cancel_requested(self, payload: Any) -> Steps:
        """Stop waiting; with `cancelOperation` also ask the API to cancel the operation."""
        request = payload if isinstance(payload, dict) else {}
        reason = str(request.get("reason") or "canceled by an operator")
        if not request.get("cancelOperation"):
            return Ending(events.CANCELED, reason=reason)
        if self.api is GoLiveApi.PRODUCT_INGESTION:
            answer = yield from self.ingestion.cancel()
            return Ending(events.CANCELED, reason=f"{reason}; Product Ingestion cancel: {answer}")
        payload = {"request": self.state.request.to_dict()}
        result = yield from self.call_until_answered(CANCEL_ACTIVITY, payload)
        return Ending(events.CANCELED, reason=f"{reason}; CPP cancel: {_describe(result)}")

    def call_until_answered(self, activity: str, payload: dict[str, Any]) -> Steps:
        """Run an activity again after transient failures, a bounded number of times."""
        attempts = 0
        while True:
            result = yield from self.call(activity, payload)
            attempts += 1
            if result.get("kind") != "transient" or self.start_policy.exhausted(attempts):
                return result
            delay = self.start_policy.delay(attempts, retry_after(result))
            yield self.context.create_timer(self.now() + delay)

    # Side effects through activities ---------------------------------------------------------

    def call(self, activity: str, payload: dict[str, Any]) -> Steps:
        """Run an activity; an unexpected failure counts as transient and is retried."""
        payload = {**payload, "log": self.log_fields()}
        try:
            result = yield self.context.call_activity(activity, payload)
        except Exception as error:  # the SDK raises the activity's failure here
            return {"kind": "transient", "reason": str(error)}
        return result if isinstance(result, dict) else {"kind": "transient", "reason": "no result"}

    def flush_outbox(self) -> Steps:
        """Try undelivered notices, oldest first, until one fails (Event Grid is likely still
        down): a bounded number of activity calls per pass. Expired notices are dropped."""
        waiting: list[dict[str, Any]] = []
        failed = False
        for item in self.state.outbox:
            expired = self.now() >= _parse_time(item["since"]) + self.state.config.publish_give_up
            if expired:
                continue
            if not failed:
                result = yield from self.call(PUBLISH_ACTIVITY, {"event": item["event"]})
                if result.get("kind") == "published":
                    self.state = self.state.record_published(item["event"])
                    continue
                failed = True
            waiting.append(item)
        self.state = replace(self.state, outbox=tuple(waiting))

    # What operators and events see --------------------------------------------------------

    def summary(
        self, finished_at: datetime | None = None, error: dict[str, Any] | None = None
    ) -> events.RunSummary:
        snapshot = self.state.snapshot or {}
        request = self.state.request
        return events.RunSummary(
            publisher_id=request.publisher_id,
            offer_id=request.offer_id,
            request_id=request.request_id,
            correlation_id=request.correlation_id,
            instance_id=self.context.instance_id,
            run_id=self.state.run_id or "",
            operation_location=self.state.operation_url,
            cpp_status=snapshot.get("status"),
            steps=list(snapshot.get("steps") or []),
            error=error,
            started_at=self.state.started_at or self.now().isoformat(),
            finished_at=finished_at.isoformat() if finished_at else None,
            polls=self.state.polls,
            deadline=self.state.deadline,
            api=self.api.value,
            product_ingestion=self.ingestion.summary(),
        )

    def show(self, *, next_poll_at: datetime | None, outcome: str | None = None) -> None:
        """Custom status: what the status route and the Durable API show operators."""
        snapshot = self.state.snapshot or {}
        steps = [
            {
                "name": step.get("name"),
                "status": step.get("status"),
                "progressPercentage": step.get("progressPercentage"),
                "messages": recent_messages(step.get("messages")),
            }
            for step in (snapshot.get("steps") or [])
        ][:20]
        operation = OperationSnapshot.from_dict(snapshot) if snapshot else None
        current = operation.current_step if operation else None
        waiting = self.state.phase == POLLING
        self.context.set_custom_status(
            _within_status_limit(
                {
                    "phase": self.state.phase,
                    "api": self.api.value,
                    "productIngestion": self.ingestion.summary(),
                    "runId": self.state.run_id,
                    "requestId": self.state.request.request_id,
                    "correlationId": self.state.request.correlation_id,
                    "operationLocation": self.state.operation_url,
                    "cppStatus": snapshot.get("status"),
                    "currentStep": (current.name or current.id) if current else None,
                    "steps": steps,
                    "polls": self.state.polls,
                    "startAttempts": self.state.start_attempts,
                    "nextPollAt": next_poll_at.isoformat() if next_poll_at else None,
                    "startedAt": self.state.started_at,
                    "deadline": self.state.deadline,
                    "execution": self.state.execution,
                    "outcome": outcome,
                    "undeliveredEvents": len(self.state.outbox)
                    + (1 if self.state.phase == PUBLISHING else 0),
                    "attention": needs_person(operation) if waiting and operation else [],
                    "events": list(self.state.published),
                }
            )
        )

    def log_fields(self) -> dict[str, Any]:
        """Ids every activity puts on its log lines."""
        request = self.state.request
        return {
            "instanceId": self.context.instance_id,
            "runId": self.state.run_id,
            "publisherId": request.publisher_id,
            "offerId": request.offer_id,
            "requestId": request.request_id,
            "correlationId": request.correlation_id,
        }

    def now(self) -> datetime:
        return _now(self.context)

    @property
    def api_name(self) -> str:
        return "Product Ingestion" if self.api is GoLiveApi.PRODUCT_INGESTION else "CPP"

    def poll_refused(self, result: dict[str, Any]) -> Ending:
        return Ending(
            events.FAILED,
            reason=f"{self.api_name} refused to report the operation "
            f"(HTTP {result.get('httpStatus')})",
            error={"code": result.get("code"), "message": result.get("message")},
        )


# The extension refuses a custom status over 16 KB of compact JSON measured in UTF-16.
CUSTOM_STATUS_BUDGET_BYTES = 14 * 1024
# What the last resort keeps of a list (reasons, events) and of a text.
_SHORT_LIST = 3
_SHORT_TEXT = 500


def _within_status_limit(status: dict[str, Any]) -> dict[str, Any]:
    """Drop step messages, then the step list, then shorten lists and texts, until it fits."""
    terse = {**status, "steps": [{**step, "messages": []} for step in status.get("steps") or []]}
    slim = {**status, "steps": [], "stepsOmitted": True}
    for candidate in (status, terse, slim):
        if _utf16_bytes(candidate) <= CUSTOM_STATUS_BUDGET_BYTES:
            return candidate
    return {key: _shortened(value) for key, value in slim.items()}


def _utf16_bytes(value: Any) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-16-le", errors="surrogatepass"))


def _shortened(value: Any) -> Any:
    if isinstance(value, str):
        return value[:_SHORT_TEXT]
    if isinstance(value, list):
        return [_shortened(item) for item in value[-_SHORT_LIST:]]
    if isinstance(value, dict):
        return {key: _shortened(item) for key, item in value.items()}
    return value


def _now(context: Any) -> datetime:
    now: datetime = context.current_utc_datetime
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _parse_time(text: str | None) -> datetime:
    if text is None:
        raise ValueError("the run has no deadline: its state was not begun")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unsafe_reason(result: dict[str, Any]) -> str:
    return (
        f"CPP answered with an operation location outside the configured API origin "
        f"({result.get('location')!r}: {result.get('reason')}); it was not followed and "
        f"no token was sent"
    )


def _describe(result: dict[str, Any]) -> str:
    kind = result.get("kind")
    if kind == "transient":
        return f"not confirmed ({result.get('reason')})"
    if kind == "rejected":
        return f"refused (HTTP {result.get('httpStatus')} {result.get('code')})"
    return f"accepted (HTTP {result.get('httpStatus')})"
