"""The hot reads answered in front of Litestar (family_safety.server.hot_routes): the same
answers as Litestar's controllers give, and every request they cannot answer in full
handed to Litestar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from litestar import Litestar
from litestar.middleware.base import DefineMiddleware

from family_safety.domain.auth.middleware import BearerAuthenticationMiddleware
from family_safety.lib.config import Freshness
from family_safety.lib.request_body import RequestBodyGate
from family_safety.server.app import create_app
from family_safety.server.hot_routes import AGE_SIGNALS, BODY_ROUTES, ROUTES, HotRoutes
from family_safety.server.logs import RequestLog
from tests.helpers import CHEAP_HASHER, StandInLitestar, concurrent_app_client

NOW = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
SETTINGS = "/v1/me/settings"
SCREEN_TIME = "/v1/me/screen-time"


def _without_request_id(headers: Any) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "x-request-id"}


async def _both_ways(person, path: str, headers: dict[str, str] | None = None):
    """The answer in front of Litestar, and Litestar's own: a query string is Litestar's to
    answer, and these routes take no query parameter."""
    hot = await person.get(path, headers=headers or {})
    routed = await person.get(path, headers=headers or {}, params={"via": "router"})
    return hot, routed


def _assert_same(hot, routed) -> None:
    assert hot.status_code == routed.status_code
    assert _without_request_id(hot.headers) == _without_request_id(routed.headers)
    assert hot.content == routed.content


async def test_the_hot_routes_answer_what_litestars_controllers_answer(register):
    with time_machine.travel(NOW, tick=False):
        teen = await register("teen_14", 14)
        older = await register("teen_16", 16)
        adult = await register("adult_30", 30)
        chose = await older.patch(SETTINGS, json={"search.enabled": False})
        assert chose.status_code == 200
        used = await teen.post(
            "/v1/me/screen-time/usage",
            json={
                "device_id": "phone-1",
                "intervals": [{"start": "2026-11-30T17:00:00Z", "end": "2026-11-30T17:20:00Z"}],
            },
        )
        assert used.status_code == 200

        for person in (teen, older, adult):
            hot, routed = await _both_ways(person, SETTINGS)
            assert hot.status_code == 200
            _assert_same(hot, routed)
            etag = hot.headers["etag"]
            for if_none_match, status in (
                (etag, 304),
                (f"W/{etag}", 304),
                (f'"other", {etag}', 304),
                ("*", 304),
                ('"other"', 200),
                ("not an etag", 200),
            ):
                hot, routed = await _both_ways(person, SETTINGS, {"If-None-Match": if_none_match})
                assert hot.status_code == status, if_none_match
                _assert_same(hot, routed)

        for person, used_minutes in ((teen, 20), (older, 0), (adult, 0)):
            hot, routed = await _both_ways(person, SCREEN_TIME)
            assert hot.status_code == 200
            assert hot.json()["used_minutes"] == used_minutes
            _assert_same(hot, routed)


# Everything the application runs between a request and these routes' handlers, and why the lane
# may answer without it. A layer not listed here fails the test below: list it with its reason
# once the lane does what it does (or answers without needing it).
HONOURED_MIDDLEWARE = {
    BearerAuthenticationMiddleware: "the lane makes its check: auth.signed_in.signed_in_account",
    RequestBodyGate: "a GET has no body to refuse; the lane reads the decisions' and the age "
    "signals' POST bodies within the same size limit and the same JsonDepthScanner, and decodes "
    "them as UTF-8 JSON, else hands them over",
}
# Each route the lane answers, by the method it answers.
LANE_ROUTES = {
    **dict.fromkeys(ROUTES, "GET"),
    **dict.fromkeys(BODY_ROUTES, "POST"),
    AGE_SIGNALS: "POST",
}
HONOURED_ROUTE_GUARDS = {
    "deciders_only": "the lane makes its check: decisions.deps.may_decide",
}
HONOURED_BEFORE_SEND = {
    "closing_handler.<locals>.handler": "closes a request's database session: the lane opens none",
    "keep_the_contract.<locals>.allow_every_method": "answers OPTIONS; the lane: GET, POST",
}


def _middleware_type(layer: Any) -> type:
    return layer.middleware if isinstance(layer, DefineMiddleware) else type(layer)


def _not_honoured(app: Litestar) -> list[str]:
    """The application-level layers the lane would skip that are not known to be harmless."""
    unknown = [
        f"middleware {layer!r}"
        for layer in app.middleware
        if _middleware_type(layer) not in HONOURED_MIDDLEWARE
    ]
    unknown += [
        f"before_send {hook.__qualname__}"
        for hook in app.before_send
        if hook.__qualname__ not in HONOURED_BEFORE_SEND
    ]
    unknown += [f"guard {guard!r}" for guard in app.guards]
    for hook in ("before_request", "after_request", "after_response"):
        if getattr(app, hook) is not None:
            unknown.append(hook)
    unknown += [f"after_exception {hook!r}" for hook in app.after_exception]
    for config in ("cors_config", "allowed_hosts", "compression_config", "csrf_config"):
        if getattr(app, config):
            unknown.append(config)
    for route in app.routes:
        method = LANE_ROUTES.get(route.path)
        if method is None:
            continue
        handler, _ = route.route_handler_map[method]
        layers = {_middleware_type(layer) for layer in handler.resolve_middleware()}
        unknown += [
            f"{route.path}: middleware {layer!r}" for layer in layers - {*HONOURED_MIDDLEWARE}
        ]
        unknown += [
            f"{route.path}: guard {guard!r}"
            for guard in handler.resolve_guards()
            if guard.__qualname__ not in HONOURED_ROUTE_GUARDS
        ]
        if handler.resolve_before_request() is not None:
            unknown.append(f"{route.path}: before_request")
        if handler.resolve_after_response() is not None or handler.after_request is not None:
            unknown.append(f"{route.path}: after_request or after_response")
    return unknown


def test_litestar_puts_nothing_between_the_token_and_these_answers(client):
    """What the lane skips must stay what it is known to skip: a guard, a middleware or a request
    hook added, to the app or to these routes, would change what Litestar answers, not what the
    lane answers."""
    assert _not_honoured(client.app) == []
    assert {route.path for route in client.app.routes} >= set(LANE_ROUTES)
    app_middleware = {_middleware_type(layer) for layer in client.app.middleware}
    assert app_middleware == set(HONOURED_MIDDLEWARE)  # each still there, as listed


def test_a_new_application_layer_is_one_the_lane_does_not_honour(concurrent_app):
    """The check above can fail: each kind of layer added to the app is reported."""
    assert _not_honoured(concurrent_app) == []
    concurrent_app.middleware.append(DefineMiddleware(lambda app: app))
    concurrent_app.guards.append(lambda connection, handler: None)
    concurrent_app.before_send.append(lambda message, scope: None)
    reported = " ".join(_not_honoured(concurrent_app))
    for kind in ("middleware", "guard", "before_send"):
        assert kind in reported


def _scope(path: str, headers: list[tuple[bytes, bytes]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        **extra,
    }


async def _call(hot: RequestLog, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("a GET's body is never read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await hot(scope, receive, send)
    return sent


def _bearer(person) -> tuple[bytes, bytes]:
    return (b"authorization", person.headers["Authorization"].encode())


@pytest.fixture
async def teen_and_lane(register_concurrent, concurrent_app):
    """A teen whose account and answers are in memory (each route asked once), and a lane in
    front of a stand-in for Litestar."""
    teen = await register_concurrent("teen_14", 14)
    for path in ROUTES:
        assert (await teen.get(path)).status_code == 200
    litestar = StandInLitestar()
    lane = RequestLog(litestar, HotRoutes(concurrent_app.state.components))
    return teen, lane, litestar


@pytest.mark.parametrize("path", sorted(ROUTES))
async def test_a_valid_request_is_answered_without_litestar(teen_and_lane, path):
    teen, lane, litestar = teen_and_lane

    sent = await _call(lane, _scope(path, [_bearer(teen)]))

    assert litestar.scopes == []
    assert sent[0]["status"] == 200
    assert (b"content-type", b"application/json") in sent[0]["headers"]
    assert sent[1]["body"].startswith(b"{")


def _handed_over(bearer: bytes) -> dict[str, dict[str, Any]]:
    auth = (b"authorization", bearer)
    return {
        "no token": _scope(SETTINGS, []),
        "a token of another scheme": _scope(SETTINGS, [(b"authorization", b"Basic " + bearer)]),
        "a forged token": _scope(SETTINGS, [(b"authorization", bearer[:-4] + b"AAAA")]),
        "two Authorization headers": _scope(SETTINGS, [auth, auth]),
        "two If-None-Match headers": _scope(
            SETTINGS, [auth, (b"if-none-match", b'"a"'), (b"if-none-match", b'"b"')]
        ),
        "a query string": _scope(SETTINGS, [auth], query_string=b"a=1"),
        "another method": _scope(SETTINGS, [auth], method="HEAD"),
        "another path": _scope(SETTINGS + "/", [auth]),
        "a route that is not hot": _scope("/v1/me/notifications", [auth]),
        "a websocket": _scope(SETTINGS, [auth], type="websocket"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no token",
        "a token of another scheme",
        "a forged token",
        "two Authorization headers",
        "two If-None-Match headers",
        "a query string",
        "another method",
        "another path",
        "a route that is not hot",
        "a websocket",
    ],
)
async def test_what_it_cannot_answer_in_full_goes_to_litestar(teen_and_lane, case):
    teen, lane, litestar = teen_and_lane
    scope = _handed_over(teen.headers["Authorization"].encode())[case]

    sent = await _call(lane, scope)

    assert litestar.scopes == [scope]
    assert sent[0]["status"] == 299


@pytest.mark.parametrize("path", sorted(ROUTES))
async def test_a_cold_answer_goes_to_litestar_and_then_the_lane_answers(
    register_concurrent, concurrent_app, path
):
    teen = await register_concurrent("teen_14", 14)
    litestar = StandInLitestar()
    lane = RequestLog(litestar, HotRoutes(concurrent_app.state.components))

    await _call(lane, _scope(path, [_bearer(teen)]))
    assert len(litestar.scopes) == 1  # no answer of this account in memory yet

    assert (await teen.get(path)).status_code == 200  # Litestar reads it
    sent = await _call(lane, _scope(path, [_bearer(teen)]))
    assert len(litestar.scopes) == 1
    assert sent[0]["status"] == 200


async def test_after_a_change_the_lane_reads_the_account_and_answers_what_the_write_resolved(
    teen_and_lane,
):
    teen, lane, litestar = teen_and_lane
    changed = await teen.patch(SETTINGS, json={"search.enabled": False})
    assert changed.status_code == 200

    sent = await _call(lane, _scope(SETTINGS, [_bearer(teen)]))

    assert litestar.scopes == []
    assert dict(sent[0]["headers"])[b"etag"] == changed.headers["etag"].encode()
    assert sent[1]["body"] == changed.content


async def test_an_account_not_in_memory_waits_for_no_connection(
    teen_and_lane, concurrent_app, monkeypatch
):
    """When a read would wait for a pooled connection, Litestar's request waits, not the lane's
    first and Litestar's after it."""
    teen, lane, litestar = teen_and_lane
    components = concurrent_app.state.components
    assert (await teen.patch(SETTINGS, json={"search.enabled": False})).status_code == 200
    monkeypatch.setattr(components.reader, "reads_at_once", lambda: False)

    await _call(lane, _scope(SETTINGS, [_bearer(teen)]))

    assert len(litestar.scopes) == 1


