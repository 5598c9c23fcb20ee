"""The go-live orchestration: ask to go live, follow the operation, announce the end.

Read `GoLiveRun.execute` top to bottom for the business process. The code is
deterministic: time comes from `context.current_utc_datetime`, ids from
`context.new_uuid()`, everything else from the input and from activity results
(docs/architecture.md). Activities classify CPP's answers into the classes of
golive/activity_results.py, and this module decides by matching on them. It owns every
retry, with durable timers, so no `call_activity_with_retry`
(azure-functions-durable-python#603). The request's `api` picks CPP (here) or Product
Ingestion (orchestrators/ingestion.py); waiting, cancelling, the deadline and the events
are the same for both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from azure.durable_functions.models.history import HistoryEventType

from golive import events
from golive.activity_inputs import OfferCall, PollCall, PublishCall
from golive.activity_results import (
    Accepted,
    CancelAccepted,
    CancelResult,
    OperationStatus,
    Published,
    PublishResult,
    Rejected,
    Transient,
    UnsafeLocation,
    cancel_result,
    poll_result,
    publish_result,
    start_result,
)
from golive.apis import GoLiveApi
from golive.attention import needs_person
from golive.cancel_request import CancelRequest
from golive.errors import ActivityResultError, EventNotDeliveredError
from golive.function_names import (
    CANCEL_ACTIVITY,
    CANCEL_EVENT,
    GO_LIVE_ACTIVITY,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
)
from golive.operation import AttentionCondition, OperationSnapshot, Outcome
from golive.run_status import Phase, RunOutput, RunStatus, StepView
from orchestrators.ending import Ending, seconds
from orchestrators.ingestion import IngestionStages
from orchestrators.state import Completion, GoLiveState, PendingEvent

Steps = Generator[Any, Any, Any]
R = TypeVar("R")


def orchestrate(context: Any) -> Steps:
    """Entry point registered as the orchestrator function."""
    state = GoLiveState.from_json(context.get_input())
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
        self.refusal_policy = config.poll_refusal_policy()
        self.cancel_policy = config.cancel_retry_policy()
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
        if self.state.phase is Phase.PUBLISHING:
            return (yield from self.deliver_completion())
        if self.state.phase is Phase.STARTING:
            if self.api is GoLiveApi.PRODUCT_INGESTION:
                ending = yield from self.ingestion.start()
            else:
                ending = yield from self.request_go_live()
            if ending is not None:
                return (yield from self.finish(ending))
        return (yield from self.follow_operation())

    def request_go_live(self) -> Steps:
        """POST go-live until CPP accepts or refuses it; None once accepted."""
        while True:
            self.show(next_poll_at=None)
            call = OfferCall(self.state.request, self.log_fields())
            match (yield from self.call(GO_LIVE_ACTIVITY, call.to_json(), start_result)):
                case Accepted(operation_url=url):
                    self.state = replace(self.state, phase=Phase.POLLING, operation_url=url)
                    return None
                case Rejected() as rejected:
                    return Ending(events.REJECTED, rejection=rejected)
                case UnsafeLocation() as unsafe:
                    return Ending(events.FAILED, reason=_unsafe_reason(unsafe))
                case Transient() as transient:
                    ending = yield from self.retry_start(transient)
                    if ending is not None:
                        return ending

    def retry_start(self, transient: Transient) -> Steps:
        """After a transient start failure: wait with backoff; an Ending once out of tries."""
        attempts = self.state.start_attempts + 1
        self.state = replace(self.state, start_attempts=attempts)
        if self.start_policy.exhausted(attempts):
            return Ending(
                events.FAILED,
                reason=f"{self.api_name} did not accept the go-live after {attempts} attempts; "
                f"last error: {transient.reason}",
            )
        delay = self.start_policy.delay(attempts, seconds(transient.retry_after_seconds))
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
        call = PollCall(self.state.operation_url or "", self.log_fields())
        match (yield from self.call(POLL_ACTIVITY, call.to_json(), poll_result)):
            case OperationStatus(snapshot=snapshot, retry_after_seconds=wait):
                ending = yield from self.take_snapshot(snapshot)
                return ending, self.poll_policy.interval(self.state.polls - 1, seconds(wait))
            case UnsafeLocation() as unsafe:
                return Ending(events.FAILED, reason=_unsafe_reason(unsafe)), timedelta(0)
            case Rejected() | Transient() as trouble:
                return self.poll_trouble(trouble)

    def poll_trouble(self, trouble: Rejected | Transient) -> tuple[Ending | None, timedelta]:
        """A poll refused or failed: the wait before the next, or an Ending if refusals last."""
        match trouble:
            case Rejected() as refused:
                # A one-off 401/403/404 (a token refresh, a brief outage) must not end a
                # weeks-long run; a refusal that persists does.
                refusals = self.state.poll_refusals + 1
                self.state = replace(self.state, poll_refusals=refusals)
                if self.refusal_policy.exhausted(refusals):
                    return self.poll_refused(refused), timedelta(0)
                return None, self.refusal_policy.delay(refusals)
            case Transient(retry_after_seconds=wait):
                failures = self.state.poll_failures + 1
                self.state = replace(self.state, poll_failures=failures)
                return None, self.poll_retry_policy.delay(failures, seconds(wait))

    def take_snapshot(self, snapshot: OperationSnapshot) -> Steps:
        """Record a poll's answer, announce new conditions, and say if the run ended."""
        self.state = replace(
            self.state,
            polls=self.state.polls + 1,
            poll_failures=0,
            poll_refusals=0,
            snapshot=snapshot,
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
        pending = PendingEvent(event, since=self.now().isoformat())
        self.state = replace(
            self.state.announce(condition.key), outbox=(*self.state.outbox, pending)
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
        completion = Completion(ending.event_type, event, since=self.now().isoformat())
        self.state = replace(self.state, phase=Phase.PUBLISHING, completion=completion)
        return (yield from self.deliver_completion())

    def deliver_completion(self) -> Steps:
        """Publish with backoff until Event Grid accepts, across executions if need be."""
        completion = self.state.completion
        if completion is None:
            raise ValueError("the run is publishing but carries no completion event")
        give_up_at = _parse_time(completion.since) + self.state.config.publish_give_up
        while True:
            self.show(next_poll_at=None, outcome=completion.outcome)
            yield from self.flush_outbox()
            result = yield from self.publish(completion.event)
            if isinstance(result, Published):
                self.state = self.state.record_published(completion.event)
                break
            attempts = self.state.publish_attempts + 1
            self.state = replace(self.state, publish_attempts=attempts)
            if self.now() >= give_up_at:
                raise EventNotDeliveredError(
                    f"completion event not accepted by Event Grid after {attempts} attempts: "
                    f"{completion.event}"
                )
            delay = self.publish_policy.delay(attempts, seconds(result.retry_after_seconds))
            yield self.context.create_timer(min(self.now() + delay, give_up_at))
            self.iterations += 1
            if self.iterations >= self.state.config.polls_per_execution:
                return (yield from self.continue_as_new())
        self.state = replace(self.state, phase=Phase.FINISHED)
        self.show(next_poll_at=None, outcome=completion.outcome)
        output = RunOutput(
            completion.outcome, completion.event, tuple(self.state.known_request_ids())
        )
        return output.to_json()

    def continue_as_new(self) -> Steps:
        """Start a fresh history carrying all state, so weeks of polls stay cheap to replay.

        A cancel already in this execution's history is honoured first, even one in the
        same batch as the timer that woke us: the SDK stops reading the batch when this
        function returns and the extension drops what is unread, so the new execution would
        never see it (docs/reliability.md).
        """
        raised = [self.cancel.result] if self.cancel.is_completed else _raised(self.context)
        if raised and self.state.phase is not Phase.PUBLISHING:
            ending = yield from self.cancel_requested(raised[0])
            return (yield from self.finish(ending))
        self.state = replace(self.state, execution=self.state.execution + 1)
        self.context.continue_as_new(self.state.to_json())
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

    def cancel_requested(self, payload: object) -> Steps:
        """Stop waiting; with `cancelOperation` also ask the API to cancel the operation."""
        request = CancelRequest.from_json(payload)
        reason = request.reason or "canceled by an operator"
        if not request.cancel_operation:
            return Ending(events.CANCELED, reason=reason)
        if self.api is GoLiveApi.PRODUCT_INGESTION:
            answer = yield from self.ingestion.cancel()
            return Ending(events.CANCELED, reason=f"{reason}; Product Ingestion cancel: {answer}")
        call = OfferCall(self.state.request, self.log_fields())
        result = yield from self.call_until_answered(CANCEL_ACTIVITY, call.to_json(), cancel_result)
        return Ending(events.CANCELED, reason=f"{reason}; CPP cancel: {_describe(result)}")

    def call_until_answered(
        self, activity: str, payload: dict[str, Any], rebuild: Callable[[object], R]
    ) -> Generator[Any, Any, R | Transient]:
        """Run a cancel again after transient failures, up to CANCEL_MAX_ATTEMPTS times."""
        attempts = 0
        while True:
            result = yield from self.call(activity, payload, rebuild)
            attempts += 1
            if not isinstance(result, Transient) or self.cancel_policy.exhausted(attempts):
                return result
            delay = self.cancel_policy.delay(attempts, seconds(result.retry_after_seconds))
            yield self.context.create_timer(self.now() + delay)

    # Side effects through activities ---------------------------------------------------------

    def call(
        self, activity: str, payload: dict[str, Any], rebuild: Callable[[object], R]
    ) -> Generator[Any, Any, R | Transient]:
        """Run an activity and rebuild its typed result; a failure counts as transient."""
        try:
            data = yield self.context.call_activity(activity, payload)
        except Exception as error:  # the SDK raises the activity's failure here
            return Transient(reason=str(error))
        try:
            return rebuild(data)
        except ActivityResultError as error:
            return Transient(reason=str(error))

    def publish(self, event: dict[str, Any]) -> Generator[Any, Any, PublishResult]:
        """Send one event through the publish activity."""
        call = PublishCall(event, self.log_fields())
        return (yield from self.call(PUBLISH_ACTIVITY, call.to_json(), publish_result))

    def flush_outbox(self) -> Steps:
        """Try undelivered notices, oldest first, until one fails (Event Grid is likely still
        down): a bounded number of activity calls per pass. Expired notices are dropped."""
        waiting: list[PendingEvent] = []
        failed = False
        for item in self.state.outbox:
            if self.now() >= _parse_time(item.since) + self.state.config.publish_give_up:
                continue
            if not failed:
                if isinstance((yield from self.publish(item.event)), Published):
                    self.state = self.state.record_published(item.event)
                    continue
                failed = True
            waiting.append(item)
        self.state = replace(self.state, outbox=tuple(waiting))

    # What operators and events see --------------------------------------------------------

    def summary(
        self, finished_at: datetime | None = None, error: dict[str, Any] | None = None
    ) -> events.RunSummary:
        snapshot = self.state.snapshot
        request = self.state.request
        return events.RunSummary(
            publisher_id=request.publisher_id,
            offer_id=request.offer_id,
            request_id=request.request_id,
            correlation_id=request.correlation_id,
            instance_id=self.context.instance_id,
            run_id=self.state.run_id or "",
            operation_location=self.state.operation_url,
            cpp_status=snapshot.status if snapshot else None,
            steps=[step.to_dict() for step in snapshot.steps] if snapshot else [],
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
        state = self.state
        snapshot = state.snapshot
        current = snapshot.current_step if snapshot else None
        status = RunStatus(
            phase=state.phase,
            api=self.api.value,
            product_ingestion=self.ingestion.summary(),
            run_id=state.run_id,
            request_id=state.request.request_id,
            correlation_id=state.request.correlation_id,
            operation_location=state.operation_url,
            cpp_status=snapshot.status if snapshot else None,
            current_step=(current.name or current.id) if current else None,
            steps=tuple(StepView.of(step) for step in (snapshot.steps if snapshot else ())),
            polls=state.polls,
            start_attempts=state.start_attempts,
            next_poll_at=next_poll_at.isoformat() if next_poll_at else None,
            started_at=state.started_at,
            deadline=state.deadline,
            execution=state.execution,
            outcome=outcome,
            undelivered_events=len(state.outbox) + (1 if state.phase is Phase.PUBLISHING else 0),
            attention=tuple(needs_person(snapshot))
            if snapshot and state.phase is Phase.POLLING
            else (),
            events=state.published,
        )
        self.context.set_custom_status(status.to_json())

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

    def poll_refused(self, refused: Rejected) -> Ending:
        return Ending(
            events.FAILED,
            reason=f"{self.api_name} refused to report the operation (HTTP {refused.http_status})",
            error={"code": refused.code, "message": refused.message},
        )


def _raised(context: Any) -> list[Any]:
    """Payloads of the cancel events in this execution's history, read by the SDK or not.

    Deterministic: the history is the replay's own input.
    """
    return [
        _event_payload(event.Input)
        for event in context.histories
        if event.event_type == HistoryEventType.EVENT_RAISED and event.Name == CANCEL_EVENT
    ]


def _event_payload(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def _now(context: Any) -> datetime:
    now: datetime = context.current_utc_datetime
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _parse_time(text: str | None) -> datetime:
    if text is None:
        raise ValueError("the run has no deadline: its state was not begun")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unsafe_reason(unsafe: UnsafeLocation) -> str:
    return (
        f"CPP answered with an operation location outside the configured API origin "
        f"({unsafe.location!r}: {unsafe.reason}); it was not followed and "
        f"no token was sent"
    )


def _describe(result: CancelResult) -> str:
    match result:
        case Transient(reason=reason):
            return f"not confirmed ({reason})"
        case Rejected(http_status=status, code=code):
            return f"refused (HTTP {status} {code})"
        case CancelAccepted(http_status=status):
            return f"accepted (HTTP {status})"
