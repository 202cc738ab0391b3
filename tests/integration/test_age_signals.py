"""Age signals (API.md, Age signals): trusted issuers, the signal's checks, the strongest signal
kept, and the age it makes driving the band, the gates, links and holds."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.domain.age_signals.repository import add_issuer, sweep_receipts
from family_safety.domain.age_signals.services import VERIFIED_IN_FRONT
from family_safety.domain.ages import holds
from family_safety.lib.clock import utc_now
from family_safety.lib.security import public_keys
from family_safety.server import cli
from family_safety.server.app import create_app
from family_safety.server.hot_routes import HotRoutes
from family_safety.server.logs import RequestLog
from tests.helpers import (
    CHEAP_HASHER,
    PASSWORD,
    StandInLitestar,
    age_signal,
    birthdate_for_age,
    expect_problem,
    pair,
)


@dataclass
class Issuer:
    name: str
    kid: str
    private_key: Any
    algorithm: str

    def sign(self, sub: str, lower: int | None, upper: int | None, method: str, **more) -> str:
        return age_signal(
            self.private_key,
            self.kid,
            iss=self.name,
            sub=sub,
            lower=lower,
            upper=upper,
            method=method,
            algorithm=self.algorithm,
            **more,
        )


def _pem(private_key: Any) -> bytes:
    return private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


async def _register(settings, app, name: str, private_key: Any, algorithm: str) -> Issuer:
    """What ``family-safety issuers add`` does, from within a running test."""
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            registered = await add_issuer(session, name, _pem(private_key))
    finally:
        await engine.dispose()
    app.state.components.age_issuers.forget()  # as REFRESH_SECONDS later
    return Issuer(name, registered.kid, private_key, algorithm)


@pytest.fixture
async def apple(client, settings) -> Issuer:
    key = Ed25519PrivateKey.generate()
    return await _register(settings, client.app, "apple-relay", key, "EdDSA")


@pytest.fixture
async def google(client, settings) -> Issuer:
    key = ec.generate_private_key(ec.SECP256R1())
    return await _register(settings, client.app, "google-relay", key, "ES256")


async def _send(client, signal: str):
    return await client.post("/v1/age-signals", json={"signal": signal})


async def _applied(client, signal: str) -> dict:
    response = await _send(client, signal)
    assert response.status_code == 200, response.text
    return response.json()


def _kinds(notifications: dict) -> list[str]:
    return [item["kind"] for item in notifications["items"]]


# --- a teen made an adult, an adult made a teen, an under-13 held ---------------------------


async def test_a_verified_signal_makes_a_teen_an_adult_and_ends_its_links_as_at_18(
    client, register, apple
):
    guardian = await register("guardian", 40)
    teen = await register("teen_15", 15)
    link = await pair(guardian, teen)
    before = await teen.get("/v1/me/settings")
    assert before.json()["age_band"] == "13-15"

    answer = await _applied(client, apple.sign(teen.id, 18, None, "verified"))
    assert answer["account_id"] == teen.id
    assert answer["applied"] is True
    assert answer["age_band"] == "18+"
    assurance = answer["age_assurance"]
    assert {k: assurance[k] for k in ("method", "issuer", "lower", "upper")} == {
        "method": "verified",
        "issuer": "apple-relay",
        "lower": 18,
        "upper": None,
    }

    # At once: the account, its settings (a new ETag), the gates lifted.
    me = (await teen.get("/v1/me")).json()
    assert me["age_band"] == "18+"
    assert me["age_assurance"] == assurance
    after = await teen.get("/v1/me/settings", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["age_band"] == "18+"
    assert after.json()["settings"]["live.enabled"]["can_change"] is True
    # The link ended as at 18, both sides told; the guardian no longer sees the teen.
    links = (await teen.get("/v1/pairings")).json()["items"]
    assert [(item["id"], item["status"]) for item in links] == [(link["id"], "ended_at_18")]
    assert "link.ended_at_18" in _kinds((await teen.get("/v1/me/notifications")).json())
    assert "link.ended_at_18" in _kinds((await guardian.get("/v1/me/notifications")).json())
    expect_problem(await guardian.get(f"/v1/teens/{teen.id}/settings"), 404, "not-found")
    band_changed = [
        item
        for item in (await teen.get("/v1/me/notifications")).json()["items"]
        if item["kind"] == "band.changed"
    ]
    assert band_changed[-1]["data"]["to_band"] == "18+"
    # It may now be a guardian.
    assert (await teen.post("/v1/pairing-invitations", json={})).status_code == 201
    # The audit entry: issuer, method, range; never the signal, never a birthdate.
    entries = (await teen.get("/v1/me/audit")).json()["items"]
    entry = next(item for item in entries if item["action"] == "age_signal.applied")
    assert entry["changes"]["age_assurance"]["to"] == {
        "issuer": "apple-relay",
        "method": "verified",
        "lower": 18,
        "upper": None,
    }
    assert entry["changes"]["age_band"] == {"from": "13-15", "to": "18+"}
    assert "eyJ" not in json.dumps(entries)
    assert "birthdate" not in json.dumps(entry)


async def test_a_signal_makes_an_adult_a_teen_and_ends_its_links_as_a_guardian(
    client, register, google
):
    guardian = await register("guardian", 30)
    teen = await register("teen_14", 14)
    link = await pair(guardian, teen)

    answer = await _applied(client, google.sign(guardian.id, 13, 15, "self_declared"))
    assert (answer["applied"], answer["age_band"]) == (True, "13-15")

    settings = (await guardian.get("/v1/me/settings")).json()
    assert settings["age_band"] == "13-15"
    direct_messages = settings["settings"]["messaging.direct_messages"]
    assert direct_messages["value"] == "no_one"
    assert direct_messages["bound"]["set_by"] == [{"kind": "age_gate", "band": "13-15"}]
    assert direct_messages["can_change"] is False
    # Its link as a guardian ended (ended by nobody), both sides told.
    ended = (await teen.get("/v1/pairings")).json()["items"]
    assert [(item["id"], item["status"]) for item in ended] == [(link["id"], "ended")]
    for side in (teen, guardian):
        notes = (await side.get("/v1/me/notifications")).json()["items"]
        link_ended = [item for item in notes if item["kind"] == "link.ended"]
        assert len(link_ended) == 1
        assert link_ended[0]["data"]["ended_by"] is None
    expect_problem(await guardian.get(f"/v1/teens/{teen.id}/settings"), 403, "forbidden")
    expect_problem(await guardian.post("/v1/pairing-invitations", json={}), 403, "not-an-adult")
    # The teen's own settings keep what the guardian bounded (nothing loosens silently).
    assert (await teen.get("/v1/me/settings")).status_code == 200


async def test_a_signal_under_the_minimum_age_holds_the_account(client, register, apple):
    guardian = await register("guardian", 40)
    child = await register("child", 14)
    await pair(guardian, child)

    answer = await _applied(client, apple.sign(child.id, None, 12, "estimated"))
    assert answer["applied"] is True

    me = (await child.get("/v1/me")).json()
    assert me["held"]["law_id"] is None
    assert me["held"]["title"] == "minimum age"
    problem = expect_problem(await child.get("/v1/me/settings"), 403, "account-held")
    assert "minimum age" in problem["detail"]
    export = await child.get("/v1/me/export")
    assert export.status_code == 200
    assert "account.held" in [item["kind"] for item in export.json()["notifications"]]
    assert "account.held" in _kinds((await guardian.get("/v1/me/notifications")).json())

    # A verified signal of 14 lifts it (the strongest signal wins).
    await _applied(client, apple.sign(child.id, 14, 14, "verified"))
    me = (await child.get("/v1/me")).json()
    assert me["held"] is None
    assert me["age_band"] == "13-15"
    assert (await child.get("/v1/me/settings")).status_code == 200
    assert "account.released" in _kinds((await child.get("/v1/me/notifications")).json())


# --- the strongest signal wins ----------------------------------------------------------------


async def test_a_weaker_signal_is_recorded_and_changes_nothing(client, register, apple, google):
    teen = await register("teen_16", 16)
    first = await _applied(client, apple.sign(teen.id, 13, 15, "estimated"))
    assert (first["applied"], first["age_band"]) == (True, "13-15")
    etag = (await teen.get("/v1/me/settings")).headers["etag"]

    weaker = await _applied(client, google.sign(teen.id, 16, 17, "self_declared"))
    assert weaker["applied"] is False
    assert weaker["age_band"] == "13-15"
    assert weaker["age_assurance"] == first["age_assurance"]
    unchanged = await teen.get("/v1/me/settings", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304

    # As strong replaces it, whatever its effect (here: none on the age).
    same = await _applied(client, google.sign(teen.id, 16, 17, "estimated"))
    assert same["applied"] is True
    assert same["age_band"] == "16-17"
    assert same["age_assurance"]["issuer"] == "google-relay"


async def test_only_a_verified_signal_raises_the_age(client, register, apple):
    teen = await register("teen_14", 14)
    estimated = await _applied(client, apple.sign(teen.id, 18, None, "estimated"))
    assert (estimated["applied"], estimated["age_band"]) == (True, "13-15")
    verified = await _applied(client, apple.sign(teen.id, 16, 17, "verified"))
    assert (verified["applied"], verified["age_band"]) == (True, "16-17")
    # A range around the birthdate's age changes nothing.
    adult = await register("adult", 30)
    within = await _applied(client, apple.sign(adult.id, 25, 35, "self_declared"))
    assert within["age_band"] == "18+"


async def test_the_signal_age_grows_older_as_a_birthdate_does(client, register, apple):
    adult = await register("adult", 30)
    await _applied(client, apple.sign(adult.id, 15, 15, "guardian_declared"))
    assert (await adult.get("/v1/me")).json()["age_band"] == "13-15"
    with time_machine.travel(utc_now() + timedelta(days=366), tick=False):
        await adult.sign_in()
        assert (await adult.get("/v1/me")).json()["age_band"] == "16-17"


# --- the signal's checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "age_range",
    [{"lower": None, "upper": None}, {"lower": 16, "upper": 13}, {"lower": "13"}, "13-15", {}],
)
async def test_a_range_that_says_nothing_or_is_upside_down_is_422(
    client, register, apple, age_range
):
    teen = await register("teen_14", 14)
    signal = apple.sign(teen.id, 0, 0, "verified", age_range=age_range)
    problem = expect_problem(await _send(client, signal), 422, "validation")
    assert problem["errors"][0]["field"] == "signal"
    assert (await teen.get("/v1/me")).json()["age_assurance"] is None


async def test_an_unknown_method_is_422(client, register, apple):
    teen = await register("teen_14", 14)
    signal = apple.sign(teen.id, 13, 15, "asked_nicely")
    expect_problem(await _send(client, signal), 422, "validation")


@pytest.mark.parametrize("sub", ["5d83ea31-9835-49e7-9aa0-5636c2039b91", "not-an-id"])
async def test_an_unknown_account_is_404(client, apple, sub):
    expect_problem(await _send(client, apple.sign(sub, 13, 15, "verified")), 404, "not-found")


async def test_a_jti_is_spent_once_per_issuer(client, register, apple, google):
    teen = await register("teen_14", 14)
    signal = apple.sign(teen.id, 13, 15, "estimated", jti="one")
    assert (await _send(client, signal)).status_code == 200
    expect_problem(await _send(client, signal), 409, "signal-replayed")
    again = apple.sign(teen.id, 13, 15, "verified", jti="one")
    expect_problem(await _send(client, again), 409, "signal-replayed")
    # Another issuer's jti of the same value is its own.
    assert (await _send(client, google.sign(teen.id, 13, 15, "estimated", jti="one"))).is_success


async def test_replays_at_once_spend_the_jti_once(
    concurrent_app, concurrent_client, register_concurrent, settings
):
    issuer = await _register(
        settings, concurrent_app, "relay", Ed25519PrivateKey.generate(), "EdDSA"
    )
    teen = await register_concurrent("teen_14", 14)
    signal = issuer.sign(teen.id, 13, 15, "verified")
    answers = await asyncio.gather(*(_send(concurrent_client, signal) for _ in range(6)))
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409, 409, 409, 409]


async def test_receipts_are_swept_once_their_signal_expired(client, register, apple, settings):
    teen = await register("teen_14", 14)
    assert (await _send(client, apple.sign(teen.id, 13, 15, "verified"))).status_code == 200
    engine = create_engine(settings)  # the sweep's own, as another instance's would be
    try:
        async with AsyncSession(engine) as session:
            assert await sweep_receipts(session, utc_now()) == 0  # its signal is still alive
        async with AsyncSession(engine) as session:
            later = utc_now() + timedelta(seconds=300 + 30 + 1)
            assert await sweep_receipts(session, later) == 1
    finally:
        await engine.dispose()


# --- red team: every forgery is 401 invalid-signal, logged in one line without a secret -------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forgeries(apple: Issuer, google: Issuer, sub: str) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": apple.name,
        "sub": sub,
        "iat": now,
        "exp": now + 300,
        "jti": "forged",
        "age_range": {"lower": 18, "upper": None},
        "method": "verified",
    }
    good = apple.sign(sub, 18, None, "verified")
    head, _body, signature = good.split(".")
    tampered_body = _b64({**claims, "age_range": {"lower": 30, "upper": None}})
    return {
        "alg none": f"{_b64({'alg': 'none', 'kid': apple.kid, 'typ': 'age-signal+jwt'})}."
        f"{_b64(claims)}.",
        "HS256 with the public key as the secret": jwt.encode(
            claims,
            # PyJWT refuses a PEM as an HMAC secret; the raw bytes do as a forger would.
            _pem(apple.private_key)[:64],
            algorithm="HS256",
            headers={"kid": apple.kid, "typ": "age-signal+jwt"},
        ),
        "a key of another issuer": age_signal(
            google.private_key,
            google.kid,
            iss=apple.name,
            sub=sub,
            lower=18,
            upper=None,
            method="verified",
            algorithm="ES256",
        ),
        "another issuer's kid on this key": age_signal(
            apple.private_key,
            google.kid,
            iss=google.name,
            sub=sub,
            lower=18,
            upper=None,
            method="verified",
        ),
        "wrong typ": apple.sign(sub, 18, None, "verified", header={"typ": "JWT"}),
        "access token typ": apple.sign(sub, 18, None, "verified", header={"typ": "at+jwt"}),
        "expired": apple.sign(sub, 18, None, "verified", iat=now - 700, exp=now - 100),
        "exp too far": apple.sign(sub, 18, None, "verified", exp=now + 601),
        "issued in the future beyond the leeway": apple.sign(
            sub, 18, None, "verified", iat=now + 120, exp=now + 400
        ),
        "bad signature": f"{head}.{tampered_body}.{signature}",
        "unknown kid": apple.sign(sub, 18, None, "verified", header={"kid": "nobody"}),
        "no kid": apple.sign(sub, 18, None, "verified", header={"kid": None}),
        "no jti": apple.sign(sub, 18, None, "verified", jti=None),
        "unknown issuer": age_signal(
            apple.private_key,
            apple.kid,
            iss="someone",
            sub=sub,
            lower=18,
            upper=None,
            method="verified",
        ),
        "garbage": "not.a.jws",
        "too long": "x" * 5000,
    }


async def test_every_forgery_is_401_with_one_log_line_and_no_secret(
    client, register, apple, google, caplog
):
    teen = await register("teen_15", 15)
    for name, forged in _forgeries(apple, google, teen.id).items():
        caplog.clear()
        response = await _send(client, forged)
        problem = expect_problem(response, 401, "invalid-signal")
        assert forged[:40] not in json.dumps(problem), name
        lines = [record.getMessage() for record in caplog.records]
        refusals = [line for line in lines if "age signal refused" in line]
        assert len(refusals) == 1, (name, lines)
        assert forged.split(".")[0][:20] not in refusals[0], name
        assert "BEGIN PUBLIC KEY" not in refusals[0], name
    # Nothing changed; nothing was written.
    me = (await teen.get("/v1/me")).json()
    assert (me["age_band"], me["age_assurance"]) == ("13-15", None)


def _without_request_id(headers: Any) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "x-request-id"}


async def test_a_forgery_is_refused_in_front_of_litestar_as_litestar_refuses_it(
    client, register, apple, google, monkeypatch
):
    """The lane (server/hot_routes.py) answers a signal that does not verify: the same status,
    headers and body, byte for byte, as the controller (a query string is Litestar's to answer,
    and this route takes no query parameter), after one signature check at most."""
    teen = await register("teen_15", 15)
    checks = _count_signature_checks(monkeypatch)
    for name, forged in _forgeries(apple, google, teen.id).items():
        checks.clear()
        in_front = await _send(client, forged)
        assert len(checks) <= 1, name
        routed = await client.post(
            "/v1/age-signals", json={"signal": forged}, params={"via": "router"}
        )
        assert (in_front.status_code, routed.status_code) == (401, 401), name
        assert _without_request_id(in_front.headers) == _without_request_id(routed.headers), name
        assert in_front.content == routed.content, name
    # A signal that verifies is checked once, in front, and applied by Litestar.
    checks.clear()
    assert (await _applied(client, apple.sign(teen.id, 16, 17, "verified")))["applied"]
    assert len(checks) == 1


def _count_signature_checks(monkeypatch) -> list[str]:
    """The keys' algorithms, one for each signature checked from now on."""
    checked: list[str] = []
    for name, check in public_keys._CHECKS.items():

        def counted(*arguments: Any, name: str = name, check: Any = check) -> bool:
            checked.append(name)
            return bool(check.verify(*arguments))

        monkeypatch.setitem(public_keys._CHECKS, name, SimpleNamespace(verify=counted))
    return checked


