"""App settings: one table of every setting, read once from the environment, validated.

`SETTINGS` is the single definition of each setting the app reads: its name, default,
bounds and meaning. `load_settings()` reads the environment through it, the README's
configuration table is `markdown_table()` of it (a test keeps the two equal; print it with
`python -m golive.settings`), and infra checks iterate it. A bad or missing setting stops
the app at load time with a message that names the setting, rather than surfacing days
later inside a running go-live.

The orchestrator never reads the environment (it must stay deterministic): it receives
`Settings.orchestration_config()`, the secret-free subset it needs, inside its input.

Every retry has its own budget:

- `START_MAX_ATTEMPTS`: go-live POSTs answered transiently (429, 5xx, timeouts);
- `POLL_MAX_REFUSALS`: polls refused in a row (401/403/404) before the run ends Failed;
- `CANCEL_MAX_ATTEMPTS`: CPP cancel calls answered transiently;
- polls that fail transiently are retried until `GOLIVE_DEADLINE_DAYS` passes;
- events Event Grid refuses are retried for `PUBLISH_GIVE_UP_HOURS`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import timedelta
from enum import Enum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from golive.apis import GoLiveApi
from golive.errors import SettingsError
from golive.origin import is_loopback_host
from golive.policy import PollPolicy, RetryPolicy

__all__ = [
    "HOST_SETTINGS",
    "SETTINGS",
    "OrchestrationConfig",
    "Setting",
    "SettingKind",
    "Settings",
    "SettingsError",
    "current_settings",
    "load_settings",
    "markdown_table",
]

# Azure queue names: 3-63 chars, lowercase letters, digits and single hyphens, starting and
# ending with a letter or digit. The host appends "-poison" for failed messages, and that
# name must be valid too, so the usable maximum is 63 - len("-poison") = 56.
_QUEUE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-)){1,54}[a-z0-9]$")
_POISON_SUFFIX = "-poison"


class SettingKind(Enum):
    """How a setting's text is read and checked."""

    TEXT = "text"
    SECRET = "secret"  # optional text never shown (repr=False on Settings)
    NUMBER = "number"  # finite float, > 0 unless a minimum is given
    WHOLE = "whole number"  # int >= 1, at most `maximum`
    QUEUE_NAME = "queue name"
    ORIGIN_URL = "origin URL"  # scheme://host[:port]; https unless loopback
    ENDPOINT_URL = "endpoint URL"  # absolute URL; https unless loopback
    API = "api"  # which API takes offers live: cpp or productIngestion


@dataclass(frozen=True)
class Setting:
    """One app setting: where it comes from, what it defaults to, what it may be."""

    name: str
    kind: SettingKind
    default: str | None
    meaning: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    # Another setting this one must not exceed (e.g. an initial backoff and its cap).
    at_most: str | None = None

    @property
    def attribute(self) -> str:
        """The `Settings` field that holds the value: the name in lower case."""
        return self.name.lower()

    @property
    def bounds(self) -> str:
        """The accepted values, in words, as the README shows them."""
        parts: list[str] = []
        if self.kind is SettingKind.NUMBER:
            parts.append("> 0" if self.minimum is None else f"≥ {self.minimum:g}")
        elif self.kind is SettingKind.WHOLE:
            parts.append(f"1-{self.maximum:g}" if self.maximum else "≥ 1")
        elif self.kind is SettingKind.QUEUE_NAME:
            parts.append("3-56 of `a-z`, `0-9`, single `-`")
        elif self.kind is SettingKind.ORIGIN_URL:
            parts.append("https origin (http on loopback)")
        elif self.kind is SettingKind.ENDPOINT_URL:
            parts.append("https URL (http on loopback)")
        elif self.kind is SettingKind.API:
            parts.append(" or ".join(f"`{api.value}`" for api in GoLiveApi))
        if self.at_most:
            parts.append(f"≤ `{self.at_most}`")
        return ", ".join(parts) or "any"

    def read(self, env: Mapping[str, str]) -> Any:
        """The setting's value from `env`; blank counts as unset; SettingsError if bad."""
        raw = env.get(self.name)
        text = raw.strip() if raw is not None and raw.strip() else None
        if text is None:
            if self.required:
                raise SettingsError(self.name, f"is required ({self.meaning})")
            if self.default is None:
                return None
            text = self.default
        return _READERS[self.kind](self, text)


def _text(setting: Setting, text: str) -> str:
    return text


def _converted(setting: Setting, text: str, convert: Callable[[str], Any], what: str) -> Any:
    try:
        return convert(text)
    except ValueError:
        raise SettingsError(setting.name, f"{text!r} is not a {what}") from None


