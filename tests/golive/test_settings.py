"""Settings: the one table, defaults, parsing, and errors that name the setting."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest

from golive.apis import GoLiveApi
from golive.settings import (
    SETTINGS,
    OrchestrationConfig,
    Settings,
    SettingsError,
    load_settings,
    markdown_table,
)

ENDPOINT = "https://golive-topic.westeurope-1.eventgrid.azure.net/api/events"
BASE = {"EVENTGRID_TOPIC_ENDPOINT": ENDPOINT}
README = Path(__file__).resolve().parents[2] / "README.md"


def load(**overrides: str) -> Settings:
    return load_settings({**BASE, **overrides})


def test_the_table_names_every_settings_field_once() -> None:
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    assert sorted(setting.attribute for setting in SETTINGS) == sorted(
        f.name for f in fields(Settings)
    )
    for setting in SETTINGS:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", setting.name)
        assert setting.meaning
        assert not (setting.required and setting.default is not None)


def test_the_readme_configuration_table_is_the_settings_table() -> None:
    """Regenerate the README's table with `python -m golive.settings` when this fails."""
    assert markdown_table() in README.read_text(encoding="utf-8")


def test_defaults() -> None:
    settings = load()
    assert settings.cpp_api_base_url == "https://cloudpartner.azure.com"
    assert settings.cpp_token_scope == "https://cloudpartner.azure.com/.default"
    assert settings.golive_default_api is GoLiveApi.CPP
    assert settings.product_ingestion_base_url == "https://graph.microsoft.com/rp/product-ingestion"
    assert settings.product_ingestion_token_scope == "https://graph.microsoft.com/.default"
    assert settings.managed_identity_client_id is None
    assert settings.cpp_request_timeout_seconds == 30
    assert settings.golive_queue_name == "golive-requests"
    assert (settings.poll_initial_interval_seconds, settings.poll_max_interval_seconds) == (60, 900)
    assert settings.poll_backoff_factor == 2.0
    assert settings.polls_per_execution == 5
    assert settings.golive_deadline_days == 21
    assert settings.start_max_attempts == 8
    assert settings.poll_max_refusals == 8
    assert settings.cancel_max_attempts == 8
    assert (settings.transient_retry_initial_seconds, settings.transient_retry_max_seconds) == (
        30,
        900,
    )
    assert settings.eventgrid_topic_key is None
    assert settings.event_source == "/marketplace/golive"
    assert settings.publish_retry_initial_seconds == 15
    assert settings.publish_retry_max_interval_seconds == 900
    assert settings.publish_give_up_hours == 168


def test_every_default_in_the_table_is_valid() -> None:
    for setting in SETTINGS:
        if setting.default is not None:
            assert setting.read({}) == setting.read({setting.name: setting.default})


def test_the_api_settings_are_read() -> None:
    settings = load(
        GOLIVE_DEFAULT_API="productIngestion",
        PRODUCT_INGESTION_BASE_URL="http://127.0.0.1:8124/rp/product-ingestion",
        PRODUCT_INGESTION_TOKEN_SCOPE="api://graph/.default",
    )
    assert settings.golive_default_api is GoLiveApi.PRODUCT_INGESTION
    assert settings.product_ingestion_base_url == "http://127.0.0.1:8124/rp/product-ingestion"
    assert settings.product_ingestion_token_scope == "api://graph/.default"


def test_blank_values_mean_default() -> None:
    assert load(POLLS_PER_EXECUTION="  ", EVENTGRID_TOPIC_KEY="").polls_per_execution == 5
    assert load(EVENTGRID_TOPIC_KEY="").eventgrid_topic_key is None


def test_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTGRID_TOPIC_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("POLLS_PER_EXECUTION", "9")
    assert load_settings().polls_per_execution == 9