async def test_an_ended_session_goes_to_litestar(teen_and_lane):
    teen, lane, litestar = teen_and_lane
    ended = await teen.post("/v1/auth/logout", json={"refresh_token": teen.tokens["refresh_token"]})
    assert ended.status_code == 204

    await _call(lane, _scope(SETTINGS, [_bearer(teen)]))

    assert len(litestar.scopes) == 1
    assert (await teen.get(SETTINGS)).status_code == 401


async def test_a_birthday_to_apply_goes_to_litestar(register_concurrent, concurrent_app):
    """Litestar's authentication applies the new age band; then the lane answers again."""
    the_day_before = datetime(2027, 2, 28, 23, 55, tzinfo=UTC)
    with time_machine.travel(the_day_before, tick=False):
        teen = await register_concurrent("teen_15", 15, birthdate="2011-03-01")
        assert (await teen.get(SETTINGS)).json()["age_band"] == "13-15"
    litestar = StandInLitestar()
    lane = RequestLog(litestar, HotRoutes(concurrent_app.state.components))

    with time_machine.travel(the_day_before + timedelta(minutes=10), tick=False):
        await _call(lane, _scope(SETTINGS, [_bearer(teen)]))
        assert len(litestar.scopes) == 1
        assert (await teen.get(SETTINGS)).json()["age_band"] == "16-17"
        sent = await _call(lane, _scope(SETTINGS, [_bearer(teen)]))

    assert len(litestar.scopes) == 1
    assert sent[0]["status"] == 200


