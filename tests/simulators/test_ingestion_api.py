"""The Product Ingestion simulator's protocol and scenarios, driven with plain `requests`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.identity import ManagedIdentityCredential

from simulators import CPP_AUDIENCE, GRAPH_AUDIENCE, ManualClock, TokenAuthority
from simulators.faults import Fault
from simulators.ingestion import (
    IngestionScenario,
    IngestionSimulator,
    load_products,
    product_guid,
    scenario_from_external_id,
)
from simulators.recording import MASK

VERSION = "2022-07-01"
CONFIGURE_SCHEMA = "https://schema.mp.microsoft.com/schema/configure/2022-07-01"
SUBMISSION_SCHEMA = "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2"


class Graph:
    """What a Product Ingestion client sends: bearer token, $version, JSON."""

    def __init__(self, sim: IngestionSimulator, token: str | None = None) -> None:
        self.sim = sim
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or sim.token()}"

    def get(self, path: str, **params: str) -> requests.Response:
        return self.session.get(
            self.sim.api_base_url + path, params={"$version": VERSION, **params}, timeout=5
        )

    def post(self, path: str, body: Any = None) -> requests.Response:
        return self.session.post(
            self.sim.api_base_url + path, params={"$version": VERSION}, json=body, timeout=5
        )

    def product(self, external_id: str) -> dict[str, Any]:
        [product] = self.get("/product", externalID=external_id).json()["value"]
        return dict(product)

    def submissions(self, external_id: str, target: str | None = None) -> list[dict[str, Any]]:
        guid = self.product(external_id)["id"].removeprefix("product/")
        params = {"targetType": target} if target else {}
        return list(self.get(f"/submission/{guid}", **params).json()["value"])

    def go_live(self, external_id: str, number: int = 2) -> requests.Response:
        """Resolve the product (as clients must: ids become known that way), then configure."""
        guid = self.product(external_id)["id"].removeprefix("product/")
        return self.post("/configure", configure_body(guid, number))

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.get(f"/configure/{job_id}/status")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def configure_body(guid: str, number: int = 2, target: str = "live") -> dict[str, Any]:
    return {
        "$schema": CONFIGURE_SCHEMA,
        "resources": [
            {
                "$schema": SUBMISSION_SCHEMA,
                "id": f"submission/{guid}/{number}",
                "product": f"product/{guid}",
                "target": {"targetType": target},
            }
        ],
    }


@pytest.fixture
def ingestion(clock: ManualClock, authority: TokenAuthority) -> Iterator[IngestionSimulator]:
    with IngestionSimulator(authority=authority, now=clock, slow_answer_delay=1.0) as sim:
        yield sim


@pytest.fixture
def graph(ingestion: IngestionSimulator) -> Iterator[Graph]:
    client = Graph(ingestion)
    yield client
    client.session.close()


def _states(body: dict[str, Any]) -> tuple[str, str]:
    return body["jobStatus"], body["jobResult"]


def _live(graph: Graph, external_id: str) -> dict[str, Any]:
    [live] = graph.submissions(external_id, "live")
    return live


# -- protocol --------------------------------------------------------------------------------


def test_a_product_is_found_by_its_external_id_in_either_spelling(graph: Graph) -> None:
    for name in ("externalID", "externalId"):
        answer = graph.get("/product", **{name: "contoso-saas"})
        assert answer.status_code == 200
        [product] = answer.json()["value"]
        assert product["id"] == f"product/{product_guid('contoso-saas')}"
        assert product["identity"] == {"externalId": "contoso-saas"}
    assert graph.get("/product", externalID="contoso-missing").json() == {"value": []}


def test_submissions_show_draft_preview_and_live_with_schema_states(graph: Graph) -> None:
    guid = product_guid("contoso-saas")
    entries = graph.submissions("contoso-saas")
    by_target = {entry["target"]["targetType"]: entry for entry in entries}
    assert set(by_target) == {"draft", "preview", "live"}
    assert "status" not in by_target["draft"]
    assert by_target["preview"]["id"] == f"submission/{guid}/2"
    assert (by_target["preview"]["status"], by_target["preview"]["result"]) == (
        "completed",
        "succeeded",
    )
    assert by_target["live"]["id"] == f"submission/{guid}/1"
    assert [e["target"]["targetType"] for e in graph.submissions("contoso-saas", "preview")] == [
        "preview"
    ]


def test_a_token_for_another_audience_or_none_is_refused_with_401(
    ingestion: IngestionSimulator, authority: TokenAuthority
) -> None:
    cpp_token = Graph(ingestion, authority.token_for(CPP_AUDIENCE))
    answer = cpp_token.get("/product", externalID="x")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"
    bare = requests.get(ingestion.api_base_url + "/product", params={"$version": VERSION})
    assert bare.status_code == 401
    assert ingestion.requests[0].header("Authorization") == f"Bearer {MASK}"


def test_version_is_required(ingestion: IngestionSimulator, graph: Graph) -> None:
    answer = graph.session.get(ingestion.api_base_url + "/product")
    assert answer.status_code == 400
    assert "$version" in answer.json()["error"]["message"]


def test_graph_tokens_from_the_identity_simulator_are_accepted(
    ingestion: IngestionSimulator, managed_identity_env: dict[str, str]
) -> None:
    token = ManagedIdentityCredential().get_token(GRAPH_AUDIENCE + "/.default").token
    assert Graph(ingestion, token).get("/product", externalID="a").status_code == 200


def test_a_forbidden_product_answers_403_and_an_unknown_guid_404(graph: Graph) -> None:
    assert graph.get("/product", externalID="contoso-forbidden").status_code == 403
    missing = graph.get("/submission/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "notFound"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"resources": []}, "$schema"),
        ({"$schema": CONFIGURE_SCHEMA, "resources": []}, "exactly one"),
        (configure_body(product_guid("p"), target="preview"), "targetType"),
        ({"$schema": CONFIGURE_SCHEMA, "resources": [{"$schema": SUBMISSION_SCHEMA}]}, "id"),
    ],
)
def test_configure_refuses_a_body_that_does_not_validate_with_400(
    graph: Graph, body: dict[str, Any], fragment: str
) -> None:
    answer = graph.post("/configure", body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "badRequest"
    assert error["details"][0]["code"] == "schemaValidationError"
    assert fragment in error["details"][0]["message"]


# -- the go-live, on the clock ----------------------------------------------------------------


def test_a_job_advances_on_the_clock_and_then_the_live_submission(
    graph: Graph, clock: ManualClock
) -> None:
    started = graph.go_live("contoso-saas-6h-live1d")
    assert started.status_code == 200
    body = started.json()
    assert _states(body) == ("notStarted", "pending")
    assert body["jobEnd"] == "0001-01-01T00:00:00"
    job_id = body["jobId"]
    guid = product_guid("contoso-saas-6h-live1d")
    assert _live(graph, "contoso-saas-6h-live1d")["id"] == f"submission/{guid}/2"
    clock.advance(timedelta(minutes=5))
    assert _states(graph.job(job_id)) == ("running", "pending")
    clock.advance(timedelta(hours=6))
    done = graph.job(job_id)
    assert _states(done) == ("completed", "succeeded")
    assert done["errors"] == [] and "resourceUri" in done
    live = _live(graph, "contoso-saas-6h-live1d")
    assert (live["status"], live["result"]) == ("running", "pending")
    clock.advance(timedelta(days=1))
    live = _live(graph, "contoso-saas-6h-live1d")
    assert (live["id"], live["status"], live["result"]) == (
        f"submission/{guid}/2",
        "completed",
        "succeeded",
    )
    details = graph.get(f"/configure/{job_id}")
    assert details.status_code == 200
    assert details.json()["resources"][0]["target"] == {"targetType": "live"}


def test_job_details_are_refused_until_the_job_completes(graph: Graph) -> None:
    job_id = graph.go_live("contoso-saas").json()["jobId"]
    assert graph.get(f"/configure/{job_id}").status_code == 400


def test_a_job_for_days_stays_running(graph: Graph, clock: ManualClock) -> None:
    job_id = graph.go_live("contoso-saas-slow").json()["jobId"]
    clock.advance(timedelta(days=2, hours=23))
    assert _states(graph.job(job_id)) == ("running", "pending")
    clock.advance(timedelta(hours=1))
    assert _states(graph.job(job_id)) == ("completed", "succeeded")


def test_validation_400_for_a_rejected_product(graph: Graph) -> None:
    answer = graph.go_live("contoso-saas-rejected")
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["code"] == "schemaValidationError"


@pytest.mark.parametrize(
    ("word", "code", "fragment"),
    [
        ("jobfailed", "businessValidationError", "no price"),
        ("certfailed", "internalServerError", "Operation failed"),
        ("inprogress", "internalServerError", "In Progress submission"),
        ("stale", "conflict", "not the latest submission"),
    ],
)
def test_a_failing_job_ends_completed_failed_with_its_errors(
    graph: Graph, clock: ManualClock, word: str, code: str, fragment: str
) -> None:
    external_id = f"contoso-saas-{word}"
    job_id = graph.go_live(external_id).json()["jobId"]
    clock.advance(timedelta(hours=1))
    body = graph.job(job_id)
    assert _states(body) == ("completed", "failed")
    [error] = body["errors"]
    assert error["code"] == code
    assert fragment in error["message"]
    if word == "certfailed":
        assert error["details"][0]["code"] == "invalidState"
        assert "certification" in error["details"][0]["message"]
    live = _live(graph, external_id)
    assert live["id"].endswith("/1")  # the earlier live submission still shows


def test_a_live_submission_can_fail_after_the_job_succeeded(
    graph: Graph, clock: ManualClock
) -> None:
    job_id = graph.go_live("contoso-saas-livefailed").json()["jobId"]
    clock.advance(timedelta(hours=3))
    assert _states(graph.job(job_id)) == ("completed", "succeeded")
    live = _live(graph, "contoso-saas-livefailed")
    assert (live["status"], live["result"]) == ("completed", "failed")
    assert live["errors"][0]["message"]


def test_a_second_go_live_while_one_runs_meets_an_in_progress_error(
    graph: Graph, clock: ManualClock
) -> None:
    graph.go_live("contoso-saas")
    second = graph.go_live("contoso-saas").json()
    clock.advance(timedelta(minutes=3))
    body = graph.job(second["jobId"])
    assert _states(body) == ("completed", "failed")
    assert "In Progress submission 2 already exists" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("word", "preview"),
    [("busy", ("running", "pending")), ("previewfailed", ("completed", "failed"))],
)
def test_preview_states_chosen_by_words(graph: Graph, word: str, preview: tuple[str, str]) -> None:
    [entry] = graph.submissions(f"contoso-{word}", "preview")
    assert (entry["status"], entry["result"]) == preview


def test_no_preview_and_already_live(graph: Graph) -> None:
    assert graph.submissions("contoso-nopreview", "preview") == []
    [preview] = graph.submissions("contoso-alreadylive", "preview")
    assert _live(graph, "contoso-alreadylive")["id"] == preview["id"]


def test_spellings_jobid_caps_and_capitalised_states(graph: Graph, clock: ManualClock) -> None:
    body = graph.go_live("contoso-jobidcaps-capitalized").json()
    assert "jobId" not in body
    assert body["jobStatus"] == "NotStarted"
    clock.advance(timedelta(hours=1))
    assert _states(graph.job(body["jobID"])) == ("Completed", "Succeeded")


def test_cancel_a_running_job_then_cancel_is_refused(graph: Graph, clock: ManualClock) -> None:
    job_id = graph.go_live("contoso-saas").json()["jobId"]
    clock.advance(timedelta(minutes=10))
    cancelled = graph.post(f"/configure/{job_id}/cancel")
    assert cancelled.status_code == 200
    assert _states(cancelled.json()) == ("completed", "cancelled")
    again = graph.post(f"/configure/{job_id}/cancel")
    assert again.status_code == 400
    assert again.json()["error"]["message"] == "Cannot cancel job, job has already completed."
    assert _live(graph, "contoso-saas")["id"].endswith("/1")


def test_nocancel_refuses_even_a_running_job(graph: Graph) -> None:
    job_id = graph.go_live("contoso-nocancel").json()["jobId"]
    assert graph.post(f"/configure/{job_id}/cancel").status_code == 400


# -- faults -----------------------------------------------------------------------------------


def test_a_429_carries_retry_after_and_the_next_poll_passes(graph: Graph) -> None:
    job_id = graph.go_live("contoso-throttled120").json()["jobId"]
    throttled = graph.get(f"/configure/{job_id}/status")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "120"
    assert graph.get(f"/configure/{job_id}/status").status_code == 200


def test_fault_words_hit_the_requests_their_suffix_names(graph: Graph) -> None:
    guid = product_guid("contoso-burst503x2_submission")
    graph.product("contoso-burst503x2_submission")
    codes = [graph.get(f"/submission/{guid}").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert graph.go_live("contoso-burst500_post").status_code == 500


def test_injected_faults_for_one_product(ingestion: IngestionSimulator, graph: Graph) -> None:
    ingestion.add_product("known")
    ingestion.inject_fault(Fault.throttled(5, on="product"), external_id="known")
    assert graph.get("/product", externalID="known").status_code == 429
    assert graph.get("/product", externalID="known").status_code == 200


# -- choosing scenarios ---------------------------------------------------------------------


def test_scenario_words_compose() -> None:
    scenario = scenario_from_external_id("contoso-3d-live2d-certfailed-jobidcaps-throttled_get")
    assert scenario.job_duration == timedelta(days=3)
    assert scenario.live_duration == timedelta(days=2)
    assert scenario.job_error == "certification"
    assert scenario.job_id_key == "jobID"
    assert [(f.status, f.on) for f in scenario.faults] == [(429, "operation")]


def test_scenarios_file_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "products.json"
    path.write_text(json.dumps({"products": {"x": {"job_duration": "2d", "live_fails": True}}}))
    assert load_products(path)["x"] == IngestionScenario(
        job_duration=timedelta(days=2), live_fails=True
    )
    path.write_text(json.dumps({"products": {"x": {"nonsense": 1}}}))
    with pytest.raises(ValueError, match="nonsense"):
        load_products(path)
    with pytest.raises(ValueError, match="job_error"):
        IngestionScenario(job_error="weird")  # type: ignore[arg-type]
