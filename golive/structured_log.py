"""Structured log lines that carry the go-live's ids.

Each field goes into the record's `extra`, which OpenTelemetry turns into a log attribute
and Application Insights into a custom dimension (`customDimensions.offerId`), and into the
message as key=value, so a plain console shows them too. Callers pass ids and outcomes only;
secrets never reach this module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any


def log_event(
    logger: logging.Logger, message: str, fields: Mapping[str, Any], level: int = logging.INFO
) -> None:
    present = {key: value for key, value in fields.items() if value is not None}
    rendered = " ".join(f"{key}={value}" for key, value in present.items())
    # stacklevel=2: the record's code location (code.function.name in Application Insights)
    # is the caller's, not this helper's.
    logger.log(level, f"{message} {rendered}".rstrip(), extra=present, stacklevel=2)