def test_the_topic_key_is_never_shown() -> None:
    settings = load(EVENTGRID_TOPIC_KEY="very-secret-key")
    assert "very-secret-key" not in repr(settings)
    assert "very-secret-key" not in str(settings)
    assert "very-secret-key" not in json.dumps(settings.orchestration_config().to_json())


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("EVENTGRID_TOPIC_ENDPOINT", "", "required"),
        ("EVENTGRID_TOPIC_ENDPOINT", "http://topic.example.net/api/events", "https"),
        ("EVENTGRID_TOPIC_ENDPOINT", "topic.example.net", "absolute"),
        ("CPP_API_BASE_URL", "http://cloudpartner.azure.com", "https"),
        ("CPP_API_BASE_URL", "https://cloudpartner.azure.com/api", "without a path"),
        ("CPP_API_BASE_URL", "https://cloudpartner.azure.com?x=1", "query"),
        ("CPP_API_BASE_URL", "ftp://cloudpartner.azure.com", "absolute"),
        ("CPP_API_BASE_URL", "https://cloudpartner.azure.com:99999", "not a valid URL"),
        ("GOLIVE_DEFAULT_API", "ingestion", '"cpp" or "productIngestion"'),
        ("PRODUCT_INGESTION_BASE_URL", "http://graph.microsoft.com/rp/product-ingestion", "https"),
        ("PRODUCT_INGESTION_BASE_URL", "https://graph.microsoft.com/rp?x=1", "query"),
        ("CPP_REQUEST_TIMEOUT_SECONDS", "soon", "not a number"),
        ("CPP_REQUEST_TIMEOUT_SECONDS", "0", "greater than 0"),
        ("CPP_REQUEST_TIMEOUT_SECONDS", "nan", "finite"),
        ("POLL_INITIAL_INTERVAL_SECONDS", "-1", "greater than 0"),
        ("POLL_INITIAL_INTERVAL_SECONDS", "1000", "POLL_MAX_INTERVAL_SECONDS"),
        ("POLL_BACKOFF_FACTOR", "0.5", "minimum 1"),
        ("POLLS_PER_EXECUTION", "2.5", "whole number"),
        ("POLLS_PER_EXECUTION", "0", "at least 1"),
        ("GOLIVE_DEADLINE_DAYS", "inf", "finite"),
        ("START_MAX_ATTEMPTS", "-3", "at least 1"),
        ("START_MAX_ATTEMPTS", "21", "maximum 20"),
        ("POLL_MAX_REFUSALS", "0", "at least 1"),
        ("CANCEL_MAX_ATTEMPTS", "x", "whole number"),
        ("TRANSIENT_RETRY_INITIAL_SECONDS", "901", "TRANSIENT_RETRY_MAX_SECONDS"),
        ("PUBLISH_RETRY_INITIAL_SECONDS", "901", "PUBLISH_RETRY_MAX_INTERVAL_SECONDS"),
        ("PUBLISH_GIVE_UP_HOURS", "23.9", "minimum 24"),
        ("GOLIVE_QUEUE_NAME", "GoLive", "queue name"),
        ("GOLIVE_QUEUE_NAME", "ab", "queue name"),
        ("GOLIVE_QUEUE_NAME", "-golive", "queue name"),
        ("GOLIVE_QUEUE_NAME", "golive-", "queue name"),
        ("GOLIVE_QUEUE_NAME", "go--live", "queue name"),
        ("GOLIVE_QUEUE_NAME", "golive_requests", "queue name"),
        ("GOLIVE_QUEUE_NAME", "a" * 57, "poison"),
    ],
)
def test_bad_settings_name_themselves(name: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load(**{name: value})
    message = str(caught.value)
    assert message.startswith(f"setting {name}:")
    assert words in message
    assert caught.value.setting == name


def test_a_url_with_a_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load(CPP_API_BASE_URL="https://user:hunter2@cloudpartner.azure.com")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.9.8.7",
        "http://localhost:1",
        "http://[::1]:8080",
        "https://cloudpartner.azure.com/",
    ],
)
def test_loopback_may_use_plain_http(url: str) -> None:
    assert load(CPP_API_BASE_URL=url).cpp_api_base_url == url.rstrip("/")


@pytest.mark.parametrize("name", ["a-b", "abc", "a" * 56, "golive-requests-2"])
def test_valid_queue_names(name: str) -> None:
    assert load(GOLIVE_QUEUE_NAME=name).golive_queue_name == name


def test_orchestration_config_is_the_secret_free_json_subset() -> None:
    settings = load(EVENTGRID_TOPIC_KEY="k", GOLIVE_DEADLINE_DAYS="1.5", PUBLISH_GIVE_UP_HOURS="48")
    config = settings.orchestration_config().to_json()
    assert json.loads(json.dumps(config)) == config
    assert config == {
        "pollInitialSeconds": 60.0,
        "pollMaxSeconds": 900.0,
        "pollBackoffFactor": 2.0,
        "pollsPerExecution": 5,
        "deadlineSeconds": 1.5 * 86400,
        "startMaxAttempts": 8,
        "pollMaxRefusals": 8,
        "cancelMaxAttempts": 8,
        "transientRetryInitialSeconds": 30.0,
        "transientRetryMaxSeconds": 900.0,
        "publishRetryInitialSeconds": 15.0,
        "publishRetryMaxSeconds": 900.0,
        "publishGiveUpSeconds": 48 * 3600.0,
        "eventSource": "/marketplace/golive",
    }


def test_orchestration_config_round_trips_and_tolerates_missing_keys() -> None:
    config = load().orchestration_config()
    assert OrchestrationConfig.from_json(config.to_json()) == config
    assert OrchestrationConfig.from_json({}) == OrchestrationConfig.defaults()
    assert OrchestrationConfig.defaults() == load().orchestration_config()
    assert OrchestrationConfig.from_json({"pollsPerExecution": 3.0}).polls_per_execution == 3
    assert config.deadline == timedelta(days=21)
    assert config.publish_give_up == timedelta(hours=168)


def test_orchestration_config_gives_the_policies() -> None:
    config = load(
        POLL_INITIAL_INTERVAL_SECONDS="10",
        POLL_MAX_INTERVAL_SECONDS="40",
        START_MAX_ATTEMPTS="2",
        POLL_MAX_REFUSALS="3",
        CANCEL_MAX_ATTEMPTS="4",
    ).orchestration_config()
    poll = config.poll_policy()
    assert [poll.interval(n).total_seconds() for n in range(4)] == [10, 20, 40, 40]
    start = config.start_retry_policy()
    assert start.max_attempts == 2
    assert start.delay(1) == timedelta(seconds=30)
    assert not start.exhausted(1)
    assert start.exhausted(2)
    assert config.poll_refusal_policy().max_attempts == 3
    assert config.cancel_retry_policy().max_attempts == 4
    assert config.poll_retry_policy().max_attempts is None
    publish = config.publish_retry_policy()
    assert publish.delay(1) == timedelta(seconds=15)
    assert publish.delay(100) == timedelta(seconds=900)
    assert not publish.exhausted(10_000)


def test_an_input_from_before_the_separate_budgets_keeps_the_start_budget() -> None:
    config = OrchestrationConfig.from_json({"startMaxAttempts": 3})
    assert (config.poll_max_refusals, config.cancel_max_attempts) == (3, 3)
