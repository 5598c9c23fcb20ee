"""App settings: read once from the environment, validated, and named in every error.

A bad or missing setting must stop the app at load time with a message that names the
setting, rather than surface days later inside a running go-live. The orchestrator never
reads the environment (it must stay deterministic): it receives `orchestration_config()`,
the JSON-able, secret-free subset it needs, as part of its input.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from golive.apis import GoLiveApi
from golive.netloc import is_loopback_host
from golive.policy import PollPolicy, RetryPolicy

__all__ = ["OrchestrationConfig", "Settings", "SettingsError", "load_settings"]

DEFAULT_CPP_BASE_URL = "https://cloudpartner.azure.com"
DEFAULT_CPP_SCOPE = "https://cloudpartner.azure.com/.default"
DEFAULT_INGESTION_BASE_URL = "https://graph.microsoft.com/rp/product-ingestion"
DEFAULT_INGESTION_SCOPE = "https://graph.microsoft.com/.default"
DEFAULT_QUEUE_NAME = "golive-requests"
DEFAULT_EVENT_SOURCE = "/marketplace/golive"

# Azure queue names: 3-63 chars, lowercase letters, digits and single hyphens, starting and
# ending with a letter or digit. The host appends "-poison" for failed messages, and that
# name must be valid too, so the usable maximum is 63 - len("-poison") = 56.
_QUEUE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-)){1,54}[a-z0-9]$")
_POISON_SUFFIX = "-poison"
_MIN_PUBLISH_GIVE_UP_HOURS = 24.0


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the setting and the problem."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"setting {name}: {problem}")
        self.setting = name
        self.problem = problem


@dataclass(frozen=True)
class Settings:
    """Every setting the app reads, already validated."""

    eventgrid_endpoint: str
    cpp_base_url: str = DEFAULT_CPP_BASE_URL
    cpp_scope: str = DEFAULT_CPP_SCOPE
    default_api: GoLiveApi = GoLiveApi.CPP
    ingestion_base_url: str = DEFAULT_INGESTION_BASE_URL
    ingestion_scope: str = DEFAULT_INGESTION_SCOPE
    managed_identity_client_id: str | None = None
    cpp_request_timeout_seconds: float = 30.0
    queue_name: str = DEFAULT_QUEUE_NAME
    poll_initial_interval_seconds: float = 60.0
    poll_max_interval_seconds: float = 900.0
    poll_backoff_factor: float = 2.0
    polls_per_execution: int = 20
    golive_deadline_days: float = 21.0
    start_max_attempts: int = 8
    transient_retry_initial_seconds: float = 30.0
    transient_retry_max_seconds: float = 900.0
    eventgrid_key: str | None = field(default=None, repr=False)
    event_source: str = DEFAULT_EVENT_SOURCE
    publish_retry_initial_seconds: float = 15.0
    publish_retry_max_interval_seconds: float = 900.0
    publish_give_up_hours: float = 168.0

    @property
    def poison_queue_name(self) -> str:
        """Where the queue trigger moves messages it could not process."""
        return self.queue_name + _POISON_SUFFIX

    def orchestration_config(self) -> dict[str, Any]:
        """The JSON-able, secret-free subset the orchestrator receives in its input."""
        return OrchestrationConfig(
            poll_initial_seconds=self.poll_initial_interval_seconds,
            poll_max_seconds=self.poll_max_interval_seconds,
            poll_backoff_factor=self.poll_backoff_factor,
            polls_per_execution=self.polls_per_execution,
            deadline_seconds=self.golive_deadline_days * 86400.0,
            start_max_attempts=self.start_max_attempts,
            transient_retry_initial_seconds=self.transient_retry_initial_seconds,
            transient_retry_max_seconds=self.transient_retry_max_seconds,
            publish_retry_initial_seconds=self.publish_retry_initial_seconds,
            publish_retry_max_seconds=self.publish_retry_max_interval_seconds,
            publish_give_up_seconds=self.publish_give_up_hours * 3600.0,
            event_source=self.event_source,
        ).to_dict()


_CONFIG_KEYS: dict[str, str] = {
    "poll_initial_seconds": "pollInitialSeconds",
    "poll_max_seconds": "pollMaxSeconds",
    "poll_backoff_factor": "pollBackoffFactor",
    "polls_per_execution": "pollsPerExecution",
    "deadline_seconds": "deadlineSeconds",
    "start_max_attempts": "startMaxAttempts",
    "transient_retry_initial_seconds": "transientRetryInitialSeconds",
    "transient_retry_max_seconds": "transientRetryMaxSeconds",
    "publish_retry_initial_seconds": "publishRetryInitialSeconds",
    "publish_retry_max_seconds": "publishRetryMaxSeconds",
    "publish_give_up_seconds": "publishGiveUpSeconds",
    "event_source": "eventSource",
}


@dataclass(frozen=True)
class OrchestrationConfig:
    """What the orchestrator needs from the settings, carried in its (JSON) input.

    Defaults equal the settings' defaults, so an input written by an older version of
    the app that lacks a key still replays.
    """

    poll_initial_seconds: float = 60.0
    poll_max_seconds: float = 900.0
    poll_backoff_factor: float = 2.0
    polls_per_execution: int = 20
    deadline_seconds: float = 21 * 86400.0
    start_max_attempts: int = 8
    transient_retry_initial_seconds: float = 30.0
    transient_retry_max_seconds: float = 900.0
    publish_retry_initial_seconds: float = 15.0
    publish_retry_max_seconds: float = 900.0
    publish_give_up_seconds: float = 168 * 3600.0
    event_source: str = DEFAULT_EVENT_SOURCE

    def to_dict(self) -> dict[str, Any]:
        return {camel: getattr(self, name) for name, camel in _CONFIG_KEYS.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrchestrationConfig:
        values = {name: data[camel] for name, camel in _CONFIG_KEYS.items() if camel in data}
        if "polls_per_execution" in values:
            values["polls_per_execution"] = int(values["polls_per_execution"])
        if "start_max_attempts" in values:
            values["start_max_attempts"] = int(values["start_max_attempts"])
        return cls(**values)

    @property
    def deadline(self) -> timedelta:
        return timedelta(seconds=self.deadline_seconds)

    @property
    def publish_give_up(self) -> timedelta:
        return timedelta(seconds=self.publish_give_up_seconds)

    def poll_policy(self) -> PollPolicy:
        """Intervals between polls of a running operation."""
        return PollPolicy(
            initial=timedelta(seconds=self.poll_initial_seconds),
            maximum=timedelta(seconds=self.poll_max_seconds),
            factor=self.poll_backoff_factor,
        )

    def start_retry_policy(self) -> RetryPolicy:
        """Retries of the go-live POST after transient errors: bounded attempts."""
        return RetryPolicy(
            initial=timedelta(seconds=self.transient_retry_initial_seconds),
            maximum=timedelta(seconds=self.transient_retry_max_seconds),
            max_attempts=self.start_max_attempts,
        )

    def poll_retry_policy(self) -> RetryPolicy:
        """Retries of a failed poll: unbounded, the overall deadline ends them."""
        return RetryPolicy(
            initial=timedelta(seconds=self.transient_retry_initial_seconds),
            maximum=timedelta(seconds=self.transient_retry_max_seconds),
            max_attempts=None,
        )

    def publish_retry_policy(self) -> RetryPolicy:
        """Retries of event publishing: unbounded, `publish_give_up` ends them."""
        return RetryPolicy(
            initial=timedelta(seconds=self.publish_retry_initial_seconds),
            maximum=timedelta(seconds=self.publish_retry_max_seconds),
            max_attempts=None,
        )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError naming the first bad one."""
    source: Mapping[str, str] = os.environ if env is None else env
    reader = _Reader(source)
    settings = Settings(
        cpp_base_url=reader.origin_url("CPP_API_BASE_URL", DEFAULT_CPP_BASE_URL),
        cpp_scope=reader.text("CPP_TOKEN_SCOPE", DEFAULT_CPP_SCOPE),
        default_api=reader.api("GOLIVE_DEFAULT_API", GoLiveApi.CPP),
        ingestion_base_url=reader.base_url(
            "PRODUCT_INGESTION_BASE_URL", DEFAULT_INGESTION_BASE_URL
        ),
        ingestion_scope=reader.text("PRODUCT_INGESTION_TOKEN_SCOPE", DEFAULT_INGESTION_SCOPE),
        managed_identity_client_id=reader.optional_text("MANAGED_IDENTITY_CLIENT_ID"),
        cpp_request_timeout_seconds=reader.number("CPP_REQUEST_TIMEOUT_SECONDS", 30.0),
        queue_name=reader.queue_name("GOLIVE_QUEUE_NAME", DEFAULT_QUEUE_NAME),
        poll_initial_interval_seconds=reader.number("POLL_INITIAL_INTERVAL_SECONDS", 60.0),
        poll_max_interval_seconds=reader.number("POLL_MAX_INTERVAL_SECONDS", 900.0),
        poll_backoff_factor=reader.number("POLL_BACKOFF_FACTOR", 2.0, minimum=1.0),
        # Both bound the history one execution can grow to.
        polls_per_execution=reader.integer("POLLS_PER_EXECUTION", 20, maximum=100),
        golive_deadline_days=reader.number("GOLIVE_DEADLINE_DAYS", 21.0),
        start_max_attempts=reader.integer("START_MAX_ATTEMPTS", 8, maximum=20),
        transient_retry_initial_seconds=reader.number("TRANSIENT_RETRY_INITIAL_SECONDS", 30.0),
        transient_retry_max_seconds=reader.number("TRANSIENT_RETRY_MAX_SECONDS", 900.0),
        eventgrid_endpoint=reader.endpoint_url("EVENTGRID_TOPIC_ENDPOINT"),
        eventgrid_key=reader.optional_text("EVENTGRID_TOPIC_KEY"),
        event_source=reader.text("EVENT_SOURCE", DEFAULT_EVENT_SOURCE),
        publish_retry_initial_seconds=reader.number("PUBLISH_RETRY_INITIAL_SECONDS", 15.0),
        publish_retry_max_interval_seconds=reader.number(
            "PUBLISH_RETRY_MAX_INTERVAL_SECONDS", 900.0
        ),
        publish_give_up_hours=reader.number(
            "PUBLISH_GIVE_UP_HOURS", 168.0, minimum=_MIN_PUBLISH_GIVE_UP_HOURS
        ),
    )
    _check_order(
        "POLL_INITIAL_INTERVAL_SECONDS",
        settings.poll_initial_interval_seconds,
        "POLL_MAX_INTERVAL_SECONDS",
        settings.poll_max_interval_seconds,
    )
    _check_order(
        "TRANSIENT_RETRY_INITIAL_SECONDS",
        settings.transient_retry_initial_seconds,
        "TRANSIENT_RETRY_MAX_SECONDS",
        settings.transient_retry_max_seconds,
    )
    _check_order(
        "PUBLISH_RETRY_INITIAL_SECONDS",
        settings.publish_retry_initial_seconds,
        "PUBLISH_RETRY_MAX_INTERVAL_SECONDS",
        settings.publish_retry_max_interval_seconds,
    )
    return settings