async def test_an_error_while_answering_goes_to_litestar(
    register_concurrent, concurrent_app, monkeypatch
):
    """An error in the lane is logged, and Litestar answers the request (nothing was sent)."""
    teen = await register_concurrent("teen_14", 14)
    assert (await teen.get(SETTINGS)).status_code == 200
    components = concurrent_app.state.components
    litestar = StandInLitestar()
    lane = RequestLog(litestar, HotRoutes(components))

    def broken(*_args: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(components.settings_answers, "remembered", broken)

    sent = await _call(lane, _scope(SETTINGS, [_bearer(teen)]))

    assert len(litestar.scopes) == 1
    assert sent[0]["status"] == 299


async def test_with_freshness_read_the_lane_reads_the_account_every_time(
    register_concurrent, settings, monkeypatch
):
    teen = await register_concurrent("teen_14", 14)
    read_mode = settings.model_copy(update={"freshness": Freshness.READ})
    reading = create_app(read_mode, hasher=CHEAP_HASHER)
    async with concurrent_app_client(reading) as client:
        answered = await client.get(SETTINGS, headers=teen.headers)
        assert answered.status_code == 200
        components = reading.state.components
        reads = []
        load = components.signed_in.load

        async def counted(*args: Any, **kwargs: Any):
            reads.append(args)
            return await load(*args, **kwargs)

        monkeypatch.setattr(components.signed_in, "load", counted)
        litestar = StandInLitestar()
        lane = RequestLog(litestar, HotRoutes(components))

        for _ in range(2):
            sent = await _call(lane, _scope(SETTINGS, [_bearer(teen)]))
            assert sent[0]["status"] == 200

    assert litestar.scopes == []
    assert len(reads) == 2


async def test_the_app_create_app_builds_answers_through_the_lane(register, client, monkeypatch):
    """The lane is part of the served app: once the answers are in memory, Litestar's
    controllers are not called for these routes."""
    teen = await register("teen_14", 14)
    for path in ROUTES:
        assert (await teen.get(path)).status_code == 200  # Litestar reads, memory keeps
    components = client.app.state.components

    async def not_called(*_args: Any) -> None:
        raise AssertionError("answered by Litestar's controller")

    monkeypatch.setattr(components.settings_answers, "answer", not_called)
    monkeypatch.setattr(components.screen_time_statuses, "status", not_called)
    for path in ROUTES:
        assert (await teen.get(path)).status_code == 200
    assert (await teen.get(SETTINGS, params={"via": "router"})).status_code == 500
