"""Several instances, or workers: nothing one caches is ever served stale after another wrote."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import requires_postgres
from tests.e2e.conftest import start_server
from tests.helpers import family

pytestmark = pytest.mark.e2e


async def _scenario(first_url: str, second_url: str) -> None:
    async with (
        httpx.AsyncClient(base_url=first_url, timeout=30) as first,
        httpx.AsyncClient(base_url=second_url, timeout=30) as second,
    ):
        guardian, teen, teen_id = await family(first)
        # Warm both instances' caches.
        for client in (first, second, first, second):
            assert (await client.get("/v1/me/settings", headers=teen)).status_code == 200
        before = await second.get("/v1/me/settings", headers=teen)
        etag = before.headers["etag"]
        assert before.json()["settings"]["content.restricted_mode"]["value"] is False

        changed = await first.put(
            f"/v1/teens/{teen_id}/limits",
            json={"limits": {"content.restricted_mode": True}},
            headers={**guardian, "If-Match": "*"},
        )
        assert changed.status_code == 200
        after = await second.get("/v1/me/settings", headers={**teen, "If-None-Match": etag})
        assert after.status_code == 200  # not 304: the very next request sees the change
        assert after.headers["etag"] != etag
        restricted = after.json()["settings"]["content.restricted_mode"]
        assert restricted["value"] is True
        assert restricted["source"] == "guardian"

        for client in (first, second):
            assert (await client.get(f"/v1/teens/{teen_id}/settings", headers=guardian)).is_success
        link_id = (await first.get("/v1/pairings", headers=teen)).json()["items"][0]["id"]
        assert (await second.delete(f"/v1/pairings/{link_id}", headers=teen)).status_code == 204
        for client in (first, second):
            response = await client.get(f"/v1/teens/{teen_id}/settings", headers=guardian)
            assert response.status_code == 404


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_change_through_one_instance_is_seen_through_the_other_at_once(
    database_url, tmp_path, servers
):
    env = {"FAMILY_SAFETY_DATABASE_URL": database_url, "FAMILY_SAFETY_DATA_DIR": str(tmp_path)}
    first = start_server(env, tmp_path / "first.log")
    servers.append(first)
    second = start_server(env, tmp_path / "second.log")
    servers.append(second)
    asyncio.run(_scenario(first.base_url, second.base_url))


def test_workers_serve_on_the_embedded_default(tmp_path, servers):
    server = start_server(
        {"FAMILY_SAFETY_DATA_DIR": str(tmp_path)}, tmp_path / "w.log", "--workers", "2"
    )
    servers.append(server)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            _, teen, _ = await family(client)
            for _ in range(10):
                assert (await client.get("/v1/me/settings", headers=teen)).status_code == 200

    asyncio.run(scenario())
    assert server.stop() == 0