def _number(setting: Setting, text: str) -> float:
    value: float = _converted(setting, text, float, "number")
    if not math.isfinite(value):
        raise SettingsError(setting.name, f"{text!r} is not a finite number")
    if setting.minimum is not None:
        if value < setting.minimum:
            raise SettingsError(setting.name, f"{value:g} is below the minimum {setting.minimum:g}")
    elif value <= 0:
        raise SettingsError(setting.name, f"{value:g} must be greater than 0")
    return value


def _whole(setting: Setting, text: str) -> int:
    value: int = _converted(setting, text, int, "whole number")
    if value < 1:
        raise SettingsError(setting.name, f"{value} must be at least 1")
    if setting.maximum is not None and value > setting.maximum:
        raise SettingsError(setting.name, f"{value} is above the maximum {setting.maximum:g}")
    return value


def _queue_name(setting: Setting, text: str) -> str:
    if not _QUEUE_NAME.fullmatch(text):
        raise SettingsError(
            setting.name,
            f"{text!r} is not a valid queue name: use 3-56 lowercase letters, digits and "
            "single hyphens, starting and ending with a letter or digit (the host adds "
            f"{_POISON_SUFFIX!r} for failed messages, and that name must fit in 63)",
        )
    return text


def _origin_url(setting: Setting, text: str) -> str:
    value = text.rstrip("/")
    problem = _url_problem(value, allow_path=False)
    if problem:
        raise SettingsError(setting.name, problem)
    return value


def _endpoint_url(setting: Setting, text: str) -> str:
    problem = _url_problem(text, allow_path=True)
    if problem:
        raise SettingsError(setting.name, problem)
    return text


def _api(setting: Setting, text: str) -> GoLiveApi:
    try:
        return GoLiveApi.parse(text, setting.name)
    except ValueError as error:
        raise SettingsError(setting.name, str(error)) from None


_READERS = {
    SettingKind.TEXT: _text,
    SettingKind.SECRET: _text,
    SettingKind.NUMBER: _number,
    SettingKind.WHOLE: _whole,
    SettingKind.QUEUE_NAME: _queue_name,
    SettingKind.ORIGIN_URL: _origin_url,
    SettingKind.ENDPOINT_URL: _endpoint_url,
    SettingKind.API: _api,
}

_K = SettingKind

SETTINGS: tuple[Setting, ...] = (
    Setting("GOLIVE_QUEUE_NAME", _K.QUEUE_NAME, "golive-requests",
            "queue upstream systems send requests to; failed messages go to `<name>-poison`"),
    Setting("CPP_API_BASE_URL", _K.ORIGIN_URL, "https://cloudpartner.azure.com",
            "CPP API origin; the bearer token is sent only here"),
    Setting("CPP_TOKEN_SCOPE", _K.TEXT, "https://cloudpartner.azure.com/.default",
            "token scope for CPP"),
    Setting("GOLIVE_DEFAULT_API", _K.API, "cpp",
            "API of a go-live whose request names none: `cpp` for offers integrated before "
            "the move to Partner Center, `productIngestion` for Partner Center products"),
    Setting("PRODUCT_INGESTION_BASE_URL", _K.ENDPOINT_URL,
            "https://graph.microsoft.com/rp/product-ingestion",
            "Product Ingestion API; the Graph bearer token is sent only to its origin"),
    Setting("PRODUCT_INGESTION_TOKEN_SCOPE", _K.TEXT, "https://graph.microsoft.com/.default",
            "token scope for Product Ingestion"),
    Setting("MANAGED_IDENTITY_CLIENT_ID", _K.TEXT, None,
            "client id of a user-assigned identity; unset: `DefaultAzureCredential`"),
    Setting("CPP_REQUEST_TIMEOUT_SECONDS", _K.NUMBER, "30",
            "timeout of one CPP or Product Ingestion call"),
    Setting("POLL_INITIAL_INTERVAL_SECONDS", _K.NUMBER, "60",
            "first wait between polls", at_most="POLL_MAX_INTERVAL_SECONDS"),
    Setting("POLL_MAX_INTERVAL_SECONDS", _K.NUMBER, "900", "cap of the growing poll interval"),
    Setting("POLL_BACKOFF_FACTOR", _K.NUMBER, "2.0", "growth of the poll interval", minimum=1),
    Setting("POLLS_PER_EXECUTION", _K.WHOLE, "5",
            "waits before `continue_as_new` (keeps the history small)", maximum=100),
    Setting("GOLIVE_DEADLINE_DAYS", _K.NUMBER, "21",
            "overall deadline, also of failing polls; then `TimedOut` (CPP's operation goes on)"),
    Setting("START_MAX_ATTEMPTS", _K.WHOLE, "8",
            "attempts of a go-live POST answered transiently (429, 5xx, timeouts)", maximum=20),
    Setting("POLL_MAX_REFUSALS", _K.WHOLE, "8",
            "polls refused in a row (401/403/404) before the run ends `Failed`", maximum=20),
    Setting("CANCEL_MAX_ATTEMPTS", _K.WHOLE, "8",
            "attempts of a CPP cancel answered transiently", maximum=20),
    Setting("TRANSIENT_RETRY_INITIAL_SECONDS", _K.NUMBER, "30",
            "first backoff after a transient CPP error (`Retry-After` wins if longer)",
            at_most="TRANSIENT_RETRY_MAX_SECONDS"),
    Setting("TRANSIENT_RETRY_MAX_SECONDS", _K.NUMBER, "900", "cap of that backoff"),
    Setting("EVENTGRID_TOPIC_ENDPOINT", _K.ENDPOINT_URL, None,
            "the Event Grid topic endpoint URL", required=True),
    Setting("EVENTGRID_TOPIC_KEY", _K.SECRET, None,
            "topic access key; unset: managed identity (EventGrid Data Sender role)"),
    Setting("EVENT_SOURCE", _K.TEXT, "/marketplace/golive", "CloudEvents `source`"),
    Setting("PUBLISH_RETRY_INITIAL_SECONDS", _K.NUMBER, "15",
            "first backoff when Event Grid refuses an event",
            at_most="PUBLISH_RETRY_MAX_INTERVAL_SECONDS"),
    Setting("PUBLISH_RETRY_MAX_INTERVAL_SECONDS", _K.NUMBER, "900", "cap of that backoff"),
    Setting("PUBLISH_GIVE_UP_HOURS", _K.NUMBER, "168",
            "how long an event Event Grid refuses is retried", minimum=24),
)  # fmt: skip

