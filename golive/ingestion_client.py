"""The Partner Center Product Ingestion API: take a product's preview submission live.

A go-live here is two stages (docs/product-ingestion.md, with its sources):
resolve the product by its external id (the CPP offer id), find the preview submission
and check it can go live, `POST configure` with target `live`, follow the configure job,
then follow the live submission until it completes. Every call is classified into a
result of golive/activity_results.py, so the orchestrator decides without the network.

Safety rule, as for CPP: the bearer token (audience Microsoft Graph) goes only to the
configured base URL's origin (https, or http on a loopback host). The API's answers carry
no URL this client follows (`resourceUri` is never fetched), redirects are not followed,
and ids taken from answers are checked before they become part of a path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests
from azure.core.credentials import TokenCredential

from golive.activity_results import (
    ConfigureAccepted,
    IngestionStartResult,
    JobCancelAccepted,
    JobCancelRefused,
    JobCancelResult,
    JobPollResult,
    JobStatus,
    LivePollResult,
    LivePushFound,
    LiveSubmissionStatus,
    Rejected,
    Transient,
)
from golive.bearer_http import Answer, BearerClient, BearerSession, classify_failure, clip
from golive.go_live_request import GoLiveRequest
from golive.http_headers import retry_after_seconds
from golive.ingestion_states import (
    JobSnapshot,
    SubmissionSnapshot,
    is_completed,
    parse_errors,
    stage_outcome,
)
from golive.operation import Outcome

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_SCOPE",
    "IngestionClient",
]

DEFAULT_BASE_URL = "https://graph.microsoft.com/rp/product-ingestion"
DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
API_VERSION = "2022-07-01"
CONFIGURE_SCHEMA = "https://schema.mp.microsoft.com/schema/configure/2022-07-01"
SUBMISSION_SCHEMA = "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2"
_GUID = re.compile(r"[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}")
_SUBMISSION = re.compile(rf"submission/(?P<product>{_GUID.pattern})/(?P<number>\d{{1,18}})")
_JOB_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_CONFLICT = 409  # what a refusal found in the submissions' state carries as httpStatus

_HINT_401 = (
    "Microsoft Graph did not accept the bearer token. Check that it is issued for "
    "PRODUCT_INGESTION_TOKEN_SCOPE https://graph.microsoft.com/.default (not "
    "api.partner.microsoft.com, the legacy submission API's audience)."
)
_HINT_403 = (
    "The app's Entra identity is not allowed on this Partner Center account. Add the app "
    "(its Entra application) in Partner Center under Account settings > User management > "
    "Microsoft Entra applications with the Manager role."
)


class IngestionClient(BearerClient):
    """Calls the Product Ingestion API with a Graph token from `credential` for `scope`."""

    def __init__(
        self,
        base_url: str,
        credential: TokenCredential,
        scope: str,
        timeout: float,
        *,
        version: str = API_VERSION,
        session: requests.Session | None = None,
    ) -> None:
        # Refuses a base that would leak the token.
        self._http = BearerSession(
            "Product Ingestion", base_url, credential, scope, timeout, session
        )
        self._base_url = base_url.rstrip("/")
        self._version = version

    # -- the go-live ------------------------------------------------------------------------

    def go_live(self, request: GoLiveRequest) -> IngestionStartResult:
        """Resolve the product, check its preview, and `POST configure` it to live.

        Safe to repeat: when the preview is already on its way live (a try whose answer was
        lost), the answer is `LivePushFound` instead of a second configure.
        """
        offer_id = request.offer_id
        product = self._product_guid(offer_id)
        if not isinstance(product, str):
            return product
        entries = self._submissions(product, target=None)
        if not isinstance(entries, list):
            return entries
        preview = _entry(entries, "preview")
        live = _entry(entries, "live")
        refusal = _not_ready(offer_id, preview, live, entries)
        if refusal is not None:
            return refusal
        assert preview is not None
        submission_id = str(preview["id"])
        if live is not None and live.get("id") == submission_id:
            return LivePushFound(product_id=product, submission_id=submission_id)
        body = {
            "$schema": CONFIGURE_SCHEMA,
            "resources": [
                {
                    "$schema": SUBMISSION_SCHEMA,
                    "id": submission_id,
                    "product": f"product/{product}",
                    "target": {"targetType": "live"},
                }
            ],
        }
        answer = self._call_ok("POST", "/configure", body=body)
        if not isinstance(answer, Answer):
            return answer
        job = _job_snapshot(answer, expected_id=None)
        if job is None:
            # Taken, perhaps, but unreadable: a retry's pre-check finds the push if it began.
            return Transient(
                reason=f"configure answered {answer.status} without a readable job id",
                http_status=answer.status,
            )
        return ConfigureAccepted(product_id=product, submission_id=submission_id, job=job)

    def get_job(self, job_id: str) -> JobPollResult:
        """`GET configure/{jobId}/status`; the orchestrator asks at most once a minute."""
        if not _JOB_ID.fullmatch(job_id):
            return _bad_id("job", job_id)
        answer = self._call_ok("GET", f"/configure/{job_id}/status")
        if not isinstance(answer, Answer):
            return answer
        job = _job_snapshot(answer, expected_id=job_id)
        if job is None:
            return Transient(
                reason=f"the job status answer ({answer.status}) is not a configure status",
                http_status=answer.status,
            )
        return JobStatus(job=job, retry_after_seconds=retry_after_seconds(answer.headers))

    def get_live_submission(self, product_id: str, submission_id: str) -> LivePollResult:
        """The live target's submission, and whether it is the one this run pushed."""
        if not _GUID.fullmatch(product_id):
            return _bad_id("product", product_id)
        entries = self._submissions(product_id, target="live")
        if not isinstance(entries, list):
            return entries
        live = _entry(entries, "live")
        snapshot = SubmissionSnapshot(
            id=_str(live.get("id")) if live else None,
            status=_str(live.get("status")) if live else None,
            result=_str(live.get("result")) if live else None,
            ours=live is not None and live.get("id") == submission_id,
            errors=parse_errors(live.get("errors")) if live else (),
        )
        return LiveSubmissionStatus(submission=snapshot)

    def cancel_job(self, job_id: str) -> JobCancelResult:
        """`POST configure/{jobId}/cancel`; a refusal ("already completed") is an answer."""
        if not _JOB_ID.fullmatch(job_id):
            return _bad_id("job", job_id)
        answer = self._call("POST", f"/configure/{job_id}/cancel")
        if not isinstance(answer, Answer):
            return answer
        if answer.ok:
            return JobCancelAccepted(job=_job_snapshot(answer, expected_id=job_id))
        if answer.status in (400, 409):
            message = _error_body(answer)[1]
            if "cancel" in message.lower() or "completed" in message.lower():
                return JobCancelRefused(message=message)
        return _classify_failure(answer)

    # -- reads before the go-live -------------------------------------------------------------

    def _product_guid(self, offer_id: str) -> str | Rejected | Transient:
        answer = self._call_ok("GET", "/product", params={"externalID": offer_id})
        if not isinstance(answer, Answer):
            return answer
        try:
            data = answer.json()
        except ValueError:
            return Transient(reason="the product lookup answer is not JSON", http_status=200)
        products = data.get("value") if isinstance(data, dict) and "value" in data else [data]
        for product in products if isinstance(products, list) else []:
            if not isinstance(product, dict):
                continue
            identity = product.get("identity")
            external = identity.get("externalId") if isinstance(identity, dict) else None
            if isinstance(external, str) and external.lower() != offer_id.lower():
                continue
            guid = str(product.get("id") or "").removeprefix("product/")
            if _GUID.fullmatch(guid):
                return guid.lower()
        return Rejected(
            http_status=404,
            code="ProductNotFound",
            message=f"No Partner Center product has the external id {offer_id!r}.",
            hint=(
                "Product Ingestion finds a product by its offer id. Check the offer id, that "
                "the app's Entra identity is on the Partner Center account that owns it, and "
                'whether the offer is a CPP offer (send "api": "cpp").'
            ),
        )

    def _submissions(
        self, product: str, target: str | None
    ) -> list[dict[str, Any]] | Rejected | Transient:
        params = {"targetType": target} if target else None
        answer = self._call_ok("GET", f"/submission/{product}", params=params)
        if not isinstance(answer, Answer):
            return answer
        try:
            data = answer.json()
        except ValueError:
            return Transient(reason="the submissions answer is not JSON", http_status=200)
        items = data.get("value") if isinstance(data, dict) else None
        if not isinstance(items, list):
            return Transient(reason="the submissions answer has no value list", http_status=200)
        return [item for item in items if isinstance(item, dict)]

    # -- plumbing -------------------------------------------------------------------------------

    def _call_ok(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Answer | Rejected | Transient:
        """`_call`, with every non-2xx answer already classified."""
        answer = self._call(method, path, params=params, body=body)
        if isinstance(answer, Answer) and not answer.ok:
            return _classify_failure(answer)
        return answer

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Answer | Transient:
        """One request to the API (with `$version`); transport trouble is Transient."""
        query = {"$version": self._version, **(params or {})}
        return self._http.send(method, self._base_url + path, params=query, body=body)


def _entry(entries: list[dict[str, Any]], target: str) -> dict[str, Any] | None:
    """The entry on `target` (draft, preview or live), compared case-insensitively."""
    for entry in entries:
        kind = entry.get("target")
        word = kind.get("targetType") if isinstance(kind, dict) else None
        if isinstance(word, str) and word.lower() == target:
            return entry
    return None


def _not_ready(
    offer_id: str,
    preview: dict[str, Any] | None,
    live: dict[str, Any] | None,
    entries: list[dict[str, Any]],
) -> Rejected | None:
    """Why the preview cannot go live now, as a refusal with the reason; None if it can."""
    if preview is None or not _SUBMISSION.fullmatch(str(preview.get("id"))):
        return _refused(
            "PreviewNotFound",
            f"Offer {offer_id!r} has no preview submission to take live: publish to preview "
            "first (Product Ingestion never publishes straight to live).",
        )
    preview_id = str(preview["id"])
    preview_outcome = stage_outcome(_str(preview.get("status")), _str(preview.get("result")))
    if live is not None and live.get("id") == preview_id:
        live_outcome = stage_outcome(_str(live.get("status")), _str(live.get("result")))
        if live_outcome is Outcome.SUCCEEDED:
            return _refused(
                "AlreadyLive", f"Preview submission {preview_id} of {offer_id!r} is already live."
            )
        if live_outcome is not Outcome.IN_PROGRESS:
            return _refused(
                "LiveSubmissionEnded",
                f"Submission {preview_id} already went to live and ended "
                f"{live.get('result')}: publish a new preview first.",
            )
        return None  # our own push, already under way: follow it
    if preview_outcome is Outcome.IN_PROGRESS:
        return _refused(
            "SubmissionInProgress",
            f"Submission {preview_id} of {offer_id!r} is still being published to preview "
            f"({preview.get('status')}); go live once it has completed.",
        )
    if preview_outcome is not Outcome.SUCCEEDED:
        return _refused(
            "PreviewNotReady",
            f"Preview submission {preview_id} of {offer_id!r} ended "
            f"{preview.get('result')}, so it cannot go live.",
        )
    for entry in entries:
        status = _str(entry.get("status"))
        if status is not None and not is_completed(status):
            return _refused(
                "SubmissionInProgress",
                f"Submission {entry.get('id')} of {offer_id!r} is in progress ({status}).",
            )
    return None


def _refused(code: str, message: str) -> Rejected:
    return Rejected(http_status=_CONFLICT, code=code, message=message)


def _job_snapshot(answer: Answer, expected_id: str | None) -> JobSnapshot | None:
    """A configure-status body (`jobId` or `jobID`), or None when it is not one."""
    try:
        data = answer.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    found = data.get("jobId", data.get("jobID"))
    job_id = found if isinstance(found, str) and _JOB_ID.fullmatch(found) else expected_id
    if job_id is None or not isinstance(data.get("jobStatus"), str):
        return None
    return JobSnapshot(
        job_id=job_id,
        job_status=_str(data.get("jobStatus")),
        job_result=_str(data.get("jobResult")),
        errors=parse_errors(data.get("errors")),
    )


def _classify_failure(answer: Answer) -> Rejected | Transient:
    """Non-2xx: 408, 429 and 5xx may pass (Retry-After kept); anything else needs a fix."""
    hints = {401: _HINT_401, 403: _HINT_403}
    return classify_failure(answer, "Product Ingestion", _error_body(answer), hints)


def _error_body(answer: Answer) -> tuple[str, str]:
    """Graph's `{"error": {code, message, details[]}}`; the innermost detail code wins."""
    try:
        data = answer.json()
    except ValueError:
        text = answer.body.decode("utf-8", "replace").strip()
        return f"HTTP{answer.status}", clip(text) or f"HTTP {answer.status}"
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return f"HTTP{answer.status}", f"Product Ingestion answered {answer.status}"
    [flat] = parse_errors([error])
    details = error.get("details")
    first = details[0] if isinstance(details, list) and details else None
    code = first.get("code") if isinstance(first, dict) else None
    return clip(str(code or flat.code or f"HTTP{answer.status}")), flat.message or "no message"


def _bad_id(kind: str, value: str) -> Rejected:
    return Rejected(
        http_status=400, code="InvalidId", message=f"not a Product Ingestion {kind} id: {value!r}"
    )


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
