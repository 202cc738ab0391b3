"""Structured logs, one format for every line. Secrets and minors' data never reach them: any
field whose name says it holds a password, a token or a birthdate is masked before rendering.

Every line, the service's own, uvicorn's or granian's, Alembic's, goes through the standard
library's root logger and one structlog formatter: JSON lines with ``FAMILY_SAFETY_LOG_JSON=true``,
else readable key=value lines. Neither server keeps a logging config or an access log of its own
(cli.py); :class:`RequestLog` writes one line per request instead (method, route template,
status, duration, request id), never a header, a query string or a body.

While the service serves, lines are rendered and written off the event loop: the loop only puts
each record on a queue (``logging.handlers.QueueHandler``; an access line, a tuple of its fields),
and a thread (a ``QueueListener``) renders them and writes them in batches.
:func:`write_logs_here` stops that thread, writing every line still queued, when the service
stops (the app's first lifespan) and at exit. The renderers are this module's own: structlog's
``ConsoleRenderer`` costs more than the request the line describes.
"""

from __future__ import annotations

import atexit
import functools
import logging
import logging.handlers
import queue
import random
import re
import sys
import time
from collections import deque
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol, TextIO

import msgspec
import structlog

if TYPE_CHECKING:
    from litestar.enums import ScopeType
    from litestar.types import (
        ASGIApp,
        HTTPResponseBodyEvent,
        HTTPResponseStartEvent,
        HTTPScope,
        Message,
        Receive,
        ReceiveMessage,
        Scope,
        Send,
    )
    from structlog.typing import EventDict, Processor

    from family_safety.lib.metrics import Metrics

_MASKED_FIELD_PARTS = ("password", "token", "birthdate", "authorization", "secret", "code")

REQUEST_ID_HEADER = b"x-request-id"
# A client's own request id is kept when it is short and plain; anything else is replaced.
_SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")

ACCESS_LOGGER = "family_safety.access"

AccessLine = tuple[float, bytes, str, "str | None", int, float]
"""What the loop queues for a request's line: when it was logged (``time.time()``), the request
id, the method, the route template, the status and the duration in seconds."""
_ACCESS_FIELDS = ("request_id", "method", "route", "status", "duration_ms")
_CONSOLE_ACCESS_HEAD = f" [info     ] {'request':<30} [{ACCESS_LOGGER}] duration_ms="

if TYPE_CHECKING:
    HTTP_SCOPE: Final = ScopeType.HTTP
else:
    # At run time the plain string, without importing Litestar (the CLI does not): ScopeType is
    # a str enum, so either compares as a string; the type narrows a scope to an HTTPScope.
    HTTP_SCOPE = "http"


@functools.cache
def _masked(name: str) -> bool:
    return any(part in name.lower() for part in _MASKED_FIELD_PARTS)


# An access line is rendered without the masking processor: none of its fields may need it.
if any(_masked(name) for name in _ACCESS_FIELDS):  # pragma: no cover (a change to the fields)
    raise RuntimeError("an access line's field would need masking: render it through structlog")


def _mask_sensitive(_logger: Any, _method: str, event: EventDict) -> EventDict:
    for name in event:
        if _masked(name):
            event[name] = "***"
    return event


@functools.lru_cache(maxsize=4)
def _whole_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _iso_timestamp(seconds: float) -> str:
    """A time as ISO 8601 in UTC, to the microsecond, as ``datetime.isoformat`` writes it; the
    whole second is formatted once for all the lines within it."""
    whole = int(seconds)
    micro = round((seconds - whole) * 1_000_000)
    if micro == 1_000_000:
        whole, micro = whole + 1, 0
    if micro == 0:
        return f"{_whole_second(whole)}+00:00"
    return f"{_whole_second(whole)}.{micro:06d}+00:00"


