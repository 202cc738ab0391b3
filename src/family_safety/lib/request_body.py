"""The one gate every request body passes before anything decodes it.

JSON nested thousands of levels deep makes a recursive decoder blow the stack, so the body is
scanned first: a cheap count of ``[`` and ``{`` outside strings, chunk by chunk as it arrives.
Deeper than ``MAX_JSON_DEPTH`` is 400 ``malformed-body``, whatever the route and whoever asks.
Every body is text (JSON or a form), so bytes that are not UTF-8 are 400 ``malformed-body`` here
too, before a decoder meets them. The body is read here up to the route's size limit (413 beyond
it) and handed on unchanged.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, cast

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware

from family_safety.lib import problems

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler
    from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

MAX_JSON_DEPTH = 32
MAX_BODY_BYTES = 64 * 1024
"""Passed to ``Litestar(request_max_body_size=...)`` by ``server.app.create_app`` (Litestar 2.25
reads this one from its constructor's argument, not from the config a plugin returns), and the
most the lane reads of a body."""

# A whole string; what is left of a piece without them is its structure, and an unfinished string
# (cut off by the end of the bytes read so far) from its first remaining quote on.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: one step a run
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPENERS = frozenset(b"[{")


class JsonDepthScanner:
    """Follows the nesting depth of JSON fed to it in pieces; strings are skipped.

    Each piece is read by the regular expression engine and ``bytes.translate`` (in C): the
    strings are removed, then everything but brackets; only the brackets are counted here, so
    a body of many short strings (a batch of decisions) costs a few microseconds, not a
    Python step per string."""

    def __init__(self, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.max_depth = max_depth
        self._depth = 0
        self._pending = b""  # a string cut off at the end of the last piece

    def feed(self, data: bytes) -> bool:
        """False as soon as the nesting goes deeper than ``max_depth``."""
        data = self._pending + data
        self._pending = b""
        structure = _STRING.sub(b"", data)
        quote = structure.find(b'"')
        if quote != -1:  # nothing was removed after it: it is the tail of ``data``
            self._pending = data[len(data) - (len(structure) - quote) :]
            structure = structure[:quote]
        depth = self._depth
        for bracket in structure.translate(None, _NOT_BRACKETS):
            if bracket in _OPENERS:
                depth += 1
                if depth > self.max_depth:
                    return False
            elif depth:
                depth -= 1
        self._depth = depth
        return True


_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


def _no_body_is_read(scope: Scope) -> bool:
    """No route reads the body of a GET, HEAD or OPTIONS request: there is nothing to gate."""
    # Litestar asks only for the scope types in ``scopes`` (HTTP), which always have a method.
    return scope.get("method") in _WITHOUT_BODY


def _is_utf8(decoder: codecs.IncrementalDecoder, chunk: bytes, *, last: bool) -> bool:
    """Whether the bytes so far are UTF-8 (a character cut at a chunk's end may end later)."""
    try:
        decoder.decode(chunk, final=last)
    except UnicodeDecodeError:
        return False
    return True


class RequestBodyGate(ASGIMiddleware):
    """Reads the body (up to the route's limit), refusing it as soon as it nests too deep."""

    scopes = (ScopeType.HTTP,)
    should_bypass_for_scope = staticmethod(_no_body_is_read)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        # An HTTP scope (see ``scopes``) is always routed to an HTTP route handler.
        handler = cast("HTTPRouteHandler", scope["route_handler"])
        limit = handler.resolve_request_max_body_size() or 0
        received: list[ReceiveMessage] = []
        scanner = JsonDepthScanner()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        size = 0
        while True:
            message = await receive()
            received.append(message)
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            # Depth first: however large, a body that nests too deep is malformed.
            if chunk and not scanner.feed(chunk):
                raise problems.malformed_body_too_deep(MAX_JSON_DEPTH)
            size += len(chunk)
            if limit and size > limit:
                raise problems.payload_too_large()
            last = not message.get("more_body", False)
            if not _is_utf8(utf8, chunk, last=last):
                raise problems.malformed_body_not_utf8()
            if last:
                break

        async def replay() -> ReceiveMessage:
            return received.pop(0) if received else await receive()

        await next_app(scope, replay, send)
