"""The Product Ingestion activities: start the go-live, read the job and the live
submission, cancel the job. Each classifies the API's answer into a result from
`golive.ingestion_results`; each is safe to repeat (the start checks for a push already
under way before it configures; the others read, or cancel what is already cancelled).
"""

from __future__ import annotations

import logging
from typing import Any

import azure.durable_functions as df

from activities.clients import ingestion_client
from golive.function_names import (
    INGESTION_CANCEL_ACTIVITY,
    INGESTION_JOB_ACTIVITY,
    INGESTION_LIVE_ACTIVITY,
    INGESTION_START_ACTIVITY,
)
from golive.go_live_request import GoLiveRequest
from golive.structured_log import log_event

blueprint = df.Blueprint()
logger = logging.getLogger("golive.activities.ingestion")
_QUIET_KINDS = {"configureAccepted", "livePushFound", "jobStatus", "liveSubmissionStatus"}

# Binding parameters are annotated `dict`: the worker refuses PEP 585 generics there.


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_START_ACTIVITY)
def start_ingestion_go_live(payload: dict) -> dict:
    """Resolve the product, check the preview, POST configure (or find the push under way)."""
    request = GoLiveRequest.from_dict(payload["request"])
    result = ingestion_client().start_go_live(request.offer_id).to_dict()
    _log("Product Ingestion go-live requested", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_JOB_ACTIVITY)
def poll_configure_job(payload: dict) -> dict:
    """GET the configure job's status; a read, so repeating it is harmless."""
    result = ingestion_client().get_job(str(payload["jobId"])).to_dict()
    _log("configure job polled", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_LIVE_ACTIVITY)
def poll_live_submission(payload: dict) -> dict:
    """GET the live target's submission; a read, so repeating it is harmless."""
    client = ingestion_client()
    result = client.get_live_submission(
        str(payload["productId"]), str(payload["submissionId"])
    ).to_dict()
    _log("live submission polled", payload, result)
    return result


@blueprint.activity_trigger(input_name="payload", activity=INGESTION_CANCEL_ACTIVITY)
def cancel_configure_job(payload: dict) -> dict:
    """POST configure/{jobId}/cancel; a repeat meets "already completed", an answer too."""
    result = ingestion_client().cancel_job(str(payload["jobId"])).to_dict()
    _log("configure job cancel requested", payload, result)
    return result


def _log(message: str, payload: dict[str, Any], result: dict[str, Any]) -> None:
    job = result.get("job") or {}
    submission = result.get("submission") or {}
    fields = {
        **payload.get("log", {}),
        **{key: result.get(key) for key in ("kind", "httpStatus", "code", "reason")},
        "jobStatus": job.get("jobStatus"),
        "jobResult": job.get("jobResult"),
        "liveStatus": submission.get("status"),
        "liveResult": submission.get("result"),
    }
    level = logging.INFO if result.get("kind") in _QUIET_KINDS else logging.WARNING
    log_event(logger, message, fields, level)
