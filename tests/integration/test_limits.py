"""Guardian limits and what the teen sees: the product's promise, end to end in-process."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.db.models import AuditEntry
from family_safety.domain.audit.services import verify_all
from family_safety.lib.clock import utc_now
from tests.helpers import birthdate_for_age, daily, expect_problem, invite, pair, set_limits


async def test_the_family_story(register):
    """API.md's promise, as a new family would try it."""
    parent = await register("alex_parent", 40)
    teen = await register("sam_14", 14)
    invitation = await invite(parent)
    qr = await parent.get(f"/v1/pairing-invitations/{invitation['id']}/qr.svg")
    assert qr.status_code == 200
    preview = await teen.post(
        "/v1/pairing-invitations/preview", json={"token": invitation["token"]}
    )
    assert preview.json()["guardian"]["handle"] == "alex_parent"
    link = (await teen.post("/v1/pairings", json={"token": invitation["token"]})).json()

    limits = {"screen_time.daily_limit_minutes": 45, "content.restricted_mode": True}
    response = await set_limits(parent, teen.id, limits)
    assert response.status_code == 200, response.text
    assert response.json()["limits"]["screen_time.daily_limit_minutes"] == daily(45)

    settings = (await teen.get("/v1/me/settings")).json()["settings"]
    guardian_party = [{"kind": "guardian", "guardian_id": parent.id, "handle": "alex_parent"}]
    assert settings["screen_time.daily_limit_minutes"] == {
        "value": daily(45),
        "source": "guardian",
        "bound": {"value": daily(45), "set_by": guardian_party},
        "can_change": True,
    }
    assert settings["content.restricted_mode"] == {
        "value": True,
        "source": "guardian",
        "bound": {"value": True, "set_by": guardian_party},
        "can_change": False,
    }
    locked = await teen.patch("/v1/me/settings", json={"content.restricted_mode": False})
    assert "alex_parent" in expect_problem(locked, 403, "setting-locked")["detail"]
    looser = await teen.patch("/v1/me/settings", json={"screen_time.daily_limit_minutes": 60})
    expect_problem(looser, 403, "setting-locked")
    stricter = await teen.patch("/v1/me/settings", json={"screen_time.daily_limit_minutes": 30})
    assert stricter.json()["settings"]["screen_time.daily_limit_minutes"]["source"] == "self"

    guardians = (await teen.get("/v1/me/guardians")).json()
    assert [item["link"]["id"] for item in guardians["items"]] == [link["id"]]
    assert guardians["items"][0]["limits"]["content.restricted_mode"] is True

    audit = (await teen.get("/v1/me/audit")).json()["items"]
    assert [entry["action"] for entry in audit] == [
        "link.created",
        "limits.updated",
        "settings.changed",
    ]
    assert audit[1]["actor"] == {"id": parent.id, "handle": "alex_parent", "role": "guardian"}
    assert audit[1]["changes"]["content.restricted_mode"] == {"from": None, "to": True}
    assert [entry["seq"] for entry in audit] == [1, 2, 3]

    assert (await teen.delete(f"/v1/pairings/{link['id']}")).status_code == 204
    after = (await teen.get("/v1/me/settings")).json()["settings"]
    assert after["content.restricted_mode"] == {
        "value": True,
        "source": "self",
        "bound": None,
        "can_change": True,
    }
    assert after["screen_time.daily_limit_minutes"]["value"] == daily(30)
    assert after["screen_time.daily_limit_minutes"]["source"] == "self"
    expect_problem(await parent.get(f"/v1/teens/{teen.id}/settings"), 404, "not-found")


