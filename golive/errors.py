"""Every exception the app raises on purpose, in one tree.

    GoLiveError                     base: catch it to catch any of the app's own errors
    ├── InvalidRequestError         a go-live request that cannot be accepted (4xx / poison)
    │   ├── InvalidQueueMessageError    a queue message that can never start a go-live
    │   └── InvalidFilterError          a query of the go-lives list the route cannot honour
    ├── SettingsError               a setting is missing or invalid (the app does not load)
    ├── UnsafeLocationError         a URL that must not receive the CPP or Graph bearer token
    ├── OperationFormatError        a CPP operation body this app cannot read
    ├── ActivityResultError         an activity result the orchestrator cannot rebuild
    ├── EventValidationError        an event that breaks the CloudEvents or its data schema
    ├── EventNotDeliveredError      Event Grid never accepted a completion event in time
    └── InstanceQueryError          the Durable extension did not answer an instance query

The value errors also derive from `ValueError`, so code that expects one still works.
CPP's and Event Grid's own answers are not exceptions here: activities classify them into
results (golive/activity_results.py) and the orchestrator decides on those.
"""

from __future__ import annotations

__all__ = [
    "ActivityResultError",
    "EventNotDeliveredError",
    "EventValidationError",
    "GoLiveError",
    "InstanceQueryError",
    "InvalidFilterError",
    "InvalidQueueMessageError",
    "InvalidRequestError",
    "OperationFormatError",
    "SettingsError",
    "UnsafeLocationError",
]


class GoLiveError(Exception):
    """Base of every exception the app raises on purpose."""


class InvalidRequestError(GoLiveError, ValueError):
    """The request cannot be accepted; `reason` says why in words a sender can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidQueueMessageError(InvalidRequestError):
    """The message can never become a go-live; raised so it ends in the poison queue."""


class InvalidFilterError(InvalidRequestError):
    """A query parameter the list route cannot honour; the reason says what it accepts."""


class SettingsError(GoLiveError, ValueError):
    """A setting is missing or invalid; the message names the setting and the problem."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"setting {name}: {problem}")
        self.setting = name
        self.problem = problem


class UnsafeLocationError(GoLiveError, ValueError):
    """An operation URL that must not receive the bearer token."""


class OperationFormatError(GoLiveError, ValueError):
    """The operation body is not the JSON object (or one-element array) CPP documents."""


class ActivityResultError(GoLiveError, ValueError):
    """An activity result is not one of the shapes its activity returns."""


class EventValidationError(GoLiveError, ValueError):
    """An event does not match the CloudEvents envelope or its type's data schema."""


class EventNotDeliveredError(GoLiveError, RuntimeError):
    """The completion event could not be published within the give-up window.

    Raised by the orchestrator so the instance ends Failed, where monitoring sees it; the
    event itself is in the message, so nothing is lost.
    """


class InstanceQueryError(GoLiveError, RuntimeError):
    """The Durable extension did not answer the query with a list of instances."""
