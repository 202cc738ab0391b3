"""Minimum ages by law (API.md, Laws): registration below a law's minimum age is refused naming
the law, and an account that falls below one is held, not deleted, until it meets the age or
the law stops applying.

Which laws apply is read through one seam (``ages.holds.applying_laws``); the ``laws`` fixture
sets it to an Australian law of minimum age 16 while ``laws.applying`` is true."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from family_safety.db.engine import create_engine
from family_safety.domain.ages import holds
from family_safety.domain.safety import services as safety_services
from family_safety.lib.clock import utc_now
from tests.helpers import PASSWORD, birthdate_for_age, expect_problem, pair

TITLE = "Online Safety Amendment (Social Media Minimum Age) Act 2024"


@dataclass(frozen=True)
class FakeLaw:
    id: str = "AU-SMMA"
    title: str = TITLE
    minimum_age: int | None = 16
    countries: frozenset[str] = frozenset({"AU"})
    regions: frozenset[str] = frozenset()

    def covers(self, country: str | None, region: str | None) -> bool:
        return country in self.countries or region in self.regions


@dataclass
class Laws:
    applying: bool = True
    law: FakeLaw = field(default_factory=FakeLaw)


@pytest.fixture
def laws(monkeypatch):
    state = Laws()
    monkeypatch.setattr(
        holds, "applying_laws", lambda components, today: [state.law] if state.applying else []
    )
    return state


async def test_registering_below_a_laws_minimum_age_is_refused_naming_the_law(laws, client):
    body = {"handle": "young_aussie", "password": "correct horse battery", "country": "AU"}
    refused = await client.post(
        "/v1/accounts", json={**body, "birthdate": birthdate_for_age(15).isoformat()}
    )
    problem = expect_problem(refused, 422, "minimum-age")
    assert TITLE in problem["detail"]
    assert problem["errors"] == [{"field": "birthdate", "message": "under 16"}]
    # Elsewhere, or old enough, or once the law no longer applies: welcome.
    for handle, age, country in (("young_german", 15, "DE"), ("aussie_16", 16, "AU")):
        made = await client.post(
            "/v1/accounts",
            json={
                **body,
                "handle": handle,
                "country": country,
                "birthdate": birthdate_for_age(age).isoformat(),
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["held"] is None
    laws.applying = False
    made = await client.post(
        "/v1/accounts", json={**body, "birthdate": birthdate_for_age(15).isoformat()}
    )
    assert made.status_code == 201, made.text


@pytest.fixture
async def held_family(laws, register):
    """A 15-year-old in Australia, registered before the law applied, linked to a parent; then
    the law applies."""
    laws.applying = False
    parent = await register("parent_au", 44, country="AU")
    teen = await register("teen_au", 15, country="AU")
    await pair(parent, teen)
    laws.applying = True
    return parent, teen


async def _kinds(person) -> list[str]:
    return [n["kind"] for n in (await person.get("/v1/me/notifications")).json()["items"]]


async def test_a_held_account_keeps_its_profile_export_and_erasure_only(held_family, laws):
    parent, teen = held_family
    me = await teen.get("/v1/me")
    assert me.status_code == 200, me.text
    hold = me.json()["held"]
    assert (hold["law_id"], hold["title"]) == ("AU-SMMA", TITLE)
    assert hold["since"]
    for method, path in (
        ("GET", "/v1/me/settings"),
        ("GET", "/v1/me/screen-time"),
        ("PATCH", "/v1/me/settings"),
        ("GET", "/v1/me/notifications"),
        ("GET", "/v1/me/guardians"),
        ("POST", "/v1/me/time-requests"),
    ):
        response = await teen.client.request(method, path, headers=teen.headers, json={})
        problem = expect_problem(response, 403, "account-held")
        assert TITLE in problem["detail"], (method, path)
    assert (await teen.get("/v1/me/export")).status_code == 200
    assert (await teen.get("/v1/safety/resources")).status_code == 200
    await teen.sign_in()  # signing in still works
    assert "account.held" in await _kinds(parent)
    # The parent is not held, and still sees the teen.
    assert (await parent.get("/v1/me")).json()["held"] is None
    assert (await parent.get(f"/v1/teens/{teen.id}/settings")).status_code == 200
    # Holding never deletes: the holder may delete.
    deleted = await teen.client.request(
        "DELETE",
        "/v1/me",
        headers=teen.headers,
        json={"password": "correct horse battery"},
    )
    assert deleted.status_code in (202, 204), deleted.text


async def test_the_hold_lifts_when_the_law_stops_applying(held_family, laws):
    parent, teen = held_family
    assert (await teen.get("/v1/me")).json()["held"] is not None
    laws.applying = False
    assert (await teen.get("/v1/me")).json()["held"] is None
    assert (await teen.get("/v1/me/settings")).status_code == 200
    kinds = await _kinds(teen)
    assert "account.held" in kinds
    assert "account.released" in kinds
    assert "account.released" in await _kinds(parent)
    actions = [e["action"] for e in (await teen.get("/v1/me/audit")).json()["items"]]
    assert actions.count("account.held") == 1
    assert actions.count("account.released") == 1


async def test_the_hold_lifts_on_the_birthday(held_family, laws):
    _, teen = held_family
    assert (await teen.get("/v1/me")).json()["held"] is not None
    birthday = birthdate_for_age(15)
    sixteen = birthday.replace(year=birthday.year + 16)
    midnight = datetime(sixteen.year, sixteen.month, sixteen.day, tzinfo=UTC)
    with time_machine.travel(midnight - timedelta(minutes=1), tick=False) as clock:
        await teen.sign_in()
        expect_problem(await teen.get("/v1/me/settings"), 403, "account-held")
        clock.move_to(midnight + timedelta(seconds=1))
        await teen.sign_in()
        assert (await teen.get("/v1/me/settings")).status_code == 200
        assert (await teen.get("/v1/me")).json()["held"] is None
        assert "account.released" in await _kinds(teen)


async def test_the_sweep_holds_and_releases_accounts_never_served(laws, register, settings):
    laws.applying = False
    teen = await register("teen_sweep", 14, country="AU")
    adult = await register("adult_sweep", 30, country="AU")
    german = await register("teen_de", 14, country="DE")
    engine = create_engine(settings)  # the sweep's own, as another instance's would be
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        assert await holds.review_holds(sessions, [laws.law], utc_now()) == (1, 0)
        assert await holds.review_holds(sessions, [laws.law], utc_now()) == (0, 0)
        laws.applying = True
        held = (await teen.get("/v1/me")).json()["held"]
        assert held["law_id"] == "AU-SMMA"
        for person in (adult, german):
            assert (await person.get("/v1/me/settings")).status_code == 200
        assert await holds.review_holds(sessions, [], utc_now()) == (0, 1)
    finally:
        await engine.dispose()
    laws.applying = False
    assert (await teen.get("/v1/me")).json()["held"] is None
    kinds = await _kinds(teen)
    assert "account.held" in kinds
    assert "account.released" in kinds


async def test_a_held_teen_sees_a_page_explaining_the_hold(held_family, client):
    _, teen = held_family
    client.cookies.clear()
    first = await client.get("/family")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', first.text).group(1)
    signed_in = await client.post(
        "/family/sign-in",
        data={"_csrf_token": csrf, "handle": teen.handle, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    home = await client.get("/family/home")
    assert home.status_code == 403
    assert "Your account is on hold" in home.text
    assert TITLE in home.text
    assert 'href="/family/help"' in home.text
    assert (await client.get("/family/help")).status_code == 200


async def _grant_staff(settings, handle: str) -> None:
    """What `family-safety roles grant` does, from within a running test."""
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, handle, "staff", utc_now())
    finally:
        await engine.dispose()


async def test_the_shipped_law_and_its_status_hold_and_release(client, register, settings):
    """No seam here: the shipped AU-SMMA, in force since 2025-12-10, and staff changing it."""
    body = {"password": PASSWORD, "country": "AU", "birthdate": birthdate_for_age(15).isoformat()}
    refused = await client.post("/v1/accounts", json={**body, "handle": "aussie_15"})
    assert TITLE in expect_problem(refused, 422, "minimum-age")["detail"]
    staff = await register("staff_member", 35)
    await _grant_staff(settings, staff.handle)

    async def set_status(status: str) -> None:
        changed = await staff.patch(
            "/v1/laws/AU-SMMA", json={"status": status, "note": "court order"}
        )
        assert changed.status_code == 200, changed.text

    await set_status("enjoined")
    teen = await register("aussie_15", 15, country="AU")
    parent = await register("parent_15", 45, country="AU")
    await pair(parent, teen)
    assert (await teen.get("/v1/me/settings")).status_code == 200
    await set_status("in_force")
    # The next request of the teen, on any path, meets the hold at once.
    expect_problem(await teen.get("/v1/me/settings"), 403, "account-held")
    assert (await teen.get("/v1/me")).json()["held"]["law_id"] == "AU-SMMA"
    assert "account.held" in await _kinds(parent)
    await set_status("enjoined")
    assert (await teen.get("/v1/me/settings")).status_code == 200
    assert "account.released" in await _kinds(parent)
