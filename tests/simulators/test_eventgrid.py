"""The Event Grid topic, driven by azure-eventgrid's EventGridPublisherClient."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.messaging import CloudEvent
from azure.eventgrid import EventGridEvent, EventGridPublisherClient
from azure.identity import ManagedIdentityCredential

from simulators import CPP_AUDIENCE, EventGridSimulator, TokenAuthority
from simulators.recording import MASK


def _event(n: int = 1, data: object = None) -> CloudEvent:
    return CloudEvent(
        source="/golive/contoso/app",
        type="Marketplace.GoLive.Succeeded",
        data=data if data is not None else {"offer": "app", "n": n},
        id=f"instance-{n}:succeeded",
    )


def _client(sim: EventGridSimulator, key: str | None = None) -> EventGridPublisherClient:
    return EventGridPublisherClient(sim.endpoint, AzureKeyCredential(key or sim.key))


def test_cloud_events_with_the_key_are_accepted_and_kept(eventgrid: EventGridSimulator) -> None:
    with _client(eventgrid) as client:
        client.send([_event(1), _event(2)])
    assert [e["id"] for e in eventgrid.events] == ["instance-1:succeeded", "instance-2:succeeded"]
    assert eventgrid.events[0]["specversion"] == "1.0"
    assert eventgrid.events[0]["data"] == {"offer": "app", "n": 1}
    [request] = eventgrid.requests
    assert request.query == {"api-version": "2018-01-01"}
    assert request.header("Content-Type") == "application/cloudevents-batch+json; charset=utf-8"
    assert request.header("aeg-sas-key") == MASK
    assert eventgrid.key not in request.text


def test_accepted_events_are_listed_and_appended_to_jsonl(eventgrid: EventGridSimulator) -> None:
    with _client(eventgrid) as client:
        client.send(_event(1))
        client.send(_event(1))  # at-least-once: a duplicate is kept, consumers drop it
    listed = requests.get(eventgrid.endpoint, timeout=5).json()
    assert [e["id"] for e in listed] == ["instance-1:succeeded"] * 2
    assert eventgrid.jsonl_path is not None
    lines = eventgrid.jsonl_path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["instance-1:succeeded"] * 2


def test_event_grid_schema_events_are_accepted(eventgrid: EventGridSimulator) -> None:
    event = EventGridEvent(
        subject="offers/app",
        event_type="Marketplace.GoLive.Succeeded",
        data={"offer": "app"},
        data_version="1.0",
    )
    with _client(eventgrid) as client:
        client.send(event)
    [kept] = eventgrid.events
    assert kept["eventType"] == "Marketplace.GoLive.Succeeded"
    assert str(eventgrid.requests[0].header("Content-Type")).startswith("application/json")


def test_a_bearer_token_from_managed_identity_is_accepted(
    eventgrid: EventGridSimulator, managed_identity_env: dict[str, str]
) -> None:
    with (
        ManagedIdentityCredential() as credential,
        EventGridPublisherClient(eventgrid.endpoint, credential) as client,
    ):
        client.send(_event(), enforce_https=False)
    assert len(eventgrid.events) == 1
    assert eventgrid.requests[0].header("Authorization") == f"Bearer {MASK}"


def test_a_forged_token_or_one_for_another_resource_is_refused(
    eventgrid: EventGridSimulator, authority: TokenAuthority
) -> None:
    forged = TokenAuthority(b"some other signing key").credential()
    with (
        EventGridPublisherClient(eventgrid.endpoint, forged) as client,
        pytest.raises(ClientAuthenticationError),
    ):
        client.send(_event(), enforce_https=False)
    answer = requests.post(
        eventgrid.endpoint,
        params={"api-version": "2018-01-01"},
        headers={"Authorization": f"Bearer {authority.token_for(CPP_AUDIENCE)}"},
        json=[],
        timeout=5,
    )
    assert answer.status_code == 401
    assert "not https://eventgrid.azure.net" in answer.json()["error"]["message"]
    assert eventgrid.events == []


def test_a_wrong_key_is_refused(eventgrid: EventGridSimulator) -> None:
    with _client(eventgrid, key="wrong") as client, pytest.raises(ClientAuthenticationError):
        client.send(_event())
    assert eventgrid.events == []


def test_a_batch_over_one_megabyte_gets_413(eventgrid: EventGridSimulator) -> None:
    with _client(eventgrid) as client, pytest.raises(HttpResponseError) as raised:
        client.send(_event(data={"blob": "x" * (1024 * 1024)}))
    assert raised.value.status_code == 413
    assert eventgrid.events == []


@pytest.mark.parametrize("missing", ["specversion", "id", "source", "type"])
def test_cloud_events_lacking_a_required_field_get_400(
    eventgrid: EventGridSimulator, missing: str
) -> None:
    event = {"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data": {}}
    del event[missing]
    answer = requests.post(
        eventgrid.endpoint,
        params={"api-version": "2018-01-01"},
        headers={
            "aeg-sas-key": eventgrid.key,
            "Content-Type": "application/cloudevents-batch+json; charset=utf-8",
        },
        data=json.dumps([event]),
        timeout=5,
    )
    assert answer.status_code == 400
    assert missing in answer.json()["error"]["message"]
    assert eventgrid.events == []


def test_event_grid_events_lacking_a_required_field_get_400(
    eventgrid: EventGridSimulator,
) -> None:
    event = {
        "id": "1",
        "subject": "s",
        "eventType": "t",
        "eventTime": datetime.now(UTC).isoformat(),
        "data": {},
    }
    answer = requests.post(
        eventgrid.endpoint,
        params={"api-version": "2018-01-01"},
        headers={"aeg-sas-key": eventgrid.key},
        json=[event],
        timeout=5,
    )
    assert answer.status_code == 400
    assert "dataVersion" in answer.json()["error"]["message"]


def test_a_wrong_api_version_gets_400(eventgrid: EventGridSimulator) -> None:
    answer = requests.post(
        eventgrid.endpoint,
        params={"api-version": "2020-06-01"},
        headers={"aeg-sas-key": eventgrid.key},
        json=[],
        timeout=5,
    )
    assert answer.status_code == 400


def test_injected_503s_fail_the_send_unless_retried(eventgrid: EventGridSimulator) -> None:
    eventgrid.fail_next(2, status=503)
    with _client(eventgrid) as client:
        with pytest.raises(HttpResponseError) as raised:
            client.send(_event(), retry_total=0)
        assert raised.value.status_code == 503
        assert eventgrid.events == []
        client.send(_event(), retry_total=3, retry_backoff_factor=0.01)
    assert [r.status for r in eventgrid.requests] == [503, 503, 200]
    assert len(eventgrid.events) == 1


def test_an_injected_401_reaches_the_client(eventgrid: EventGridSimulator) -> None:
    eventgrid.fail_next(1, status=401)
    with _client(eventgrid) as client:
        with pytest.raises(ClientAuthenticationError):
            client.send(_event())
        client.send(_event())
    assert len(eventgrid.events) == 1


def test_a_cloudevents_only_topic_refuses_event_grid_schema(
    authority: TokenAuthority,
) -> None:
    with EventGridSimulator(authority=authority, input_schema="cloudevents") as topic:
        event = EventGridEvent(subject="s", event_type="t", data={}, data_version="1")
        with _client(topic) as client, pytest.raises(HttpResponseError) as raised:
            client.send(event)
        assert raised.value.status_code == 400
        with _client(topic) as client:
            client.send(_event())
        assert len(topic.events) == 1
