"""`GET /v1/me/events` on a real server: a device hears its changes without polling, resumes
after a reconnect, and the stream ends with its sign-in session."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, family

pytestmark = pytest.mark.e2e


async def _next_event(lines, wanted: str) -> dict[str, str]:
    """The fields of the next event named ``wanted`` (other events and comments are skipped)."""
    fields: dict[str, str] = {}
    async for line in lines:
        if not line:
            if fields.get("event") == wanted:
                return fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError(f"the stream ended before {wanted}")


def test_a_device_hears_changes_resumes_and_is_let_go_at_logout(tmp_path, servers):
    server = start_server({"FAMILY_SAFETY_DATA_DIR": str(tmp_path)}, tmp_path / "events.log")
    servers.append(server)

    async def scenario() -> None:
        async with (
            httpx.AsyncClient(base_url=server.base_url, timeout=10) as client,
            httpx.AsyncClient(base_url=server.base_url, timeout=10) as device,
        ):
            guardian, teen, teen_id = await family(client)
            async with device.stream("GET", "/v1/me/events", headers=teen) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                changed = await client.put(
                    f"/v1/teens/{teen_id}/limits",
                    json={"limits": {"content.restricted_mode": True}},
                    headers={**guardian, "If-Match": "*"},
                )
                assert changed.status_code == 200
                settings = await asyncio.wait_for(_next_event(lines, "settings.changed"), 5)
                fresh = await client.get("/v1/me/settings", headers=teen)
                assert json.loads(settings["data"]) == {"etag": fresh.headers["etag"]}
                noted = await asyncio.wait_for(_next_event(lines, "notification.created"), 5)
                last_id = noted["id"]

            # Reconnecting with the last id replays what came after it, and only that.
            patched = await client.patch(
                "/v1/me/settings", json={"search.enabled": False}, headers=teen
            )
            assert patched.status_code == 200
            resumed_headers = {**teen, "Last-Event-ID": last_id}
            async with device.stream("GET", "/v1/me/events", headers=resumed_headers) as stream:
                lines = stream.aiter_lines()
                replayed = await asyncio.wait_for(_next_event(lines, "settings.changed"), 5)
                assert json.loads(replayed["data"]) == {"etag": patched.headers["etag"]}

            # An id this instance does not know: read everything again.
            unknown = {**teen, "Last-Event-ID": "0000-1"}
            async with device.stream("GET", "/v1/me/events", headers=unknown) as stream:
                lines = stream.aiter_lines()
                await asyncio.wait_for(_next_event(lines, "reset"), 5)

            # A logout ends the stream of that session.
            signed_in = await client.post(
                "/v1/auth/token", json={"handle": "teen", "password": PASSWORD}
            )
            pair = signed_in.json()
            headers = {"Authorization": f"Bearer {pair['access_token']}"}
            async with device.stream("GET", "/v1/me/events", headers=headers) as stream:
                lines = stream.aiter_lines()
                logout = await client.post(
                    "/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}
                )
                assert logout.status_code == 204

                async def drained() -> None:
                    async for _ in lines:
                        pass

                await asyncio.wait_for(drained(), 5)  # the server closed the stream

            assert (await device.get("/v1/me/events")).status_code == 401

    asyncio.run(scenario())