async def _through_the_lane(app, body: bytes, content_type: bytes = b"application/json"):
    """What the lane in front of a stand-in for Litestar answers to a POST of ``body``."""
    litestar = StandInLitestar()
    lane = RequestLog(litestar, HotRoutes(app.state.components))
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/age-signals",
        "raw_path": b"/v1/age-signals",
        "query_string": b"",
        "headers": [(b"content-type", content_type)],
    }
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await lane(scope, receive, send)
    return sent[0]["status"], litestar.scopes


async def test_only_a_signal_that_verifies_reaches_litestar(client, register, apple):
    teen = await register("teen_15", 15)
    forged = apple.sign(teen.id, 18, None, "verified", header={"kid": "nobody"})
    status, handed = await _through_the_lane(client.app, json.dumps({"signal": forged}).encode())
    assert (status, handed) == (401, [])
    # A signal that verifies goes on, its claims with it; so does a body Litestar refuses.
    signal = apple.sign(teen.id, 16, 17, "verified")
    status, handed = await _through_the_lane(client.app, json.dumps({"signal": signal}).encode())
    assert status == 299
    assert handed[0]["state"][VERIFIED_IN_FRONT][0] == signal
    for body, content_type in [
        (json.dumps({"signal": forged, "more": 1}), b"application/json"),
        (json.dumps({"signal": ""}), b"application/json"),
        (json.dumps([forged]), b"application/json"),
        ("{not json", b"application/json"),
        (json.dumps({"signal": forged}), b"text/plain"),
    ]:
        status, handed = await _through_the_lane(client.app, body.encode(), content_type)
        assert status == 299, body
        assert VERIFIED_IN_FRONT not in handed[0].get("state", {}), body


