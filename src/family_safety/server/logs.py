"""Structured logs, one format for every line. Secrets and minors' data never reach them: any
field whose name says it holds a password, a token or a birthdate is masked before rendering.

Every line, the service's own, uvicorn's or granian's, Alembic's, goes through the standard
library's root logger and one structlog formatter: JSON lines with ``FAMILY_SAFETY_LOG_JSON=true``,
else readable key=value lines. Neither server keeps a logging config or an access log of its own
(cli.py); :class:`RequestLog` writes one line per request instead (method, route template,
status, duration, request id), never a header, a query string or a body.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

_MASKED_FIELD_PARTS = ("password", "token", "birthdate", "authorization", "secret", "code")

REQUEST_ID_HEADER = "x-request-id"
# A client's own request id is kept when it is short and plain; anything else is replaced.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")

_access_log = structlog.get_logger("family_safety.access")


def _mask_sensitive(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    for name in event:
        if any(part in name.lower() for part in _MASKED_FIELD_PARTS):
            event[name] = "***"
    return event


def configure_logging(level: str, *, as_json: bool) -> None:
    level_number = logging.getLevelName(level.upper())
    renderer = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        # Lines of other libraries (uvicorn, Alembic): their message becomes the event.
        foreign_pre_chain=[*shared, structlog.stdlib.PositionalArgumentsFormatter()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _mask_sensitive,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level_number)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Whatever uvicorn configured before, its lines go to the one handler above.
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # RequestLog writes the access lines
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-connection chatter
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level_number),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER.encode() and _SANE_REQUEST_ID.fullmatch(value):
            return value.decode()
    return uuid.uuid4().hex


class RequestLog:
    """Wraps the whole application (unrouted requests too): one log line per HTTP request, and
    the request id (the client's ``X-Request-ID`` when sane, else a new one) echoed in the
    answer and bound to every line logged while the request runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != REQUEST_ID_HEADER.encode()
                ]
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}  # type: ignore[assignment]
            await send(message)

        # Each request runs in a task of its own, so its context starts and ends with it; the
        # token still restores what was bound before (e.g. when the app is called in a test).
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            _access_log.info(
                "request",
                method=scope["method"],
                route=scope.get("path_template"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
            )
            structlog.contextvars.reset_contextvars(**bound)
