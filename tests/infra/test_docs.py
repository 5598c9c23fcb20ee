"""docs/deploy.md stays true: its Bicep parses, the names it gives exist in the app."""

from __future__ import annotations

import re

from golive.events import EVENT_TYPES
from tests.infra.bicep import parse, parse_text
from tests.support import PROJECT_ROOT

DEPLOY = (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
OPERATIONS = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def test_the_subscription_example_parses_and_filters_on_the_events_that_need_a_person() -> None:
    blocks = re.findall(r"```bicep\n(.*?)```", DEPLOY, re.S)
    assert blocks
    for block in blocks:
        tree = parse_text(block)
        for resource in tree["resources"].values():
            if resource["type"] == "Microsoft.EventGrid/topics/eventSubscriptions":
                config = resource["config"]["properties"]
                assert config["eventDeliverySchema"] == "CloudEventSchemaV1_0"
                assert config["filter"]["includedEventTypes"] == [
                    "Marketplace.GoLive.Failed",
                    "Marketplace.GoLive.ActionRequired",
                ]


def test_every_event_type_named_is_one_the_app_publishes() -> None:
    named = set(re.findall(r"Marketplace\.GoLive\.[A-Za-z]+", DEPLOY))
    assert named and named <= set(EVENT_TYPES)


def test_the_azd_outputs_named_exist() -> None:
    outputs = set(parse("main.bicep").section("outputs"))
    named = set(re.findall(r"azd env get-value ([A-Z_]+)", DEPLOY + OPERATIONS))
    assert named and named <= outputs


def test_the_functions_named_for_draining_exist() -> None:
    named = set(re.findall(r"AzureWebJobs\.(\w+)\.Disabled", DEPLOY))
    sources = "".join(p.read_text() for p in (PROJECT_ROOT / "triggers").glob("*.py"))
    assert named and all(re.search(rf"def {name}\(", sources) for name in named)