_BY_NAME = {setting.name: setting for setting in SETTINGS}

# Settings the Functions host reads for the app (its trigger connection), not the app's
# code: listed with the others in the README, never read by `load_settings`.
HOST_SETTINGS: tuple[tuple[str, str], ...] = (
    ("AzureWebJobsStorage", "storage for the queue trigger and Durable Functions; on Azure the "
     "identity-based `AzureWebJobsStorage__*` settings (no key)"),
)  # fmt: skip


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError naming the first bad one."""
    source: Mapping[str, str] = os.environ if env is None else env
    values = {setting.attribute: setting.read(source) for setting in SETTINGS}
    for setting in SETTINGS:
        if setting.at_most is not None:
            low, high = values[setting.attribute], values[setting.at_most.lower()]
            if low > high:
                raise SettingsError(
                    setting.name, f"{low:g} is greater than {setting.at_most} ({high:g})"
                )
    return Settings(**values)


@cache
def current_settings() -> Settings:
    """This process's settings, read from the environment once.

    `function_app.py` calls it at import, so a bad setting stops the app at load.
    """
    return load_settings()


def markdown_table() -> str:
    """The README's configuration table, one row per setting."""
    rows = ["| setting | default | bounds | meaning |", "| --- | --- | --- | --- |"]
    for name, meaning in HOST_SETTINGS:
        rows.append(f"| `{name}` | (required) | connection | {meaning} |")
    for setting in SETTINGS:
        if setting.required:
            default = "(required)"
        elif setting.default is None:
            default = "(unset)"
        else:
            default = f"`{setting.default}`"
        rows.append(f"| `{setting.name}` | {default} | {setting.bounds} | {setting.meaning} |")
    return "\n".join(rows)


# JSON keys of the orchestration config, kept stable: inputs of running orchestrations
# carry them across deployments. Two of them hold seconds where the setting has days/hours.
_CONFIG_KEYS: dict[str, str] = {
    "poll_initial_interval_seconds": "pollInitialSeconds",
    "poll_max_interval_seconds": "pollMaxSeconds",
    "poll_backoff_factor": "pollBackoffFactor",
    "polls_per_execution": "pollsPerExecution",
    "golive_deadline_days": "deadlineSeconds",
    "start_max_attempts": "startMaxAttempts",
    "poll_max_refusals": "pollMaxRefusals",
    "cancel_max_attempts": "cancelMaxAttempts",
    "transient_retry_initial_seconds": "transientRetryInitialSeconds",
    "transient_retry_max_seconds": "transientRetryMaxSeconds",
    "publish_retry_initial_seconds": "publishRetryInitialSeconds",
    "publish_retry_max_interval_seconds": "publishRetryMaxSeconds",
    "publish_give_up_hours": "publishGiveUpSeconds",
    "event_source": "eventSource",
}
_SECONDS_PER_UNIT = {"golive_deadline_days": 86400.0, "publish_give_up_hours": 3600.0}
# Inputs written before these budgets had settings of their own used START_MAX_ATTEMPTS.
_FORMERLY_START_BUDGET = ("poll_max_refusals", "cancel_max_attempts")