async def test_past_its_budget_of_checks_a_signal_is_503_unchecked_until_the_budget_refills(
    settings, monkeypatch
):
    """A flood of signals naming a trusted key takes at most the budget of signature checks a
    second (``age_signal_checks_per_second``): past it, 503 ``overloaded`` with ``Retry-After``
    before any check, in front of Litestar and through it alike; a signal that costs no check
    is still refused 401, and a second later signals are checked again."""
    budget = 2
    tight = settings.model_copy(update={"age_signal_checks_per_second": budget})
    async with AsyncTestClient(app=create_app(tight, hasher=CHEAP_HASHER)) as client:
        apple = await _register(
            tight, client.app, "apple-relay", Ed25519PrivateKey.generate(), "EdDSA"
        )
        born = birthdate_for_age(15).isoformat()
        account = {"handle": "teen_15", "password": PASSWORD, "birthdate": born}
        teen_id = (await client.post("/v1/accounts", json=account)).json()["id"]
        forger = Ed25519PrivateKey.generate()

        def forged() -> str:
            return age_signal(
                forger,
                apple.kid,
                iss=apple.name,
                sub=teen_id,
                lower=18,
                upper=None,
                method="verified",
            )

        checks = _count_signature_checks(monkeypatch)
        for _ in range(budget):
            expect_problem(await _send(client, forged()), 401, "invalid-signal")
        over = [
            await _send(client, forged()),
            await client.post(
                "/v1/age-signals", json={"signal": forged()}, params={"via": "router"}
            ),
            await _send(client, apple.sign(teen_id, 16, 17, "verified")),
        ]
        for answer in over:
            expect_problem(answer, 503, "overloaded")
            assert answer.headers["retry-after"] == "1"
            assert "age signals" in answer.json()["detail"]
        assert len(checks) == budget
        unknown_key = apple.sign(teen_id, 16, 17, "verified", header={"kid": "nobody"})
        expect_problem(await _send(client, unknown_key), 401, "invalid-signal")
        await asyncio.sleep(1.2 / budget)  # a token refilled
        assert (await _applied(client, apple.sign(teen_id, 16, 17, "verified")))["applied"]
        assert len(checks) == budget + 1


