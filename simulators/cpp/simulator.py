"""The CPP go-live API simulator (docs/cpp-api.md): routes, offers, operations, faults.

Request handling order: bearer token (401) → api-version (400) → publisher/offer (403/404)
→ fault injection → the API's own answer. See docs/simulators.md for the choices the public
docs leave open (409 on a second go-live, cancel without a running operation).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from simulators.clock import Now, wall_clock
from simulators.cpp.operation import API_VERSION, Operation
from simulators.cpp.scenario import Scenario, scenario_from_offer_id
from simulators.faults import Fault, FaultBook, FaultTarget, answer_with_fault
from simulators.server import INTROSPECTION_PREFIX, Simulator, error_response, json_response
from simulators.tokens import CPP_AUDIENCE, TokenAuthority

OFFER_ROUTE = "/api/publishers/{publisher}/offers/{offer}"


@dataclass
class OfferState:
    publisher: str
    offer: str
    scenario: Scenario
    faults: FaultBook
    operations: list[Operation] = field(default_factory=list)

    def running(self, now: datetime) -> Operation | None:
        return next((op for op in reversed(self.operations) if op.is_running(now)), None)


def load_scenarios(path: Path | str) -> dict[tuple[str, str], Scenario]:
    """Read `{"offers": {"publisher/offer": {scenario fields...}}}` from a JSON file."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("offers"), dict):
        raise ValueError(f"{path}: expected an object with an 'offers' object")
    scenarios: dict[tuple[str, str], Scenario] = {}
    for key, body in data["offers"].items():
        publisher, slash, offer = key.partition("/")
        if not slash or not publisher or not offer:
            raise ValueError(f"{path}: offer key {key!r} must be 'publisher/offer'")
        try:
            scenarios[(publisher, offer)] = Scenario.from_json(body)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}: offer {key!r}: {error}") from error
    return scenarios


