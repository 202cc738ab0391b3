"""GET /v1/me/settings and GET /v1/me/screen-time, answered in front of Litestar's router.

Client apps call these two on every start and every few minutes. What the service does for them,
once warm, (a token and an account found in memory, an answer cached or computed) costs less than
Litestar's own work for a request: routing, its exception middleware twice, the authentication
middleware, the handler's signature model and the response object (BENCHMARKS.md, issue 12). So
this layer answers them when it can answer them in full, and hands everything else to Litestar
untouched:

- only ``GET`` of exactly these paths, without a query string, with at most one
  ``Authorization`` and one ``If-None-Match`` header;
- only with a valid access token of a live sign-in session (``auth.middleware.bearer_account``,
  the very check of the authentication middleware), of an account with no change of age band
  due (the middleware applies it);
- only answers of 200 or 304: a refusal (401) or an error (the database down: 503) is Litestar's
  to answer. An error raised here goes there too, before anything was sent; nothing here writes.

Litestar still routes, documents and, for all of the above, answers these paths with the
controllers of ``account_settings`` and ``screen_time``, which call the same services;
tests/integration/test_hot_routes.py holds both ways to the same status, headers and body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from family_safety.account_settings.hot_path import NotModified
from family_safety.auth.middleware import bearer_account
from family_safety.birthdays import band_change_due
from family_safety.clock import utc_now

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from litestar.types import ASGIApp, Receive, Scope, Send

    from family_safety.components import Components
    from family_safety.db.account_records import SignedInAccount

    Headers = list[tuple[bytes, bytes]]
    Answer = tuple[int, Headers, bytes]
    HotRoute = Callable[[Components, SignedInAccount, datetime, str | None], Awaitable[Answer]]

_JSON = (b"content-type", b"application/json")
_encode = msgspec.json.Encoder().encode


def _length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", b"%d" % len(body))


async def _my_settings(
    components: Components, account: SignedInAccount, now: datetime, if_none_match: str | None
) -> Answer:
    answer = await components.settings_answers.answer(account, now.date(), if_none_match)
    etag = (b"etag", answer.etag.encode("latin-1"))
    if isinstance(answer, NotModified):
        return 304, [etag], b""
    return 200, [etag, _JSON, _length(answer.body)], answer.body


async def _my_screen_time(
    components: Components, account: SignedInAccount, now: datetime, _if_none_match: str | None
) -> Answer:
    body = _encode(await components.screen_time_statuses.status(account, now))
    return 200, [_JSON, _length(body)], body


ROUTES: dict[str, HotRoute] = {
    "/v1/me/settings": _my_settings,
    "/v1/me/screen-time": _my_screen_time,
}


class HotRoutes:
    """ASGI: answers the ``ROUTES`` it can answer in full (see the module), and passes every other
    request to ``app``, Litestar's own handler."""

    def __init__(self, app: ASGIApp, components: Components) -> None:
        self.app = app
        self._components = components

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (
            ROUTES.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET" and not scope["query_string"]
            else None
        )
        answer = None
        if route is not None:
            try:
                answer = await self._answer(route, scope)
            except Exception:  # Litestar answers it, mapping the error (503, say)
                answer = None
        if answer is None:
            await self.app(scope, receive, send)
            return
        status, headers, body = answer
        scope["path_template"] = scope["path"]  # as Litestar's router names it, for the log
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, route: HotRoute, scope: Scope) -> Answer | None:
        authorization = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is not None:
                    return None
                authorization = value.decode("latin-1")
            elif name == b"if-none-match":
                if if_none_match is not None:
                    return None
                if_none_match = value.decode("latin-1")
        if authorization is None:
            return None
        components = self._components
        found = await bearer_account(components.tokens, components.signed_in, authorization)
        if found is None:
            return None
        account = found[0]
        now = utc_now()
        if band_change_due(components.pack, account, now.date()):
            return None
        return await route(components, account, now, if_none_match)