async def test_a_little_clock_skew_is_allowed(client, register, apple):
    teen = await register("teen_15", 15)
    now = int(time.time())
    signal = apple.sign(teen.id, 13, 15, "verified", iat=now + 10, exp=now + 310)
    assert (await _send(client, signal)).status_code == 200


async def test_a_removed_issuer_is_no_longer_trusted(
    client, register, apple, settings, monkeypatch
):
    teen = await register("teen_15", 15)
    monkeypatch.setenv("FAMILY_SAFETY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("FAMILY_SAFETY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FAMILY_SAFETY_LOG_LEVEL", "WARNING")
    assert await asyncio.to_thread(cli.main, ["issuers", "remove", "apple-relay"]) == 0
    client.app.state.components.age_issuers.forget()
    signal = apple.sign(teen.id, 13, 15, "verified")
    expect_problem(await _send(client, signal), 401, "invalid-signal")


async def test_the_issuers_command(client, settings, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FAMILY_SAFETY_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("FAMILY_SAFETY_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("FAMILY_SAFETY_LOG_LEVEL", "WARNING")
    ed = Ed25519PrivateKey.generate()
    p256 = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "ed.pub").write_bytes(_pem(ed))
    (tmp_path / "p256.pub").write_bytes(_pem(p256))
    (tmp_path / "p384.pub").write_bytes(_pem(ec.generate_private_key(ec.SECP384R1())))
    (tmp_path / "private.pem").write_bytes(
        ed.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )

    def run(*argv: str) -> int:
        return cli.main(list(argv))

    assert (
        await asyncio.to_thread(
            run, "issuers", "add", "apple", "--public-key", str(tmp_path / "ed.pub")
        )
        == 0
    )
    kid = capsys.readouterr().out.strip()
    # The kid is the RFC 7638 thumbprint: what the issuer computes from its own key.
    assert kid == _thumbprint_of(ed)
    assert (
        await asyncio.to_thread(
            run, "issuers", "add", "google", "--public-key", str(tmp_path / "p256.pub")
        )
        == 0
    )
    capsys.readouterr()
    for argv, message in (
        (("issuers", "add", "again", "--public-key", str(tmp_path / "ed.pub")), "already"),
        (("issuers", "add", "apple", "--public-key", str(tmp_path / "p256.pub")), "already"),
        (("issuers", "add", "p384", "--public-key", str(tmp_path / "p384.pub")), "P-256"),
        (("issuers", "add", "private", "--public-key", str(tmp_path / "private.pem")), "public"),
        (("issuers", "add", "missing", "--public-key", str(tmp_path / "nope.pub")), "cannot read"),
        (("issuers", "remove", "nobody"), "nobody"),
    ):
        assert await asyncio.to_thread(run, *argv) == 1
        err = capsys.readouterr().err
        assert message in err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    assert await asyncio.to_thread(run, "issuers", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [["apple", "EdDSA"], ["google", "ES256"]]
    assert listed[0].split("\t")[2] == kid


def _thumbprint_of(private_key: Ed25519PrivateKey) -> str:
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private_key.public_key()))
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def _page(client, handle: str, path: str) -> str:
    """``path`` of Family Center, as ``handle`` signed in to the pages sees it."""
    client.cookies.clear()
    first = await client.get("/family")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', first.text)
    assert csrf is not None
    form = {"_csrf_token": csrf.group(1), "handle": handle, "password": PASSWORD}
    signed_in = await client.post("/family/sign-in", data=form, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    page = await client.get(path)
    assert page.status_code == 200, page.text
    client.cookies.clear()
    return html.unescape(page.text)


async def test_the_pages_tell_the_teen_and_the_guardian_what_an_app_store_said(
    client, register, apple
):
    guardian = await register("guardian", 40)
    teen = await register("teen_16", 16, display_name="Robin")
    await pair(guardian, teen)
    teen_page = await _page(client, "teen_16", "/family/home")
    assert "An app store said" not in teen_page
    await _applied(client, apple.sign(teen.id, 13, 15, "estimated"))

    teen_page = await _page(client, "teen_16", "/family/home")
    assert "An app store said you are 13 to 15, from its own estimate." in teen_page
    assert "follow the rules for ages 13 to 15" in teen_page
    guardian_page = await _page(client, "guardian", f"/family/teens/{teen.id}")
    assert "An app store said Robin is 13 to 15, from its own estimate." in guardian_page
    assert teen.account["birthdate"] not in guardian_page


async def test_refusals_come_in_the_contracts_order(client, register, apple):
    teen = await register("teen_14", 14)
    unknown = str(uuid.uuid4())
    bad_range = {"lower": 16, "upper": 13}
    # 401 before 404: an unknown account with a bad signature says nothing of the account.
    forged = apple.sign(unknown, 13, 15, "verified", header={"kid": "nobody"})
    expect_problem(await _send(client, forged), 401, "invalid-signal")
    # 404 before 422, 422 before 409.
    signal = apple.sign(unknown, 0, 0, "verified", age_range=bad_range)
    expect_problem(await _send(client, signal), 404, "not-found")
    assert (await _send(client, apple.sign(teen.id, 13, 15, "verified", jti="x"))).is_success
    again = apple.sign(teen.id, 0, 0, "verified", jti="x", age_range=bad_range)
    expect_problem(await _send(client, again), 422, "validation")


async def test_an_adult_made_a_teen_may_be_guarded(client, register, apple):
    guardian = await register("guardian", 40)
    adult = await register("adult", 25)
    expect_problem(
        await adult.post(
            "/v1/pairings",
            json={"code": (await guardian.post("/v1/pairing-invitations", json={})).json()["code"]},
        ),
        403,
        "not-a-teen",
    )
    await _applied(client, apple.sign(adult.id, 16, 17, "verified"))
    link = await pair(guardian, adult)
    assert link["status"] == "active"
    settings = (await guardian.get(f"/v1/teens/{adult.id}/settings")).json()
    assert settings["age_band"] == "16-17"


async def test_a_signal_below_a_laws_minimum_age_holds_under_that_law(
    client, register, apple, monkeypatch
):
    @dataclass(frozen=True)
    class AustralianLaw:
        id: str = "AU-SMMA"
        title: str = "Online Safety Amendment (Social Media Minimum Age) Act 2024"
        minimum_age: int | None = 16
        countries: frozenset[str] = frozenset({"AU"})
        regions: frozenset[str] = frozenset()

        def covers(self, country: str | None, region: str | None) -> bool:
            return country in self.countries

    monkeypatch.setattr(holds, "applying_laws", lambda components, today: [AustralianLaw()])
    aussie = await register("aussie", 30, country="AU")
    assert (await aussie.get("/v1/me")).json()["held"] is None
    await _applied(client, apple.sign(aussie.id, 13, 15, "estimated"))
    held = (await aussie.get("/v1/me")).json()["held"]
    assert (held["law_id"], held["title"]) == ("AU-SMMA", AustralianLaw.title)
    expect_problem(await aussie.get("/v1/me/settings"), 403, "account-held")