class CppSimulator(Simulator):
    """The go-live API of the Cloud Partner Portal, with scenarios per offer."""

    name = "cpp"

    def __init__(
        self,
        *,
        authority: TokenAuthority | None = None,
        now: Now = wall_clock,
        scenarios: Mapping[tuple[str, str], Scenario] | None = None,
        offers_from_ids: bool = True,
        default_scenario: Scenario | None = None,
        slow_answer_delay: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(now=now, host=host, port=port)
        self.authority = authority or TokenAuthority()
        self.offers_from_ids = offers_from_ids
        self.default_scenario = default_scenario or Scenario()
        self.slow_answer_delay = slow_answer_delay
        self._lock = threading.Lock()
        self._offers: dict[tuple[str, str], OfferState] = {}
        self._operations: dict[str, Operation] = {}
        self._global_faults = FaultBook()
        for (publisher, offer), scenario in (scenarios or {}).items():
            self.add_offer(publisher, offer, scenario)

    # -- control, for tests and demos ----------------------------------------------------
    def add_offer(self, publisher: str, offer: str, scenario: Scenario | None = None) -> None:
        """Make an offer known with its scenario (replacing any earlier registration)."""
        chosen = scenario or self.default_scenario
        with self._lock:
            self._offers[_key(publisher, offer)] = OfferState(
                publisher, offer, chosen, FaultBook(chosen.faults)
            )

    def load_scenarios(self, path: Path | str) -> None:
        for (publisher, offer), scenario in load_scenarios(path).items():
            self.add_offer(publisher, offer, scenario)

    def inject_fault(
        self, fault: Fault, *, publisher: str | None = None, offer: str | None = None
    ) -> None:
        """Add a fault for one offer (known or id-derived), or for every offer if none given."""
        with self._lock:
            if publisher is None or offer is None:
                self._global_faults.add(fault)
                return
            state = self._offer_state(publisher, offer)
            if not isinstance(state, OfferState):
                raise KeyError(f"offer {publisher}/{offer} is not known to the simulator")
            state.faults.add(fault)

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        on: FaultTarget = "operation",
        publisher: str | None = None,
        offer: str | None = None,
    ) -> None:
        """Shorthand: answer the next `count` matching requests with `status`."""
        fault = Fault.server_errors(status, times=count, on=on)
        self.inject_fault(fault, publisher=publisher, offer=offer)

    def token(self) -> str:
        """A valid bearer token for this API, for tests that skip the identity simulator."""
        return self.authority.token_for(CPP_AUDIENCE)

    @property
    def operations(self) -> list[Operation]:
        """Every operation started, oldest first."""
        with self._lock:
            return list(self._operations.values())

    def operation(self, operation_id: str) -> Operation:
        with self._lock:
            return self._operations[operation_id]

    def operation_json(self, operation_id: str) -> dict[str, Any]:
        """The operation as a GET would show it now (without counting as a poll)."""
        with self._lock:
            return self._operations[operation_id].to_json(self.now())

    # -- routes --------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(OFFER_ROUTE + "/golive", self._golive)
        app.router.add_post(OFFER_ROUTE + "/cancel", self._cancel)
        app.router.add_get(OFFER_ROUTE + "/operations", self._list_operations)
        app.router.add_get(OFFER_ROUTE + "/operations/{operation_id}", self._get_operation)
        app.router.add_get(OFFER_ROUTE + "/submissions", self._list_submissions)
        app.router.add_get(OFFER_ROUTE + "/submissions/", self._list_submissions)
        app.router.add_get("/api/operations/{reference}", self._get_legacy_operation)
        app.router.add_get(INTROSPECTION_PREFIX + "operations", self._sim_operations)
        app.router.add_post(INTROSPECTION_PREFIX + "offers", self._sim_add_offer)
        app.router.add_post(INTROSPECTION_PREFIX + "faults", self._sim_add_fault)

    async def _golive(self, request: web.Request) -> web.Response:
        publisher, offer = _publisher(request), _offer(request)
        return await self._handle(request, "golive", publisher, offer, self._start)

    async def _cancel(self, request: web.Request) -> web.Response:
        publisher, offer = _publisher(request), _offer(request)
        return await self._handle(request, "cancel", publisher, offer, self._stop)

    async def _get_operation(self, request: web.Request) -> web.Response:
        operation_id = request.match_info["operation_id"]

        def show(state: OfferState, base_url: str) -> web.Response:
            found = next((op for op in state.operations if op.id == operation_id), None)
            return self._show(found, operation_id)

        return await self._handle(request, "operation", _publisher(request), _offer(request), show)

    async def _get_legacy_operation(self, request: web.Request) -> web.Response:
        reference = request.match_info["reference"]
        parts = reference.split("$")
        if len(parts) != 4 or not parts[2].isdigit():
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            return error_response(404, "NotFound", f"Operation '{reference}' was not found.")
        publisher, offer, version = parts[0], parts[1], int(parts[2])

        def show(state: OfferState, base_url: str) -> web.Response:
            found = next((op for op in state.operations if op.publishing_version == version), None)
            return self._show(found, reference)

        return await self._handle(request, "operation", publisher, offer, show)

    async def _list_operations(self, request: web.Request) -> web.Response:
        """Retrieve operations: every operation on the offer, full JSON, as an array;
        `filteredStatus` (or `status`) keeps those whose status word matches."""
        wanted = (request.query.get("filteredStatus") or request.query.get("status") or "").lower()

        def listing(state: OfferState, base_url: str) -> web.Response:
            now = self.now()
            items = [op.to_json(now) for op in state.operations]
            if wanted:
                items = [item for item in items if str(item["status"]).lower() == wanted]
            return json_response(items)

        return await self._handle(
            request, "operation", _publisher(request), _offer(request), listing
        )

    async def _list_submissions(self, request: web.Request) -> web.Response:
        wanted = request.query.get("status", "").lower()

        def listing(state: OfferState, base_url: str) -> web.Response:
            now = self.now()
            items = [op.summary_json(now) for op in state.operations]
            if wanted:
                items = [item for item in items if item["submissionState"].lower() == wanted]
            return json_response(items)

        return await self._handle(
            request, "operation", _publisher(request), _offer(request), listing
        )

    # -- the pipeline every API request goes through -------------------------------------
    async def _handle(
        self,
        request: web.Request,
        target: FaultTarget,
        publisher: str,
        offer: str,
        action: Callable[[OfferState, str], web.Response],
    ) -> web.Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        base_url = f"{request.scheme}://{request.host}"
        with self._lock:
            state = self._offer_state(publisher, offer)
            if not isinstance(state, OfferState):
                return state
            fault = self._global_faults.take(target) or state.faults.take(target)
            processed = action(state, base_url) if fault is None or fault.processed else None
        if fault is None and processed is not None:
            return processed
        assert fault is not None
        return await answer_with_fault(
            request, fault, processed, self.now(), self.slow_answer_delay
        )

    def _refusal(self, request: web.Request) -> web.Response | None:
        problem = self.authority.check_authorization(
            request.headers.get("Authorization"), CPP_AUDIENCE
        )
        if problem is not None:
            return error_response(401, "Unauthorized", f"Authentication failed: {problem}.")
        version = request.query.get("api-version")
        if version != API_VERSION:
            problem = "is missing" if version is None else f"'{version}' is not supported"
            return error_response(
                400,
                "InvalidAPIVersion",
                f"The api-version query parameter {problem}. Use api-version={API_VERSION}.",
            )
        return None

    def _offer_state(self, publisher: str, offer: str) -> OfferState | web.Response:
        """The offer's state, created from its id if allowed; else the 403/404 answer."""
        key = _key(publisher, offer)
        if key in self._offers:
            return self._offers[key]
        publisher_words = publisher.lower().split("-")
        if "forbidden" in publisher_words:
            return error_response(
                403, "Forbidden", f"The caller is not authorized for publisher '{publisher}'."
            )
        known_publisher = any(p == key[0] for p, _ in self._offers)
        if "missing" in publisher_words or not (self.offers_from_ids or known_publisher):
            return error_response(404, "NotFound", f"Publisher '{publisher}' was not found.")
        if "missing" in offer.lower().split("-") or not self.offers_from_ids:
            return error_response(
                404, "NotFound", f"Offer '{offer}' of publisher '{publisher}' was not found."
            )
        scenario = scenario_from_offer_id(offer, self.default_scenario)
        state = OfferState(publisher, offer, scenario, FaultBook(scenario.faults))
        self._offers[key] = state
        return state

    # -- the API's own answers (called under the lock) -----------------------------------
    def _start(self, state: OfferState, base_url: str) -> web.Response:
        now = self.now()
        if state.scenario.reject:
            return error_response(400, "InvalidOfferState", state.scenario.reject_message)
        running = state.running(now)
        if running is not None:
            return error_response(
                409,
                "Conflict",
                f"Operation {running.id} is already running for offer '{state.offer}'; "
                "wait for it to finish or cancel it.",
            )
        operation = Operation(
            publisher=state.publisher,
            offer=state.offer,
            scenario=state.scenario,
            created=now,
            publishing_version=len(state.operations) + 2,
        )
        state.operations.append(operation)
        self._operations[operation.id] = operation
        name, value = operation.locator(base_url)
        return web.Response(status=202, headers={name: value})

    def _stop(self, state: OfferState, base_url: str) -> web.Response:
        now = self.now()
        running = state.running(now)
        if running is not None:
            running.request_cancel(now)
            name, value = running.locator(base_url)
            return web.Response(status=202, headers={name: value})
        latest = state.operations[-1] if state.operations else None
        if latest is not None and latest.status(now) == "canceled":
            return web.Response(status=200)
        return error_response(
            400, "NoRunningOperation", f"There is no running operation on offer '{state.offer}'."
        )

    def _show(self, operation: Operation | None, reference: str) -> web.Response:
        if operation is None:
            return error_response(404, "NotFound", f"Operation '{reference}' was not found.")
        now = self.now()
        operation.record_poll(now)
        body = operation.to_json(now)
        return json_response([body] if operation.scenario.array_body else body)

    # -- introspection and control over HTTP (standalone use) ----------------------------
    async def _sim_operations(self, request: web.Request) -> web.Response:
        with self._lock:
            now = self.now()
            listing = [
                {"publisher": op.publisher, "offer": op.offer, "operation": op.to_json(now)}
                for op in self._operations.values()
            ]
        return json_response(listing)

    async def _sim_add_offer(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            scenario = Scenario.from_json(body.get("scenario", {}))
            self.add_offer(str(body["publisher"]), str(body["offer"]), scenario)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return error_response(400, "BadRequest", str(error))
        return json_response({"registered": f"{body['publisher']}/{body['offer']}"}, status=201)

    async def _sim_add_fault(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            fault = Fault.from_json(body["fault"])
            self.inject_fault(fault, publisher=body.get("publisher"), offer=body.get("offer"))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            return error_response(400, "BadRequest", str(error))
        return json_response({"added": True}, status=201)


def _key(publisher: str, offer: str) -> tuple[str, str]:
    return publisher.lower(), offer.lower()


def _publisher(request: web.Request) -> str:
    return request.match_info["publisher"]


def _offer(request: web.Request) -> str:
    return request.match_info["offer"]
