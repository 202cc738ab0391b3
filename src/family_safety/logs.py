"""Structured logs. Secrets and minors' data never reach them: any field whose name says it holds
a password, a token or a birthdate is masked before rendering."""

from __future__ import annotations

import logging
from typing import Any

import structlog

_MASKED_FIELD_PARTS = ("password", "token", "birthdate", "authorization", "secret", "code")


def _mask_sensitive(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for name in event:
        if any(part in name.lower() for part in _MASKED_FIELD_PARTS):
            event[name] = "***"
    return event


def configure_logging(level: str, *, as_json: bool) -> None:
    logging.basicConfig(format="%(message)s", level=level.upper(), force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-connection chatter
    renderer = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _mask_sensitive,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
