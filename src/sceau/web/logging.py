"""Structured JSON logs (structlog), with the request id bound per request.

A last processor redacts anything shaped like a Sceau API key, as a safety net: no code path
should log one in the first place.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
import structlog
from structlog.typing import EventDict, WrappedLogger

_API_KEY = re.compile(r"sceau_[A-Za-z0-9]{8,}_[A-Za-z0-9_-]{16,}")


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return _API_KEY.sub("sceau_[REDACTED]", value)
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def redact_secrets(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    return {k: _redact(v) for k, v in event.items()}


def _json(value: Any, **_kw: Any) -> str:
    return msgspec.json.encode(value, enc_hook=str).decode()


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    """Configure structlog once per process (called by the app factory and the CLI)."""
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json)
        if json
        else (structlog.dev.ConsoleRenderer(colors=False))
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
