"""The Partner Center Product Ingestion API simulator: products, submissions, configure jobs.

Routes live under `/rp/product-ingestion`, as on `https://graph.microsoft.com`. Request
handling order: bearer token for Microsoft Graph (401) → `$version` (400) → the product
(403/404) → fault injection → the API's own answer. See docs/simulators.md.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from simulators.clock import Now, wall_clock
from simulators.faults import Fault, FaultBook, FaultTarget, answer_with_fault
from simulators.ingestion.product import CONFIGURE_SCHEMA, Job, Product
from simulators.ingestion.scenario import IngestionScenario, scenario_from_external_id
from simulators.server import INTROSPECTION_PREFIX, Simulator, json_response
from simulators.tokens import GRAPH_AUDIENCE, TokenAuthority

PREFIX = "/rp/product-ingestion"
API_VERSIONS = frozenset(
    {"2022-03-01-preview2", "2022-03-01-preview3", "2022-03-01-preview5", "2022-07-01"}
)
_SUBMISSION_ID = re.compile(r"submission/(?P<guid>[0-9a-fA-F-]{36})/(?P<number>\d+)")
_CANNOT_CANCEL = "Cannot cancel job, job has already completed."


@dataclass
class ProductState:
    product: Product
    faults: FaultBook


def load_products(path: Path | str) -> dict[str, IngestionScenario]:
    """Read `{"products": {"<externalId>": {scenario fields...}}}` from a JSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("products"), dict):
        raise ValueError(f"{path}: expected an object with a 'products' object")
    scenarios: dict[str, IngestionScenario] = {}
    for external_id, body in data["products"].items():
        try:
            scenarios[external_id] = IngestionScenario.from_json(body)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}: product {external_id!r}: {error}") from error
    return scenarios


