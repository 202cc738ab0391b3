"""Many requests at once, from one address or many: refused early and cheaply, never a 5xx."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from family_safety.server.app import create_app
from tests.helpers import (
    CHEAP_HASHER,
    PASSWORD,
    GatedHasher,
    birthdate_for_age,
    concurrent_app_client,
    expect_problem,
    invite,
    pair,
    signed_in,
)


def _new_account(handle: str) -> dict[str, str]:
    return {"handle": handle, "password": PASSWORD, "birthdate": birthdate_for_age(30).isoformat()}


async def test_one_address_cannot_register_accounts_without_bound(settings):
    settings = settings.model_copy(update={"registrations_per_address_per_hour": 3})
    async with AsyncTestClient(app=create_app(settings, hasher=CHEAP_HASHER)) as client:
        for handle in ("first", "second"):
            assert (await client.post("/v1/accounts", json=_new_account(handle))).status_code == 201
        taken = await client.post("/v1/accounts", json=_new_account("first"))
        expect_problem(taken, 409, "handle-taken")  # counts: handles are not probed faster
        refused = await client.post("/v1/accounts", json=_new_account("third"))
        expect_problem(refused, 429, "rate-limited")
        assert 0 < int(refused.headers["retry-after"]) <= 3600
        signed_in = await client.post(
            "/v1/auth/token", json={"handle": "first", "password": PASSWORD}
        )
        assert signed_in.status_code == 200  # the accounts made stay usable


async def _sign_in(client, handle: str, password: str = PASSWORD):
    return await client.post("/v1/auth/token", json={"handle": handle, "password": password})


async def test_a_sign_in_flood_is_answered_503_overloaded_while_everyone_else_is_served(settings):
    hasher = GatedHasher(workers=1, queue=1)
    async with concurrent_app_client(create_app(settings, hasher=hasher)) as client:
        bystander = await signed_in(client, "bystander", 30)
        await signed_in(client, "target", 30)
        hasher.gate.clear()
        held = [asyncio.create_task(_sign_in(client, "target")) for _ in range(2)]
        await hasher.until_in_use(2)  # one hashing, one queued: the pool is full

        flood = await asyncio.gather(
            *(_sign_in(client, "target") for _ in range(6)),
            *(_sign_in(client, "target", "a wrong password") for _ in range(6)),
            client.post("/v1/accounts", json=_new_account("newcomer")),
            client.post(
                "/v1/me/password",
                json={"current_password": PASSWORD, "new_password": "a new long password"},
                headers=bystander,
            ),
            client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=bystander),
        )
        for answer in flood:
            expect_problem(answer, 503, "overloaded")
            assert int(answer.headers["retry-after"]) > 0

        # Those waiting for a hash hold no connection and no lock: others read and write.
        assert (await client.get("/v1/me/settings", headers=bystander)).status_code == 200
        changed = await client.patch(
            "/v1/me/settings", json={"search.enabled": False}, headers=bystander
        )
        assert changed.status_code == 200

        hasher.gate.set()
        assert [answer.status_code for answer in await asyncio.gather(*held)] == [200, 200]
        assert (await _sign_in(client, "target")).status_code == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # its one write lock
async def test_32_writers_at_once_on_the_embedded_database_all_get_an_answer(
    settings, register_concurrent, concurrent_client
):
    client, register = concurrent_client, register_concurrent
    guardians = [await register(f"guardian_{n}", 40) for n in range(4)]
    teens = [await register(f"teen_{n}", 14) for n in range(4)]
    linked_teen = await register("linked_teen", 15)
    await pair(guardians[0], linked_teen)
    invitations = [await invite(guardian) for guardian in guardians]
    everyone = [*guardians, *teens, linked_teen]

    writes = [
        *(client.post("/v1/accounts", json=_new_account(f"newcomer_{n}")) for n in range(8)),
        *(_sign_in(client, person.handle) for person in everyone[:8]),
        *(
            teen.post("/v1/pairings", json={"code": invitation["code"]})
            for teen, invitation in zip(teens, invitations, strict=True)
        ),
        *(
            guardians[0].put(
                f"/v1/teens/{linked_teen.id}/limits",
                json={"limits": {"screen_time.daily_limit_minutes": 30 + n}},
                headers={"If-Match": "*"},
            )
            for n in range(6)
        ),
        *(
            person.patch("/v1/me/settings", json={"search.enabled": n % 2 == 0})
            for n, person in enumerate([*everyone, linked_teen][:6])
        ),
    ]
    assert len(writes) == 32
    answers = await asyncio.gather(*writes)
    assert [answer.status_code for answer in answers] == [201] * 8 + [200] * 8 + [201] * 4 + [
        200
    ] * 12, [answer.text for answer in answers if answer.status_code >= 300]


def _another_writer_can_begin(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_background_work_on_the_embedded_database_holds_the_write_lock_from_its_start(
    settings,
):
    """The birthday sweep and the first request after a birthday write through sessions of
    their own: like a request's, they take SQLite's write lock when they begin, so a read that
    later writes never fails with "database is locked" because someone wrote in between."""
    path = settings.resolved_database_url.removeprefix("sqlite+aiosqlite:///")
    app = create_app(settings, hasher=CHEAP_HASHER)
    async with concurrent_app_client(app):
        async with app.state.components.sessions() as session:
            await session.execute(select(1))  # only a read so far
            assert not _another_writer_can_begin(path)
        assert _another_writer_can_begin(path)


async def test_a_shed_sign_in_is_answered_in_front_as_the_service_would_without_its_body(settings):
    """While hashing is full, the anonymous sign-in and registration are refused before Litestar
    reads them (the lane, server/hot_routes.py): the same 503 a signed-in password change gets
    from Litestar itself, whatever the body holds (it is never read)."""
    hasher = GatedHasher(workers=1, queue=0)
    async with concurrent_app_client(create_app(settings, hasher=hasher)) as client:
        bystander = await signed_in(client, "bystander", 30)
        hasher.gate.clear()
        held = asyncio.create_task(_sign_in(client, "bystander"))
        await hasher.until_in_use(1)
        from_litestar = await client.post(
            "/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a new long password"},
            headers=bystander,
        )
        shed = [
            await client.post("/v1/auth/token", content=b"\xff not even json"),
            await client.post("/v1/accounts", json=_new_account("newcomer")),
        ]
        for answer in [from_litestar, *shed]:
            expect_problem(answer, 503, "overloaded")
        for answer in shed:
            assert answer.json() == from_litestar.json()
            for header in ("content-type", "retry-after"):
                assert answer.headers[header] == from_litestar.headers[header]
            assert answer.headers["x-request-id"]
            assert set(answer.headers) == set(from_litestar.headers), answer.headers
        hasher.gate.set()
        assert (await held).status_code == 200
        # Hashing is free again: the same requests reach the service.
        assert (await _sign_in(client, "bystander")).status_code == 200
        assert (await client.post("/v1/auth/token", content=b"\xff")).status_code == 400
