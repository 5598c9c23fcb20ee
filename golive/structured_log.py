"""Structured log lines that carry the go-live's ids.

Fields go both into `extra` (custom dimensions for Application Insights /
OpenTelemetry) and into the message as key=value, so a plain console shows them.
Callers pass ids and outcomes only; secrets never reach this module.
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
    logger.log(level, f"{message} {rendered}".rstrip(), extra={"golive": present, **present})