def graph_error(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> web.Response:
    """Graph's envelope: `{"error": {"code", "message", "details"?}}`."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return json_response({"error": error}, status=status)


class IngestionSimulator(Simulator):
    """The Product Ingestion API's go-live calls, with a scenario per product."""

    name = "ingestion"

    def __init__(
        self,
        *,
        authority: TokenAuthority | None = None,
        now: Now = wall_clock,
        scenarios: Mapping[str, IngestionScenario] | None = None,
        products_from_ids: bool = True,
        default_scenario: IngestionScenario | None = None,
        slow_answer_delay: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(now=now, host=host, port=port)
        self.authority = authority or TokenAuthority()
        self.products_from_ids = products_from_ids
        self.default_scenario = default_scenario or IngestionScenario()
        self.slow_answer_delay = slow_answer_delay
        self._lock = threading.Lock()
        self._products: dict[str, ProductState] = {}
        self._jobs: dict[str, Job] = {}
        self._global_faults = FaultBook()
        for external_id, scenario in (scenarios or {}).items():
            self.add_product(external_id, scenario)

    @property
    def api_base_url(self) -> str:
        """What the app's `PRODUCT_INGESTION_BASE_URL` would be: base URL plus the prefix."""
        return self.base_url + PREFIX

    # -- control, for tests and demos ----------------------------------------------------
    def add_product(self, external_id: str, scenario: IngestionScenario | None = None) -> Product:
        """Make a product known with its scenario (replacing any earlier registration)."""
        chosen = scenario or self.default_scenario
        product = Product(external_id, chosen, self.now())
        with self._lock:
            self._products[external_id.lower()] = ProductState(product, FaultBook(chosen.faults))
        return product

    def load_scenarios(self, path: Path | str) -> None:
        for external_id, scenario in load_products(path).items():
            self.add_product(external_id, scenario)

    def inject_fault(self, fault: Fault, *, external_id: str | None = None) -> None:
        """Add a fault for one product (known or id-derived), or for every product."""
        with self._lock:
            if external_id is None:
                self._global_faults.add(fault)
                return
            state = self._by_external_id(external_id)
            if state is None:
                raise KeyError(f"product {external_id!r} is not known to the simulator")
            state.faults.add(fault)

    def token(self) -> str:
        """A valid bearer token for Microsoft Graph, for tests that skip the identity simulator."""
        return self.authority.token_for(GRAPH_AUDIENCE)

    def product(self, external_id: str) -> Product:
        with self._lock:
            state = self._by_external_id(external_id)
        if state is None:
            raise KeyError(external_id)
        return state.product

    @property
    def jobs(self) -> list[Job]:
        """Every configure job, oldest first."""
        with self._lock:
            return list(self._jobs.values())

    def job_json(self, job_id: str) -> dict[str, Any]:
        """The job's status as a GET would show it now."""
        with self._lock:
            return self._jobs[job_id].status_json(self.now())

    # -- routes --------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(PREFIX + "/product", self._list_products)
        app.router.add_get(PREFIX + "/product/{guid}", self._get_product)
        app.router.add_get(PREFIX + "/submission/{guid}", self._list_submissions)
        app.router.add_post(PREFIX + "/configure", self._configure)
        app.router.add_get(PREFIX + "/configure/{job}/status", self._job_status)
        app.router.add_get(PREFIX + "/configure/{job}", self._job_details)
        app.router.add_post(PREFIX + "/configure/{job}/cancel", self._cancel)
        app.router.add_get(INTROSPECTION_PREFIX + "jobs", self._sim_jobs)
        app.router.add_post(INTROSPECTION_PREFIX + "products", self._sim_add_product)
        app.router.add_post(INTROSPECTION_PREFIX + "faults", self._sim_add_fault)

    async def _list_products(self, request: web.Request) -> web.Response:
        query = {key.lower(): value for key, value in request.query.items()}
        external_id = query.get("externalid")

        def listing(state: ProductState | None) -> web.Response:
            found = [state.product.resource_json()] if state is not None else []
            if external_id is None:
                with_all = [s.product.resource_json() for s in self._products.values()]
                return json_response({"value": with_all})
            return json_response({"value": found})

        if external_id is None:
            return await self._handle(request, "product", None, listing)
        return await self._handle(request, "product", self._lookup_external(external_id), listing)

    async def _get_product(self, request: web.Request) -> web.Response:
        def show(state: ProductState | None) -> web.Response:
            assert state is not None
            return json_response(state.product.resource_json())

        return await self._handle(request, "product", self._lookup_guid(request), show)

    async def _list_submissions(self, request: web.Request) -> web.Response:
        target = {k.lower(): v for k, v in request.query.items()}.get("targettype")

        def listing(state: ProductState | None) -> web.Response:
            assert state is not None
            product = state.product
            body: dict[str, Any] = {"value": product.submissions_json(self.now(), target)}
            if product.scenario.foreign_origin:
                next_link = f"/submission/{product.guid}?$skipToken=1"
                body["@nextLink"] = product.scenario.foreign_origin.rstrip("/") + next_link
            return json_response(body)

        return await self._handle(request, "submission", self._lookup_guid(request), listing)

    async def _configure(self, request: web.Request) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        try:
            body = await request.json()
        except ValueError:
            return _schema_error("The request body is not valid JSON.")
        problem, resource = _configure_problem(body)
        if problem is not None or resource is None:
            return _schema_error(problem or "The request has no submission resource.")
        match = _SUBMISSION_ID.fullmatch(str(resource["id"]))
        assert match is not None
        guid, number = match.group("guid").lower(), int(match.group("number"))
        if str(resource["product"]).lower() != f"product/{guid}":
            return _schema_error("resources[0].product does not match resources[0].id.")

        def start(state: ProductState | None) -> web.Response:
            assert state is not None
            if state.product.scenario.reject:
                return _schema_error(state.product.scenario.reject_message)
            job = state.product.configure(number, body["resources"], self.now())
            self._jobs[job.id] = job
            return json_response(job.status_json(self.now()))

        return await self._handle(request, "golive", self._lookup_guid(request, guid), start)

    async def _job_status(self, request: web.Request) -> web.Response:
        def show(state: ProductState | None) -> web.Response:
            return json_response(self._jobs[request.match_info["job"]].status_json(self.now()))

        return await self._handle(request, "operation", self._lookup_job(request), show)

    async def _job_details(self, request: web.Request) -> web.Response:
        def show(state: ProductState | None) -> web.Response:
            job = self._jobs[request.match_info["job"]]
            if not job.state(self.now()).completed:
                return graph_error(
                    400, "badRequest", "The job has not completed; ask for its status instead."
                )
            return json_response({"$schema": CONFIGURE_SCHEMA, "resources": job.resources})

        return await self._handle(request, "operation", self._lookup_job(request), show)

    async def _cancel(self, request: web.Request) -> web.Response:
        def cancel(state: ProductState | None) -> web.Response:
            job = self._jobs[request.match_info["job"]]
            now = self.now()
            if job.state(now).completed or not job.product.scenario.cancellable:
                return graph_error(400, "badRequest", _CANNOT_CANCEL)
            job.cancelled_at = now
            return json_response(job.status_json(now))

        return await self._handle(request, "cancel", self._lookup_job(request), cancel)

    # -- the pipeline every API request goes through -------------------------------------
    async def _handle(
        self,
        request: web.Request,
        target: FaultTarget,
        lookup: Callable[[], ProductState | web.Response] | None,
        action: Callable[[ProductState | None], web.Response],
    ) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        with self._lock:
            state = lookup() if lookup is not None else None
            if isinstance(state, web.Response):
                return state
            fault = self._global_faults.take(target)
            if fault is None and state is not None:
                fault = state.faults.take(target)
            processed = action(state) if fault is None or fault.processed else None
        if fault is None and processed is not None:
            return processed
        assert fault is not None
        return await answer_with_fault(
            request, fault, processed, self.now(), self.slow_answer_delay
        )

    def _refusal(self, request: web.Request) -> web.Response | None:
        problem = self.authority.check_authorization(
            request.headers.get("Authorization"), GRAPH_AUDIENCE
        )
        if problem is not None:
            return graph_error(
                401, "InvalidAuthenticationToken", f"Access token validation failure: {problem}."
            )
        version = request.query.get("$version")
        if version not in API_VERSIONS:
            said = "is missing" if version is None else f"'{version}' is not supported"
            return graph_error(
                400,
                "badRequest",
                f"The $version query parameter {said}. Supported: {sorted(API_VERSIONS)}.",
            )
        return None

    def _lookup_external(self, external_id: str) -> Callable[[], ProductState | web.Response]:
        def lookup() -> ProductState | web.Response:
            if "forbidden" in external_id.lower().split("-"):
                return graph_error(
                    403,
                    "forbidden",
                    "The caller is not associated with the Partner Center account that owns "
                    f"product '{external_id}', or lacks the Manager role.",
                )
            state = self._by_external_id(external_id)
            if state is None:
                return json_response({"value": []})
            return state

        return lookup

    def _lookup_guid(
        self, request: web.Request, guid: str | None = None
    ) -> Callable[[], ProductState | web.Response]:
        wanted = (guid or request.match_info["guid"]).lower()

        def lookup() -> ProductState | web.Response:
            found = next((s for s in self._products.values() if s.product.guid == wanted), None)
            if found is None:
                return graph_error(404, "notFound", f"Product '{wanted}' was not found.")
            return found

        return lookup

    def _lookup_job(self, request: web.Request) -> Callable[[], ProductState | web.Response]:
        job_id = request.match_info["job"]

        def lookup() -> ProductState | web.Response:
            job = self._jobs.get(job_id)
            if job is None:
                return graph_error(404, "notFound", f"Job '{job_id}' was not found.")
            return self._products[job.product.external_id.lower()]

        return lookup

    def _by_external_id(self, external_id: str) -> ProductState | None:
        """The product's state, made from its id when allowed; None if there is none."""
        key = external_id.lower()
        if key in self._products:
            return self._products[key]
        words = key.split("-")
        if "missing" in words or not self.products_from_ids:
            return None
        scenario = scenario_from_external_id(external_id, self.default_scenario)
        state = ProductState(Product(external_id, scenario, self.now()), FaultBook(scenario.faults))
        self._products[key] = state
        return state

    # -- introspection and control over HTTP (standalone use) ----------------------------
    async def _sim_jobs(self, request: web.Request) -> web.Response:
        with self._lock:
            now = self.now()
            listing = [
                {"externalId": job.product.external_id, "job": job.status_json(now)}
                for job in self._jobs.values()
            ]
        return json_response(listing)

    async def _sim_add_product(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            scenario = IngestionScenario.from_json(body.get("scenario", {}))
            self.add_product(str(body["externalId"]), scenario)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return graph_error(400, "badRequest", str(error))
        return json_response({"registered": body["externalId"]}, status=201)

    async def _sim_add_fault(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            fault = Fault.from_json(body["fault"])
            self.inject_fault(fault, external_id=body.get("externalId"))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return graph_error(400, "badRequest", str(error))
        return json_response({"added": True}, status=201)


def _schema_error(message: str) -> web.Response:
    return graph_error(
        400,
        "badRequest",
        "The request is not valid.",
        [{"code": "schemaValidationError", "message": message}],
    )


def _configure_problem(body: Any) -> tuple[str | None, dict[str, Any] | None]:
    """Why a configure body does not validate (and its one submission resource)."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object.", None
    if "/schema/configure/" not in str(body.get("$schema", "")):
        return "$schema must name the configure schema.", None
    resources = body.get("resources")
    if not isinstance(resources, list) or len(resources) != 1:
        return "resources must hold exactly one submission resource.", None
    resource = resources[0]
    if not isinstance(resource, dict):
        return "resources[0] must be an object.", None
    if "/schema/submission/" not in str(resource.get("$schema", "")):
        return "resources[0].$schema must name the submission schema.", None
    if not _SUBMISSION_ID.fullmatch(str(resource.get("id", ""))):
        return "resources[0].id must be submission/<productId>/<submissionId>.", None
    target = resource.get("target")
    if not isinstance(target, dict) or target.get("targetType") != "live":
        return (
            "resources[0].target.targetType must be 'live' (the simulator takes only go-lives).",
            None,
        )
    if not isinstance(resource.get("product"), str):
        return "resources[0].product is required.", None
    return None, resource
