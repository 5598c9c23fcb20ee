"""The pure pieces behind the edge: route templates, payload decoding, settings parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from devhost.durable_api import client_binding_json, decode_client_payload
from devhost.local_settings import LocalSettingsError, apply_values, setting_values
from devhost.queues import (
    QueueConfigurationError,
    QueueSettings,
    decode_body,
    parse_timespan,
    resolve_setting_expression,
)
from devhost.route_template import RouteTemplateError, parse_route


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("orders/{id}", "orders/7", {"id": "7"}),
        ("orders/{id}", "ORDERS/7", {"id": "7"}),
        ("orders/{id:int}", "orders/x", None),
        ("orders/{id:int}", "orders/99999999999", None),
        ("orders/{id:long}", "orders/99999999999", {"id": "99999999999"}),
        ("orders/{id:int?}", "orders", {}),
        ("orders/{id=latest}", "orders", {"id": "latest"}),
        ("orders/{id:int:range(1,10)}", "orders/11", None),
        (
            "orders/{id:guid}",
            "orders/4e9c0f4c-5e0c-4a4e-9a3f-1b2c3d4e5f60",
            {"id": "4e9c0f4c-5e0c-4a4e-9a3f-1b2c3d4e5f60"},
        ),
        ("orders/{flag:bool}", "orders/True", {"flag": "True"}),
        ("codes/{code:regex(^[a-z]{{2}}$)}", "codes/ab", {"code": "ab"}),
        ("codes/{code:regex(^[a-z]{{2}}$)}", "codes/abc", None),
        ("codes/{code:minlength(3)}", "codes/ab", None),
        ("files/{*rest}", "files/a/b", {"rest": "a/b"}),
        ("{a}-{b}/x", "left-right/x", {"a": "left", "b": "right"}),
        ("", "", {}),
    ],
)
def test_route_templates(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert parse_route(template).match(path) == expected


def test_literal_routes_take_precedence() -> None:
    literal, constrained, plain = (parse_route(t) for t in ("a/b", "a/{x:int}", "a/{x}"))
    assert literal.precedence < constrained.precedence < plain.precedence


@pytest.mark.parametrize("template", ["a/{*rest}/b", "a/{x}{y}", "a/{x:nope}", "a/{x", "a//b"])
def test_bad_route_templates_are_refused(template: str) -> None:
    with pytest.raises(RouteTemplateError):
        parse_route(template)


def test_client_payload_decoding() -> None:
    sdk_body = json.dumps(json.dumps({"a": 1}))  # what DurableOrchestrationClient posts
    assert json.loads(decode_client_payload(sdk_body)) == {"a": 1}
    assert json.loads(decode_client_payload('{"a": 1}')) == {"a": 1}  # curl-style body
    assert json.loads(decode_client_payload('"plain words"')) == "plain words"
    with pytest.raises(ValueError):
        decode_client_payload("not json")


def test_client_binding_calls_the_internal_endpoint_and_hands_out_public_keyed_urls() -> None:
    binding = json.loads(
        client_binding_json("http://127.0.0.1:1234", "http://127.0.0.1:5678", "Hub", "sys/key")
    )
    assert binding["taskHubName"] == "Hub"
    assert binding["rpcBaseUrl"] == "http://127.0.0.1:5678/durabletask/"
    assert binding["baseUrl"] == "http://127.0.0.1:1234/runtime/webhooks/durabletask"
    assert binding["requiredQueryStringParameters"] == "code=sys%2Fkey"
    assert binding["managementUrls"]["id"] == "INSTANCEID"
    status_url = binding["managementUrls"]["statusQueryGetUri"]
    assert status_url.startswith("http://127.0.0.1:1234/runtime/webhooks/durabletask/")
    assert "/instances/INSTANCEID?" in status_url and status_url.endswith("&code=sys%2Fkey")
    create = binding["creationUrls"]["createNewInstancePostUri"]
    assert create.endswith("[/{instanceId}]?code=sys%2Fkey")


def test_timespans_and_queue_settings() -> None:
    assert parse_timespan("00:00:02", 0) == 2
    assert parse_timespan("1.00:00:00.5", 0) == 86400.5
    assert parse_timespan(1500, 0) == 1.5
    assert parse_timespan(None, 7) == 7
    with pytest.raises(QueueConfigurationError):
        parse_timespan("soon", 0)
    defaults = QueueSettings.from_host_json({})
    assert (defaults.message_encoding, defaults.max_dequeue_count, defaults.batch_size) == (
        "base64",
        5,
        16,
    )
    custom = QueueSettings.from_host_json(
        {
            "extensions": {
                "queues": {
                    "messageEncoding": "none",
                    "maxDequeueCount": 2,
                    "visibilityTimeout": "00:00:03",
                    "batchSize": 64,
                    "maxPollingInterval": "00:00:00.010",
                }
            }
        }
    )
    assert custom.message_encoding == "none"
    assert custom.max_dequeue_count == 2
    assert custom.visibility_timeout == 3
    assert custom.batch_size == 32  # the storage service's limit per fetch
    assert custom.max_polling_interval == 0.1  # the host's minimum


def test_queue_message_bodies() -> None:
    assert decode_body("aGk=", "base64") == b"hi"
    assert decode_body("hi there", "none") == b"hi there"
    with pytest.raises(ValueError):
        decode_body("hi there!", "base64")


@pytest.mark.parametrize("text", ["aGVs bG8=", "aGVs\nbG8=", "aGVs\r\nbG8=\n", " aGVsbG8=\t"])
def test_base64_bodies_are_read_as_dotnet_reads_them_whitespace_anywhere(text: str) -> None:
    assert decode_body(text, "base64") == b"hello"


@pytest.mark.parametrize("text", ["aGVsbG8", "aGVsbG8=x", "aGVs*bG8=", "=aGVsbG8"])
def test_base64_bodies_dotnet_refuses_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not valid base64"):
        decode_body(text, "base64")


def test_setting_expressions() -> None:
    env = {"QUEUE": "jobs"}
    assert resolve_setting_expression("%QUEUE%-in", env) == "jobs-in"
    with pytest.raises(QueueConfigurationError):
        resolve_setting_expression("%NOPE%", env)


def test_local_settings_follow_core_tools(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_text(
        json.dumps(
            {"IsEncrypted": False, "Values": {"A": "file", "B": "file", "C": "file", "N": 5}}
        )
    )
    environ = {"A": "shell", "B": ""}
    skipped = apply_values(setting_values(tmp_path), environ)
    assert skipped == ["A"]
    assert environ == {"A": "shell", "B": "file", "C": "file", "N": "5"}
    (tmp_path / "local.settings.json").write_text(json.dumps({"IsEncrypted": True}))
    with pytest.raises(LocalSettingsError):
        setting_values(tmp_path)
