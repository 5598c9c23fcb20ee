"""Drives the running app the way its users do: HTTP for operators, the queue for
upstream systems, the Event Grid topic for downstream systems."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from demo.stack import LocalStack

TERMINAL = {"Completed", "Failed", "Terminated"}


@dataclass
class AppDriver:
    stack: LocalStack

    def start(
        self, publisher: str, offer: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        return self.stack.http.post(self.stack.go_live_url(publisher, offer), json=body, timeout=30)

    def status(self, publisher: str, offer: str) -> dict[str, Any] | None:
        return self.stack.status(publisher, offer)

    def cancel(
        self, publisher: str, offer: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        url = self.stack.go_live_url(publisher, offer) + "/cancel"
        return self.stack.http.post(url, json=body, timeout=30)

    def current(self, publisher: str, offer: str) -> dict[str, Any]:
        """The status of a go-live the test knows exists."""
        status = self.status(publisher, offer)
        assert status is not None, f"no go-live for {publisher}/{offer}"
        return status

    def wait_until_finished(
        self, publisher: str, offer: str, timeout: float = 90.0
    ) -> dict[str, Any]:
        """The status route's answer once the run is Completed, Failed or Terminated."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(publisher, offer)
            if status and status["runtimeStatus"] in TERMINAL:
                return status
            time.sleep(0.05)
        raise AssertionError(f"{publisher}/{offer} did not finish: {self.status(publisher, offer)}")

    def wait_for_status(self, publisher: str, offer: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.status(publisher, offer)
            if status is not None:
                return status
            time.sleep(0.05)
        raise AssertionError(f"{publisher}/{offer} never started")

    def events_for(self, publisher: str, offer: str) -> list[dict[str, Any]]:
        subject = f"publishers/{publisher}/offers/{offer}"
        return [e for e in self.stack.eventgrid.events if e.get("subject") == subject]

    def completion_events(self, publisher: str, offer: str) -> list[dict[str, Any]]:
        return [
            e for e in self.events_for(publisher, offer) if not e["type"].endswith("ActionRequired")
        ]

    def durable_status(self, instance_id: str, *, history: bool = False) -> dict[str, Any]:
        url = f"{self.stack.base_url}/runtime/webhooks/durabletask/instances/{instance_id}"
        params = {"showHistory": "true"} if history else {}
        response = requests.get(url, params={**params, **self.stack.durable_api_key}, timeout=30)
        body: dict[str, Any] = response.json()
        return body

    def cpp_requests(self, publisher: str, offer: str) -> list[Any]:
        marker = f"{publisher}/offers/{offer}"
        legacy = f"{publisher}${offer}$"
        return [r for r in self.stack.cpp.requests if marker in r.path or legacy in r.path]

    def ingestion_requests(self, offer: str) -> list[Any]:
        """Requests the Product Ingestion simulator got for the product of `offer`."""
        from simulators.ingestion import product_guid

        guid = product_guid(offer)
        jobs = {job.id for job in self.stack.ingestion.jobs if job.product.guid == guid}
        return [
            r
            for r in self.stack.ingestion.requests
            if guid in r.path
            or guid in r.text
            or r.query.get("externalID") == offer
            or any(job in r.path for job in jobs)
        ]
