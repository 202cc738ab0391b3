"""GET /v1/me/settings and GET /v1/me/screen-time, answered from memory in front of Litestar.

Client apps call these two on every start and every few minutes. Once the token, the account and
the answer are in memory, what the service does for them costs less than Litestar's own work for
a request: routing, its exception middleware twice, the authentication middleware, the handler's
signature model and the response object (BENCHMARKS.md, issue 12). So this layer answers them
when it can answer them in full from memory, and hands everything else to Litestar untouched:

- only ``GET`` of exactly these paths, without a query string, with at most one
  ``Authorization`` and one ``If-None-Match`` header;
- only with a valid access token (``auth.middleware.bearer_grant``) of a live sign-in session,
  checked by the authentication middleware's own check (``auth.signed_in.signed_in_account``)
  with ``from_memory``: the account is in memory or read at once, the one read the lane makes, on
  a miss and on every request with ``FAMILY_SAFETY_FRESHNESS=read``, and only when a connection
  is free: the lane never waits for the database, so a busy pool is waited for once, by
  Litestar, not twice; and no change of age band is due (the middleware applies it);
- only when the answer is in memory: a 304 from the ETag, a cached settings answer, the status
  from the kept limits and day. Cold answers are Litestar's to read, and so are refusals (401)
  and errors (the database down: 503). An error here hands the request over too, logged, before
  anything was sent; the lane writes nothing.

The lane also sheds a sign-in flood. While every password-hashing worker is busy and its queue
is full, ``POST /v1/auth/token`` and ``POST /v1/accounts`` (the two anyone may send, so the two a
flood sends) are answered 503 ``overloaded`` here, before Litestar reads their body: the answer
the service would give anyway (``PasswordHasher.refuse_when_full``), for a fraction of the event
loop's time. Through Litestar a refused sign-in costs its routing, body validation,
dependencies (a database session opened and closed), exception handling and problem rendering,
about ten times a settings GET: hundreds of them at once kept the loop from serving signed-in
bystanders for seconds (issue 23). Requests that need a token are left to Litestar, so a 401
still comes first for them.

The decisions' two POSTs (``/access/v1/evaluation`` and ``/access/v1/evaluations``) are
answered here too, on the same terms, when their answer is a 200: exactly that method and path,
no query string, one ``Authorization``, a JSON ``Content-Type``, a body within the app's size
limit that nests no deeper than the body gate allows (the same ``JsonDepthScanner``), a caller
with the ``service`` or ``staff`` role (decisions' memory), and a body that validates
(``decisions.schemas.lane_questions``: msgspec Structs accepting what Litestar's pydantic models
accept, or less). Anything else (no role: 403, bad input:
422, a malformed body: 400) is Litestar's, with the body the lane read replayed to it.

Forged age signals are refused here too. ``POST /v1/age-signals`` is anyone's to send, and each
signal costs a signature check, so a flood of forged ones is the flood it invites. The lane reads
the body of such a POST (a JSON ``Content-Type``, within the size and depth limits, a body
``AgeSignalIn`` accepts: ``age_signals.schemas.lane_signal``) and checks the signal with the
controller's own check (``age_signals.services.verify_in_front``): one that does not verify is
answered 401 ``invalid-signal`` here, the controller's answer byte for byte and its one log line,
for one signature check and no routing, body model or session. One that verifies is Litestar's to
apply, its claims handed over in the scope's state so that it is not checked twice; so is every
body Litestar would refuse first (400, 413, 422).

It is installed where the app is built (server/app.py), inside the request log
(``logs.RequestLog``), which asks it first and names its route in the access line.

Litestar still routes, documents and, for all of the above, answers these paths with the
controllers of ``account_settings`` and ``screen_time``, which call the same services; after it
has read what was missing, the next request is the lane's. tests/integration/test_hot_routes.py
holds both ways to the same status, headers and body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import structlog

from family_safety.domain.account_settings.hot_path import NotModified
from family_safety.domain.age_signals.schemas import lane_signal
from family_safety.domain.age_signals.services import verify_in_front
from family_safety.domain.auth.middleware import bearer_grant
from family_safety.domain.auth.signed_in import signed_in_account
from family_safety.domain.decisions.deps import may_decide
from family_safety.domain.decisions.schemas import DecisionsOut, decision_out, lane_questions
from family_safety.lib import problems
from family_safety.lib.clock import utc_now
from family_safety.lib.request_body import MAX_BODY_BYTES, JsonDepthScanner
from family_safety.server.logs import HTTP_SCOPE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from litestar.types import Scope

    from family_safety.db.account_records import SignedInAccount
    from family_safety.domain.components import Components
    from family_safety.server.logs import Answer, BufferedReceive

    HotRoute = Callable[[Components, SignedInAccount, datetime, str | None], Answer | None]
    BodyRoute = Callable[[Components, SignedInAccount, datetime, bytes], Awaitable[Answer | None]]

_log = structlog.get_logger("family_safety.server.hot_routes")

_JSON = (b"content-type", b"application/json")
_encode = msgspec.json.Encoder().encode


def _length(body: bytes) -> tuple[bytes, bytes]:
    return (b"content-length", b"%d" % len(body))


def _my_settings(
    components: Components, account: SignedInAccount, now: datetime, if_none_match: str | None
) -> Answer | None:
    answer = components.settings_answers.remembered(account, now.date(), if_none_match)
    if answer is None:
        return None
    etag = (b"etag", answer.etag.encode("latin-1"))
    if isinstance(answer, NotModified):
        return 304, [etag], b""
    return 200, [etag, _JSON, _length(answer.body)], answer.body


def _my_screen_time(
    components: Components, account: SignedInAccount, now: datetime, _if_none_match: str | None
) -> Answer | None:
    status = components.screen_time_statuses.remembered(account, now)
    if status is None:
        return None
    body = _encode(status)
    return 200, [_JSON, _length(body)], body


ROUTES: dict[str, HotRoute] = {
    "/v1/me/settings": _my_settings,
    "/v1/me/screen-time": _my_screen_time,
}

SHED_WHEN_HASHING_IS_FULL = frozenset({"/v1/auth/token", "/v1/accounts"})
"""The anonymous POSTs that hash a password: refused here while hashing is full."""


AGE_SIGNALS = "/v1/age-signals"
"""Its POST: a signal that does not verify is refused here, one signature check and no more."""


def _problem(problem: problems.Problem) -> Answer:
    """A problem as Litestar answers it (``ProblemDetailsException.to_response``): the same
    headers, and the same body, byte for byte (its ``status`` first)."""
    body = _encode({"status": problem.status_code, **problems.body(problem)})
    headers = [(b"content-type", problems.PROBLEM_MEDIA_TYPE.encode())]
    headers += [
        (name.lower().encode(), value.encode()) for name, value in (problem.headers or {}).items()
    ]
    return problem.status_code, [*headers, _length(body)], body


def _decisions(*, batch: bool) -> BodyRoute:
    """The 200 of a decisions POST: ``/access/v1/evaluations`` (``batch``), answering
    ``{evaluations: [...]}``, or ``/access/v1/evaluation``, answering its one decision."""

    async def decide(
        components: Components, account: SignedInAccount, now: datetime, body: bytes
    ) -> Answer | None:
        if not await may_decide(components, account.id):
            return None
        questions = lane_questions(body, batch=batch)
        if questions is None:
            return None
        decisions = [
            decision_out(one) for one in await components.decisions.evaluate(questions, now)
        ]
        answer = _encode(DecisionsOut(decisions) if batch else decisions[0])
        return 200, [_JSON, _length(answer)], answer

    return decide


BODY_ROUTES: dict[str, BodyRoute] = {
    "/access/v1/evaluation": _decisions(batch=False),
    "/access/v1/evaluations": _decisions(batch=True),
}


def _json(content_type: bytes) -> bool:
    return content_type.partition(b";")[0].strip().lower() == b"application/json"


def _each_once(scope: Scope, *names: bytes) -> list[bytes | None] | None:
    """The values of these headers (None when absent); None when one is sent twice, which
    Litestar answers."""
    values: list[bytes | None] = [None] * len(names)
    for name, value in scope["headers"]:
        if name in names:
            index = names.index(name)
            if values[index] is not None:
                return None
            values[index] = value
    return values


async def _json_body(content_type: bytes | None, receive: BufferedReceive) -> bytes | None:
    """The body of a JSON request, read whole within the app's size limit, nesting no deeper
    than the body gate allows (``RequestBodyGate``); None for any other, which Litestar answers
    (what was read replayed to it)."""
    if content_type is None or not _json(content_type):
        return None
    body = await receive.body(MAX_BODY_BYTES)
    if body is None or not JsonDepthScanner().feed(body):
        return None
    return body


class HotRoutes:
    """The lane (``logs.Lane``): the answers of the ``ROUTES`` it can give in full, and the
    sign-in flood it sheds (see the module); None for every other request, which the
    application answers."""

    def __init__(self, components: Components) -> None:
        self._components = components
        self._overloaded = _problem(problems.overloaded("passwords"))

    async def answer(self, scope: Scope, receive: BufferedReceive) -> tuple[str, Answer] | None:
        if scope["type"] != HTTP_SCOPE:
            return None
        path, method = scope["path"], scope["method"]
        if (
            method == "POST"
            and path in SHED_WHEN_HASHING_IS_FULL
            and self._components.hasher.is_full
        ):
            status, headers, body = self._overloaded
            return path, (status, list(headers), body)  # the request log appends to headers
        if scope["query_string"]:
            return None
        try:
            if method == "GET" and (route := ROUTES.get(path)) is not None:
                answer = await self._answer(route, scope)
            elif method == "POST" and (body_route := BODY_ROUTES.get(path)) is not None:
                answer = await self._answer_body(body_route, scope, receive)
            elif method == "POST" and path == AGE_SIGNALS:
                answer = await self._refuse_signal(scope, receive)
            else:
                return None
        except Exception as exc:  # Litestar answers it, mapping the error (503, say)
            _log.warning("hot route handed to Litestar", error=type(exc).__name__, exc_info=exc)
            return None
        return None if answer is None else (path, answer)  # the path is its route template

    async def _answer_body(
        self, route: BodyRoute, scope: Scope, receive: BufferedReceive
    ) -> Answer | None:
        headers = _each_once(scope, b"authorization", b"content-type")
        if headers is None:
            return None
        authorization, content_type = headers
        if authorization is None or content_type is None or not _json(content_type):
            return None
        signed_in = await self._signed_in(authorization)
        if signed_in is None:
            return None
        account, now = signed_in
        body = await _json_body(content_type, receive)
        if body is None:
            return None
        return await route(self._components, account, now, body)

    async def _refuse_signal(self, scope: Scope, receive: BufferedReceive) -> Answer | None:
        """401 ``invalid-signal`` for a signal that does not verify, as the controller would
        answer it, after the one signature check and nothing else: no routing, no body model,
        no session. A signal that verifies is Litestar's to apply, its claims handed over in
        the scope's state (``verify_in_front``), and so is a body ``AgeSignalIn`` would refuse
        (400, 422)."""
        headers = _each_once(scope, b"content-type")
        if headers is None:
            return None
        body = await _json_body(headers[0], receive)
        signal = None if body is None else lane_signal(body)
        if signal is None:
            return None
        try:
            await verify_in_front(
                self._components.age_issuers, scope.setdefault("state", {}), signal
            )
        except problems.Problem as problem:
            return _problem(problem)
        return None

    async def _answer(self, route: HotRoute, scope: Scope) -> Answer | None:
        headers = _each_once(scope, b"authorization", b"if-none-match")
        if headers is None:
            return None
        authorization, if_none_match = headers
        if authorization is None:
            return None
        signed_in = await self._signed_in(authorization)
        if signed_in is None:
            return None
        account, now = signed_in
        etags = None if if_none_match is None else if_none_match.decode("latin-1")
        return route(self._components, account, now, etags)

    async def _signed_in(self, authorization: bytes) -> tuple[SignedInAccount, datetime] | None:
        """The account a bearer token signs in, kept in memory, and the moment it was checked;
        None when Litestar must answer (no valid token, an account not in memory)."""
        components = self._components
        grant = bearer_grant(components.tokens, authorization.decode("latin-1"))
        if grant is None:
            return None
        now = utc_now()
        account = await signed_in_account(
            components, grant.account_id, grant.session_id, now, from_memory=True
        )
        return None if account is None else (account, now)
