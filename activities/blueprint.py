"""One small activity per side effect. Each classifies CPP's, Product Ingestion's or Event
Grid's answer
into a result of golive/activity_results.py for the orchestrator to decide on; each is
safe to run more than once, because Durable Functions runs activities at least once.

Inputs are the classes of golive/activity_inputs.py, rebuilt on entry; every one carries
`log`: the instance, run, publisher, offer and correlation ids, so each log line can be
tied to its go-live.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import azure.durable_functions as df

from activities.clients import cpp_client, event_grid_sender, ingestion_client
from golive.activity_inputs import JobCall, LiveCall, OfferCall, PollCall, PublishCall
from golive.activity_results import (
    Accepted,
    ActivityResult,
    ConfigureAccepted,
    JobCancelAccepted,
    JobStatus,
    LivePushFound,
    LiveSubmissionStatus,
    OperationStatus,
    Published,
)
from golive.function_names import (
    CANCEL_ACTIVITY,
    GO_LIVE_ACTIVITY,
    INGESTION_CANCEL_ACTIVITY,
    INGESTION_JOB_ACTIVITY,
    INGESTION_LIVE_ACTIVITY,
    INGESTION_START_ACTIVITY,
    POLL_ACTIVITY,
    PUBLISH_ACTIVITY,
)
from golive.structured_log import log_event

blueprint = df.Blueprint()

# Binding parameters are annotated `dict`, not `dict[str, Any]`: the Python worker refuses a
# PEP 585 generic as a binding annotation ("has invalid non-type annotation") and with it the
# whole app. tests/app/test_conformance.py indexes the app with the worker's own code.
logger = logging.getLogger("golive.activities")


@blueprint.activity_trigger(input_name="payload", activity=GO_LIVE_ACTIVITY)
def start_go_live(payload: dict) -> dict:
    """POST go-live and classify the answer (accepted, rejected, transient, unsafe)."""
    call = OfferCall.from_json(payload)
    return _answer("go-live requested", call.log, cpp_client().go_live(call.request))


@blueprint.activity_trigger(input_name="payload", activity=POLL_ACTIVITY)
def poll_operation(payload: dict) -> dict:
    """GET the operation; a read, so repeating it is harmless."""
    call = PollCall.from_json(payload)
    return _answer("operation polled", call.log, cpp_client().get_operation(call.operation_url))


@blueprint.activity_trigger(input_name="payload", activity=CANCEL_ACTIVITY)
def cancel_operation(payload: dict) -> dict:
    """Ask CPP to cancel; CPP answers 202 whether or not it canceled, so a repeat is harmless."""
    call = OfferCall.from_json(payload)
    result = cpp_client().cancel_go_live(call.request)
    return _answer("operation cancel requested", call.log, result)


@blueprint.activity_trigger(input_name="payload", activity=PUBLISH_ACTIVITY)
def publish_event(payload: dict) -> dict:
    """Send one CloudEvent. Its id is fixed by the orchestrator, so a repeat is a duplicate
    that consumers drop, never a second, different event."""
    call = PublishCall.from_json(payload)
    result = event_grid_sender().send(call.event)
    event = {"eventId": call.event.get("id"), "eventType": call.event.get("type")}
    message = "event published" if isinstance(result, Published) else "event not accepted"
    return _answer(message, {**call.log, **event}, result)


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_START_ACTIVITY)
def start_ingestion_go_live(payload: dict) -> dict:
    """Product Ingestion: check the preview and POST configure, or find the push under way
    (so a repeat never configures twice)."""
    call = OfferCall.from_json(payload)
    result = ingestion_client().go_live(call.request)
    return _answer("Product Ingestion go-live requested", call.log, result)


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_JOB_ACTIVITY)
def poll_configure_job(payload: dict) -> dict:
    """GET the configure job's status; a read, so repeating it is harmless."""
    call = JobCall.from_json(payload)
    return _answer("configure job polled", call.log, ingestion_client().get_job(call.job_id))


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_LIVE_ACTIVITY)
def poll_live_submission(payload: dict) -> dict:
    """GET the live target's submission; a read, so repeating it is harmless."""
    call = LiveCall.from_json(payload)
    result = ingestion_client().get_live_submission(call.product_id, call.submission_id)
    return _answer("live submission polled", call.log, result)


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_CANCEL_ACTIVITY)
def cancel_configure_job(payload: dict) -> dict:
    """POST configure/{jobId}/cancel; a repeat meets "already completed", an answer too."""
    call = JobCall.from_json(payload)
    result = ingestion_client().cancel_job(call.job_id)
    return _answer("configure job cancel requested", call.log, result)


_WENT_WELL = (
    Accepted
    | OperationStatus
    | Published
    | ConfigureAccepted
    | LivePushFound
    | JobStatus
    | LiveSubmissionStatus
    | JobCancelAccepted
)


def _answer(message: str, ids: Mapping[str, Any], result: ActivityResult) -> dict[str, Any]:
    """Log one line for the activity (its ids, the result's kind and what explains it) and
    return the result as the JSON the orchestrator rebuilds."""
    fields = {
        "kind": result.KIND,
        "httpStatus": getattr(result, "http_status", None),
        "code": getattr(result, "code", None),
        "reason": getattr(result, "reason", None),
    }
    match result:
        case OperationStatus(snapshot=snapshot):
            fields["cppStatus"] = snapshot.status
        case JobStatus(job=job) | ConfigureAccepted(job=job):
            fields["jobStatus"], fields["jobResult"] = job.job_status, job.job_result
        case LiveSubmissionStatus(submission=live):
            fields["liveStatus"], fields["liveResult"] = live.status, live.result
    went_well = isinstance(result, _WENT_WELL)
    level = logging.INFO if went_well else logging.WARNING
    log_event(logger, message, {**ids, **fields}, level)
    return result.to_json()
