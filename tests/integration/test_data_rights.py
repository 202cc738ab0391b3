"""Export and erasure: the holder's own data, and nothing left behind."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.domain.audit.services import verify_all
from tests.helpers import PASSWORD, birthdate_for_age, expect_problem, invite, pair, set_limits


async def test_export_holds_everything_about_the_account(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    link = await pair(parent, teen)
    await set_limits(parent, teen.id, {"search.enabled": False})
    await teen.patch("/v1/me/settings", json={"account.private": False})
    exported = (await teen.get("/v1/me/export")).json()
    assert exported["account"]["birthdate"] == birthdate_for_age(14).isoformat()
    assert exported["settings_chosen"] == {"account.private": False}
    assert [item["id"] for item in exported["links"]] == [link["id"]]
    assert exported["links"][0]["limits"] == {"search.enabled": False}
    assert [entry["action"] for entry in exported["audit"]] == [
        "link.created",
        "limits.updated",
        "settings.changed",
    ]
    kinds = [note["kind"] for note in exported["notifications"]]
    assert kinds == ["link.created", "limits.updated"]
    parent_export = (await parent.get("/v1/me/export")).json()
    assert len(parent_export["pairing_invitations"]) == 1
    assert "birthdate" not in str(parent_export["links"])  # the teen's stays the teen's


async def test_deleting_an_account_ends_links_sessions_and_data(register, client, settings):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    await set_limits(parent, teen.id, {"content.restricted_mode": True})
    await invite(parent)
    wrong = await parent.request_delete("/v1/me", json={"password": "not the password"})
    expect_problem(wrong, 403, "wrong-password")
    assert (await parent.request_delete("/v1/me", json={"password": PASSWORD})).status_code == 204

    expect_problem(await parent.get("/v1/me"), 401, "unauthorized")
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": parent.tokens["refresh_token"]}
    )
    expect_problem(refreshed, 401, "invalid-refresh-token")
    signed_in = await client.post("/v1/auth/token", json={"handle": "parent", "password": PASSWORD})
    expect_problem(signed_in, 401, "invalid-credentials")

    notes = (await teen.get("/v1/me/notifications")).json()["items"]
    assert notes[-1]["kind"] == "link.ended"
    settings_now = (await teen.get("/v1/me/settings")).json()["settings"]
    assert settings_now["content.restricted_mode"]["value"] is True  # kept as the teen's own
    assert settings_now["content.restricted_mode"]["source"] == "self"
    audit = (await teen.get("/v1/me/audit")).json()["items"]
    assert audit[-1]["action"] == "link.ended"
    assert audit[-1]["actor"]["handle"] is None  # the erased guardian is no longer named
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            assert await verify_all(session) == []
    finally:
        await engine.dispose()
    # The handle is free again.
    again = await client.post(
        "/v1/accounts",
        json={"handle": "parent", "password": PASSWORD, "birthdate": "1980-01-01"},
    )
    assert again.status_code == 201