@dataclass(frozen=True)
class OrchestrationConfig:
    """What the orchestrator needs from the settings, carried in its (JSON) input.

    Each field is the setting of the same name. `from_json` fills a missing key with the
    setting's default, so an input written by an older version of the app still replays.
    """

    poll_initial_interval_seconds: float
    poll_max_interval_seconds: float
    poll_backoff_factor: float
    polls_per_execution: int
    golive_deadline_days: float
    start_max_attempts: int
    poll_max_refusals: int
    cancel_max_attempts: int
    transient_retry_initial_seconds: float
    transient_retry_max_seconds: float
    publish_retry_initial_seconds: float
    publish_retry_max_interval_seconds: float
    publish_give_up_hours: float
    event_source: str

    @classmethod
    def defaults(cls) -> OrchestrationConfig:
        """The config every setting's default gives."""
        return cls.from_json({})

    def to_json(self) -> dict[str, Any]:
        data = {key: getattr(self, name) for name, key in _CONFIG_KEYS.items()}
        for name, seconds in _SECONDS_PER_UNIT.items():
            data[_CONFIG_KEYS[name]] *= seconds
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OrchestrationConfig:
        values: dict[str, Any] = {}
        for name, key in _CONFIG_KEYS.items():
            setting = _BY_NAME[name.upper()]
            if key in data:
                value = data[key]
                if name in _SECONDS_PER_UNIT:
                    value = value / _SECONDS_PER_UNIT[name]
            elif name in _FORMERLY_START_BUDGET and "startMaxAttempts" in data:
                value = data["startMaxAttempts"]
            else:
                value = setting.read({})
            values[name] = int(value) if setting.kind is SettingKind.WHOLE else value
        return cls(**values)

    @property
    def deadline(self) -> timedelta:
        return timedelta(days=self.golive_deadline_days)

    @property
    def publish_give_up(self) -> timedelta:
        return timedelta(hours=self.publish_give_up_hours)

    def poll_policy(self) -> PollPolicy:
        """Intervals between polls of a running operation."""
        return PollPolicy(
            initial=timedelta(seconds=self.poll_initial_interval_seconds),
            maximum=timedelta(seconds=self.poll_max_interval_seconds),
            factor=self.poll_backoff_factor,
        )

    def start_retry_policy(self) -> RetryPolicy:
        """Retries of the go-live POST after transient errors: START_MAX_ATTEMPTS."""
        return self._transient_policy(self.start_max_attempts)

    def poll_refusal_policy(self) -> RetryPolicy:
        """Retries of a refused poll (401/403/404): POLL_MAX_REFUSALS in a row."""
        return self._transient_policy(self.poll_max_refusals)

    def cancel_retry_policy(self) -> RetryPolicy:
        """Retries of a CPP cancel after transient errors: CANCEL_MAX_ATTEMPTS."""
        return self._transient_policy(self.cancel_max_attempts)

    def poll_retry_policy(self) -> RetryPolicy:
        """Retries of a failed poll: unbounded, the overall deadline ends them."""
        return self._transient_policy(None)

    def publish_retry_policy(self) -> RetryPolicy:
        """Retries of event publishing: unbounded, `publish_give_up` ends them."""
        return RetryPolicy(
            initial=timedelta(seconds=self.publish_retry_initial_seconds),
            maximum=timedelta(seconds=self.publish_retry_max_interval_seconds),
            max_attempts=None,
        )

    def _transient_policy(self, max_attempts: int | None) -> RetryPolicy:
        return RetryPolicy(
            initial=timedelta(seconds=self.transient_retry_initial_seconds),
            maximum=timedelta(seconds=self.transient_retry_max_seconds),
            max_attempts=max_attempts,
        )


@dataclass(frozen=True)
class Settings(OrchestrationConfig):
    """Every setting the app reads, validated; each field is its setting's name in lower case.

    The orchestrator's part is inherited from `OrchestrationConfig`; the rest configures
    the triggers and the clients of CPP, Product Ingestion and Event Grid.
    """

    golive_queue_name: str
    cpp_api_base_url: str
    cpp_token_scope: str
    golive_default_api: GoLiveApi
    product_ingestion_base_url: str
    product_ingestion_token_scope: str
    managed_identity_client_id: str | None
    cpp_request_timeout_seconds: float
    eventgrid_topic_endpoint: str
    eventgrid_topic_key: str | None = field(repr=False)

    def orchestration_config(self) -> OrchestrationConfig:
        """The secret-free subset the orchestrator receives in its input."""
        shared = {item.name: getattr(self, item.name) for item in fields(OrchestrationConfig)}
        return OrchestrationConfig(**shared)


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


if __name__ == "__main__":
    print(markdown_table())