async def test_limits_need_if_match_and_a_fresh_one(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    path = f"/v1/teens/{teen.id}/limits"
    expect_problem(
        await parent.put(path, json={"limits": {"search.enabled": False}}),
        428,
        "precondition-required",
    )
    etag = (await parent.get(path)).headers["etag"]
    first = await parent.put(
        path, json={"limits": {"search.enabled": False}}, headers={"If-Match": etag}
    )
    assert first.status_code == 200
    assert first.headers["etag"] != etag
    stale = await parent.put(path, json={"limits": {}}, headers={"If-Match": etag})
    expect_problem(stale, 412, "precondition-failed")
    assert (await parent.get(path)).json() == {"limits": {"search.enabled": False}}


@pytest.mark.parametrize(
    "limits",
    [{"no.such.key": 1}, {"live.enabled": "off"}, {"screen_time.daily_limit_minutes": 5}],
)
async def test_bad_limits_are_422(register, limits):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    problem = expect_problem(await set_limits(parent, teen.id, limits), 422, "validation")
    assert [error["field"] for error in problem["errors"]] == list(limits)


async def test_a_limit_looser_than_the_gate_is_kept_and_the_gate_wins(register):
    parent = await register("parent", 40)
    teen = await register("teen_15", 15)
    await pair(parent, teen)
    response = await set_limits(parent, teen.id, {"live.enabled": True})
    assert response.status_code == 200
    live = (await parent.get(f"/v1/teens/{teen.id}/settings")).json()["settings"]["live.enabled"]
    assert live["value"] is False
    assert live["source"] == "default"
    assert live["bound"]["set_by"] == [{"kind": "age_gate", "band": "13-15"}]
    birthday = birthdate_for_age(15)
    sixteen = utc_now().replace(year=birthday.year + 16, month=birthday.month, day=birthday.day)
    with time_machine.travel(sixteen + timedelta(hours=1), tick=False):
        await teen.sign_in()
        live = (await teen.get("/v1/me/settings")).json()["settings"]["live.enabled"]
        assert live["value"] is False  # kept from the 13-15 default: nothing loosens by itself
        assert live["bound"]["set_by"][0]["kind"] == "guardian"
        assert (await teen.patch("/v1/me/settings", json={"live.enabled": True})).status_code == 200
        notes = (await teen.get("/v1/me/notifications")).json()["items"]
        changed = [note for note in notes if note["kind"] == "band.changed"]
        assert len(changed) == 1
        assert changed[0]["data"]["from_band"] == "13-15"
        assert changed[0]["data"]["to_band"] == "16-17"
        assert "live.enabled" in changed[0]["data"]["can_now_change"]
        assert "messaging.direct_messages" in changed[0]["data"]["can_now_change"]


async def test_two_guardians_the_strictest_wins_and_ties_name_both(register):
    first = await register("first_parent", 40)
    second = await register("second_parent", 41)
    teen = await register("teen_14", 14)
    await pair(first, teen)
    await pair(second, teen)
    await set_limits(
        first, teen.id, {"screen_time.daily_limit_minutes": 45, "search.enabled": False}
    )
    await set_limits(
        second, teen.id, {"screen_time.daily_limit_minutes": 30, "search.enabled": False}
    )
    settings = (await teen.get("/v1/me/settings")).json()["settings"]
    daily_limit = settings["screen_time.daily_limit_minutes"]
    assert daily_limit["value"] == daily(30)
    assert [party["handle"] for party in daily_limit["bound"]["set_by"]] == ["second_parent"]
    search = settings["search.enabled"]["bound"]["set_by"]
    assert [party["handle"] for party in search] == ["first_parent", "second_parent"]
    notes = (await teen.get("/v1/me/notifications")).json()["items"]
    assert [n["kind"] for n in notes].count("limits.updated") == 2


async def test_teens_get_403_on_guardian_paths_and_strangers_404(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    other_teen = await register("teen_15", 15)
    stranger = await register("stranger", 40)
    await pair(parent, teen)
    for path in ("limits", "settings", "audit"):
        expect_problem(await other_teen.get(f"/v1/teens/{teen.id}/{path}"), 403, "forbidden")
        expect_problem(await stranger.get(f"/v1/teens/{teen.id}/{path}"), 404, "not-found")
        missing = "01000000-0000-7000-8000-000000000000"
        expect_problem(await stranger.get(f"/v1/teens/{missing}/{path}"), 404, "not-found")
    forbidden = await other_teen.put(
        f"/v1/teens/{teen.id}/limits",
        content=b"{oops",
        headers={"content-type": "application/json"},
    )
    expect_problem(forbidden, 403, "forbidden")


async def test_two_families_never_see_or_touch_each_other(register):
    families = []
    for name in ("a", "b"):
        parent = await register(f"parent_{name}", 40)
        teen = await register(f"teen_{name}", 14)
        link = await pair(parent, teen)
        invitation = await invite(parent)
        families.append((parent, teen, link, invitation))
    for (parent, _, _, _), (_, other_teen, other_link, other_invitation) in (
        (families[0], families[1]),
        (families[1], families[0]),
    ):
        base = f"/v1/teens/{other_teen.id}"
        attempts = [
            await parent.get(f"{base}/limits"),
            await parent.put(f"{base}/limits", json={"limits": {}}, headers={"If-Match": "*"}),
            await parent.get(f"{base}/settings"),
            await parent.get(f"{base}/audit"),
            await parent.delete(f"/v1/pairings/{other_link['id']}"),
            await parent.get(f"/v1/pairing-invitations/{other_invitation['id']}/qr.svg"),
            await parent.delete(f"/v1/pairing-invitations/{other_invitation['id']}"),
        ]
        for response in attempts:
            expect_problem(response, 404, "not-found")
        listed = (await parent.get("/v1/pairings")).json()["items"]
        assert other_link["id"] not in [item["id"] for item in listed]
    for _, teen, link, _ in families:
        listed = (await teen.get("/v1/pairings")).json()["items"]
        assert [item["id"] for item in listed] == [link["id"]]
        assert (await teen.get("/v1/me/audit")).json()["items"][-1]["action"] == "link.created"


async def test_the_18th_birthday_ends_links_and_keeps_values(register):
    parent = await register("parent", 40)
    teen = await register("teen_17", 17)
    link = await pair(parent, teen)
    await set_limits(parent, teen.id, {"content.restricted_mode": True})
    birthday = birthdate_for_age(17)
    eighteen = utc_now().replace(year=birthday.year + 18, month=birthday.month, day=birthday.day)
    with time_machine.travel(eighteen.replace(hour=0, minute=0, second=1), tick=False):
        await parent.sign_in()
        await teen.sign_in()
        expect_problem(await parent.get(f"/v1/teens/{teen.id}/settings"), 404, "not-found")
        settings = (await teen.get("/v1/me/settings")).json()
        assert settings["age_band"] == "18+"
        restricted = settings["settings"]["content.restricted_mode"]
        assert restricted == {"value": True, "source": "self", "bound": None, "can_change": True}
        listed = (await teen.get("/v1/pairings")).json()["items"]
        assert [(item["id"], item["status"]) for item in listed] == [(link["id"], "ended_at_18")]
        for person in (parent, teen):
            kinds = [n["kind"] for n in (await person.get("/v1/me/notifications")).json()["items"]]
            assert kinds.count("link.ended_at_18") == 1
        assert (await teen.get("/v1/me/guardians")).json()["items"] == []
        audit = (await teen.get("/v1/me/audit")).json()["items"]
        assert audit[-1]["action"] == "link.ended_at_18"
        assert audit[-1]["actor"]["role"] == "system"


async def test_an_ended_link_stops_access_with_the_same_token(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    link = await pair(parent, teen)
    assert (await parent.get(f"/v1/teens/{teen.id}/settings")).status_code == 200
    await teen.delete(f"/v1/pairings/{link['id']}")
    expect_problem(await parent.get(f"/v1/teens/{teen.id}/settings"), 404, "not-found")


async def test_audit_chain_verifies_and_detects_tampering(register, settings):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    await pair(parent, teen)
    await set_limits(parent, teen.id, {"search.enabled": False})
    await teen.patch("/v1/me/settings", json={"account.private": False})
    guardian_view = (await parent.get(f"/v1/teens/{teen.id}/audit")).json()["items"]
    assert [entry["seq"] for entry in guardian_view] == [1, 2, 3]
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            assert await verify_all(session) == []
            await session.execute(
                update(AuditEntry)
                .where(AuditEntry.seq == 2)
                .values(changes={"search.enabled": {"from": None, "to": True}})
            )
            await session.commit()
            broken = await verify_all(session)
            assert [(str(entry.account_id), entry.seq) for entry in broken] == [(teen.id, 2)]
    finally:
        await engine.dispose()