def _check_order(low_name: str, low: float, high_name: str, high: float) -> None:
    if low > high:
        raise SettingsError(low_name, f"{low:g} is greater than {high_name} ({high:g})")


class _Reader:
    """Reads raw strings; blank values count as unset so an empty app setting means default."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _raw(self, name: str) -> str | None:
        value = self._env.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def optional_text(self, name: str) -> str | None:
        return self._raw(name)

    def text(self, name: str, default: str) -> str:
        value = self._raw(name)
        return default if value is None else value

    def number(self, name: str, default: float, *, minimum: float | None = None) -> float:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(name, f"{raw!r} is not a number") from None
        if not math.isfinite(value):
            raise SettingsError(name, f"{raw!r} is not a finite number")
        if minimum is not None:
            if value < minimum:
                raise SettingsError(name, f"{value:g} is below the minimum {minimum:g}")
        elif value <= 0:
            raise SettingsError(name, f"{value:g} must be greater than 0")
        return value

    def integer(self, name: str, default: int, *, maximum: int | None = None) -> int:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(name, f"{raw!r} is not a whole number") from None
        if value < 1:
            raise SettingsError(name, f"{value} must be at least 1")
        if maximum is not None and value > maximum:
            raise SettingsError(name, f"{value} is above the maximum {maximum}")
        return value

    def queue_name(self, name: str, default: str) -> str:
        value = self.text(name, default)
        if not _QUEUE_NAME.fullmatch(value):
            raise SettingsError(
                name,
                f"{value!r} is not a valid queue name: use 3-56 lowercase letters, digits and "
                "single hyphens, starting and ending with a letter or digit (the host adds "
                f"{_POISON_SUFFIX!r} for failed messages, and that name must fit in 63)",
            )
        return value

    def origin_url(self, name: str, default: str) -> str:
        """A bare origin (scheme://host[:port]); https unless the host is loopback."""
        value = self.text(name, default).rstrip("/")
        problem = _url_problem(value, allow_path=False)
        if problem:
            raise SettingsError(name, problem)
        return value

    def base_url(self, name: str, default: str) -> str:
        """An API base URL that may have a path (https unless the host is loopback)."""
        value = self.text(name, default).rstrip("/")
        problem = _url_problem(value, allow_path=True)
        if problem:
            raise SettingsError(name, problem)
        return value

    def api(self, name: str, default: GoLiveApi) -> GoLiveApi:
        raw = self._raw(name)
        if raw is None:
            return default
        try:
            return GoLiveApi.parse(raw, name)
        except ValueError as error:
            raise SettingsError(name, str(error)) from None

    def endpoint_url(self, name: str) -> str:
        value = self._raw(name)
        if value is None:
            raise SettingsError(name, "is required (the Event Grid topic endpoint URL)")
        problem = _url_problem(value, allow_path=True)
        if problem:
            raise SettingsError(name, problem)
        return value


def _url_problem(value: str, *, allow_path: bool) -> str | None:
    """Why `value` is not an acceptable service URL, or None when it is."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        return f"{value!r} is not a valid URL ({error})"
    del port
    if parts.username is not None or parts.password is not None:
        # Not echoed: the user information may hold a password.
        return "the URL must not carry user information (user:password@)"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return f"{value!r} is not an absolute http(s) URL"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return f"{value!r} must use https (plain http is allowed only for a loopback host)"
    if parts.query or parts.fragment:
        return f"{value!r} must not have a query or fragment"
    if not allow_path and parts.path not in ("", "/"):
        return f"{value!r} must be a bare origin such as https://host, without a path"
    return None