def _timestamp(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """When the line was logged (not when the listener renders it), ISO 8601 in UTC."""
    record: logging.LogRecord = event["_record"]
    event["timestamp"] = _iso_timestamp(record.created)
    return event


def _context(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """A foreign line's context (the request id), bound on the loop when it was logged."""
    context: dict[str, Any] | None = getattr(event["_record"], "context", None)
    return event if context is None else {**context, **event}


_json = msgspec.json.Encoder(enc_hook=str)


def _render_json(_logger: Any, _method: str, event: EventDict) -> str:
    """One JSON object a line (structlog's ``JSONRenderer`` output, ten times cheaper)."""
    return _json.encode(event).decode()


def _render_console(_logger: Any, _method: str, event: EventDict) -> str:
    """``time [level] event [logger] key=value ...`` (the layout of structlog's
    ``ConsoleRenderer``, without its cost: a line per request must stay cheap), then any
    traceback."""
    fields = dict(event)
    head = (
        f"{fields.pop('timestamp', '')} [{fields.pop('level', ''):<9}] "
        f"{fields.pop('event', '')!s:<30} [{fields.pop('logger', '')}]"
    )
    exception = fields.pop("exception", None)
    pairs = " ".join(
        f"{name}={value if isinstance(value, str) else repr(value)}"
        for name, value in sorted(fields.items())
    )
    line = f"{head} {pairs}" if pairs else head
    return line if exception is None else f"{line}\n{exception}"


class _Enqueue(logging.handlers.QueueHandler):
    """Puts the record itself on the queue: the listener's formatter renders it. (The base class
    would render it here, on the event loop.) A foreign line takes the bound context along."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if not isinstance(record.msg, dict):
            record.context = structlog.contextvars.get_contextvars()
        return record


class _Buffer:
    """What the loop hands the listener (a ``queue`` for ``QueueHandler`` and ``QueueListener``):
    appended to a deque, without waking a thread a line; the listener looks every
    ``POLL_SECONDS`` and takes all that waits."""

    POLL_SECONDS = 0.01

    def __init__(self) -> None:
        self._items: deque[logging.LogRecord | AccessLine] = deque()
        self.put_nowait = self.put = self._items.append

    def empty(self) -> bool:
        return not self._items

    def get(self, block: bool = True) -> logging.LogRecord | AccessLine:
        while True:
            try:
                return self._items.popleft()
            except IndexError:
                if not block:
                    raise queue.Empty from None
                time.sleep(self.POLL_SECONDS)


class _Lines:
    """Where lines go: a stream, and while serving a queue in front of it (``listener``)."""

    def __init__(self, stream: TextIO, render: Processor, level: int) -> None:
        self.stream = stream
        self.render = render
        self.level = level
        self.formatter = structlog.stdlib.ProcessorFormatter(
            # Lines of other libraries (uvicorn, Alembic): their message becomes the event.
            foreign_pre_chain=[_context, structlog.stdlib.PositionalArgumentsFormatter()],
            processors=[
                _timestamp,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _mask_sensitive,
                structlog.processors.format_exc_info,
                render,
            ],
        )
        self.queue: _Buffer | None = None
        self.listener: _Listener | None = None

    def access_line(self, line: AccessLine) -> str:
        """An access line rendered as a logger's line would be (same fields, same layout), but
        straight from its tuple: no ``LogRecord``, no event dict, no processor chain. None of its
        fields is masked (``_ACCESS_FIELDS`` is checked at import)."""
        logged_at, request_id, method, route, status, seconds = line
        if self.render is _render_json:
            return _json.encode(
                {
                    "request_id": request_id.decode(),
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "event": "request",
                    "timestamp": _iso_timestamp(logged_at),
                    "level": "info",
                    "logger": ACCESS_LOGGER,
                }
            ).decode()
        # _render_console's layout: the head, then the fields sorted by name, str ones bare (a
        # float's one decimal written as repr(round(x, 1)) writes it, None as "None").
        return (
            f"{_iso_timestamp(logged_at)}{_CONSOLE_ACCESS_HEAD}{seconds * 1000:.1f} method={method}"
            f" request_id={request_id.decode()} route={route} status={status}"
        )


class _Listener(logging.handlers.QueueListener):
    """Renders what the loop queued, and writes it in batches: one write when the queue is
    empty, not one a line."""

    queue: _Buffer  # what __init__ hands the base class

    def __init__(self, lines: _Lines) -> None:
        assert lines.queue is not None
        super().__init__(lines.queue)
        self._lines = lines
        self._pending: list[str] = []

    def handle(self, record: logging.LogRecord | AccessLine) -> None:
        lines = self._lines
        if isinstance(record, tuple):
            self._pending.append(lines.access_line(record) + "\n")
        else:
            self._pending.append(lines.formatter.format(record) + "\n")
        if self.queue.empty():
            self._write()

    def stop(self) -> None:
        super().stop()  # every queued record handled
        self._write()

    def _write(self) -> None:
        if self._pending:
            self._lines.stream.write("".join(self._pending))
            self._lines.stream.flush()
            self._pending.clear()


class _Output:
    lines: _Lines | None = None


def write_logs_here() -> None:
    """Stop writing off the loop: every line queued so far is written before this returns, and
    later lines are written by the thread that logs them. Safe to call more than once."""
    lines = _Output.lines
    if lines is None or lines.listener is None:
        return
    listener, lines.listener, lines.queue = lines.listener, None, None
    direct = logging.StreamHandler(lines.stream)
    direct.setFormatter(lines.formatter)
    logging.getLogger().handlers = [direct]
    listener.stop()  # writes what was queued


atexit.register(write_logs_here)


def configure_logging(level: str, *, as_json: bool, off_the_loop: bool = False) -> None:
    """Every logger to one handler on stderr. ``off_the_loop`` (the served app): rendered and
    written by a thread of its own until :func:`write_logs_here`."""
    write_logs_here()
    level_number = logging.getLevelName(level.upper())
    # Nothing the lines show: no thread, process or task names gathered for each record.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    lines = _Output.lines = _Lines(
        sys.stderr, _render_json if as_json else _render_console, level_number
    )
    root = logging.getLogger()
    if off_the_loop:
        lines.queue = _Buffer()
        lines.listener = _Listener(lines)
        lines.listener.start()
        root.handlers = [_Enqueue(lines.queue)]
    else:
        direct = logging.StreamHandler(sys.stderr)
        direct.setFormatter(lines.formatter)
        root.handlers = [direct]
    root.setLevel(level_number)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Whatever uvicorn configured before, its lines go to the one handler above.
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # RequestLog writes the access lines
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-connection chatter
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level_number),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _access_line(line: AccessLine) -> None:
    """Queued as it is while serving (rendered by the listener); else written at once."""
    lines = _Output.lines
    if lines is None or lines.level > logging.INFO:
        return
    if lines.queue is not None:
        lines.queue.put(line)
        return
    lines.stream.write(lines.access_line(line) + "\n")
    lines.stream.flush()


# A new request id: 32 random hex digits, from the process's own generator (uuid4 makes a system
# call a request; an id needs to be unique, not unguessable).
_random_bits = random.Random().getrandbits  # noqa: S311 (an id, not a secret)


def _request_id(scope: Scope) -> bytes:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER and _SANE_REQUEST_ID.fullmatch(value):
            return bytes(value)
    return b"%032x" % _random_bits(128)


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
"""A whole HTTP answer: status, headers, body."""


class BufferedReceive:
    """A request's ``receive`` that the lane may read the body from first: what it read is
    replayed to the application, then the rest comes from the server."""

    __slots__ = ("_read", "_receive")

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._read: list[ReceiveMessage] = []

    async def body(self, max_bytes: int) -> bytes | None:
        """The whole body; None when it is longer than ``max_bytes`` or the client left (what
        was read is still replayed)."""
        chunks = []
        size = 0
        while True:
            message = await self._receive()
            self._read.append(message)
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def __call__(self) -> ReceiveMessage:
        return self._read.pop(0) if self._read else await self._receive()


class Lane(Protocol):
    """What answers some requests before the application sees them (server/hot_routes.py)."""

    async def answer(self, scope: Scope, receive: BufferedReceive) -> tuple[str, Answer] | None:
        """The whole answer and its route template, or None to hand the request on (with what
        it read of the body replayed by ``receive``)."""


class RequestLog:
    """Wraps the whole application (unrouted requests too): one log line per HTTP request, and
    the request id (the client's ``X-Request-ID`` when sane, else a new one) echoed in the
    answer and bound to every line logged while the request runs. A ``lane`` answers what it
    can first, and names its route for the line; the application answers the rest. ``metrics``
    count each request as its line is written (route template, method, status, duration)."""

    def __init__(
        self, app: ASGIApp, lane: Lane | None = None, metrics: Metrics | None = None
    ) -> None:
        self.app = app
        self._lane = lane
        self._observe = None if metrics is None else metrics.observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != HTTP_SCOPE:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        # Each request runs in a task of its own, so its context starts and ends with it; the
        # token still restores what was bound before (e.g. when the app is called in a test).
        bound = structlog.contextvars.bind_contextvars(request_id=request_id.decode())
        try:
            if self._lane is None:
                await self._routed(scope, receive, send, started, request_id)
                return
            buffered = BufferedReceive(receive)
            answered = await self._lane.answer(scope, buffered)
            if answered is None:
                await self._routed(scope, buffered, send, started, request_id)
                return
            route, (status, headers, body) = answered
            headers.append((REQUEST_ID_HEADER, request_id))
            try:
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": status,
                    "headers": headers,
                }
                await send(start)
                # ASGI's more_body defaults to False; Litestar's TypedDict requires the key.
                end: HTTPResponseBodyEvent = {  # type: ignore[typeddict-item]
                    "type": "http.response.body",
                    "body": body,
                }
                await send(end)
            finally:
                self._line(scope, route, status, started, request_id)
        finally:
            structlog.contextvars.reset_contextvars(**bound)

    async def _routed(
        self, scope: HTTPScope, receive: Receive, send: Send, started: float, request_id: bytes
    ) -> None:
        """The application's answer, with the request id; then its line, naming the route
        template the router matched (none for a request it could not route)."""
        status = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() != REQUEST_ID_HEADER
                ]
                headers.append((REQUEST_ID_HEADER, request_id))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            self._line(scope, scope.get("path_template"), status, started, request_id)

    def _line(
        self, scope: HTTPScope, route: str | None, status: int, started: float, request_id: bytes
    ) -> None:
        seconds = time.perf_counter() - started
        method = scope["method"]
        if self._observe is not None:
            self._observe(route, method, status, seconds)
        _access_line((time.time(), request_id, method, route, status, seconds))
