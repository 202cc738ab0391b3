"""Thirty teens redeem one invitation at the same moment against a real server on PostgreSQL:
exactly one link, one audit entry, and 29 answers of 409 invitation-used."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.db.models import AuditEntry, GuardianLink
from family_safety.lib.config import Settings
from tests.conftest import requires_postgres
from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, birthdate_for_age

pytestmark = [pytest.mark.e2e, requires_postgres]

TEENS = 30


async def _account(client: httpx.AsyncClient, handle: str, age: int) -> dict[str, str]:
    body = {"handle": handle, "password": PASSWORD, "birthdate": birthdate_for_age(age).isoformat()}
    assert (await client.post("/v1/accounts", json=body)).status_code == 201
    signed_in = await client.post("/v1/auth/token", json={"handle": handle, "password": PASSWORD})
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def _race(base_url: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=TEENS + 5)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        guardian = await _account(client, "guardian", 40)
        teens = [await _account(client, f"teen_{n}", 14) for n in range(TEENS)]
        invitation = (
            await client.post("/v1/pairing-invitations", json={}, headers=guardian)
        ).json()
        proof = {"code": invitation["code"]}
        return list(
            await asyncio.gather(
                *(client.post("/v1/pairings", json=proof, headers=teen) for teen in teens)
            )
        )


async def _count(database_url: str) -> tuple[int, int]:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with AsyncSession(engine) as session:
            links = await session.scalar(select(func.count()).select_from(GuardianLink))
            created = await session.scalar(
                select(func.count()).where(AuditEntry.action == "link.created")
            )
            return links, created
    finally:
        await engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_thirty_simultaneous_redemptions_link_exactly_once(database_url, tmp_path, servers):
    env = {
        "FAMILY_SAFETY_DATABASE_URL": database_url,
        "FAMILY_SAFETY_DATA_DIR": str(tmp_path),
        # Every account here is registered from this one address.
        "FAMILY_SAFETY_REGISTRATIONS_PER_ADDRESS_PER_HOUR": str(TEENS + 1),
    }
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    responses = asyncio.run(_race(server.base_url))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (TEENS - 1), server.log()[-2000:]
    slugs = {r.json()["type"].rsplit("/", 1)[-1] for r in responses if r.status_code == 409}
    assert slugs == {"invitation-used"}
    assert asyncio.run(_count(database_url)) == (1, 1)
