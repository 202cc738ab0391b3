"""Laws over HTTP: the list, accounts' regions, each law's effect per band on accounts where it
applies (DE, GB, US-CA, US-NY, US-VA, AU), and the staff's status change re-resolving them."""

from __future__ import annotations

import pytest

from tests.helpers import expect_problem, grant_role

EU = "DSA art. 28 guidelines on the protection of minors"
QUIET_AT_NIGHT = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}


def law_of(law_id: str, title: str) -> dict[str, str]:
    return {"law_id": law_id, "title": title}


async def settings_of(person) -> dict:
    response = await person.get("/v1/me/settings")
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_laws_are_listed_with_their_status_and_rules(client):
    page = (await client.get("/v1/laws")).json()
    assert [law["id"] for law in page["items"]] == [
        "AU-SMMA",
        "EU-DSA-28",
        "GB-OSA-CHILDREN",
        "US-CA-SB976",
        "US-CA-SB976-NOTIFICATIONS",
        "US-NY-SAFE",
        "US-VA-SB854",
    ]
    assert page["next_cursor"] is None
    applies = {law["id"]: (law["status"], law["applies_now"]) for law in page["items"]}
    assert applies["US-NY-SAFE"] == ("proposed", False)
    assert applies["US-VA-SB854"] == ("enjoined", False)
    assert applies["US-CA-SB976-NOTIFICATIONS"] == ("enjoined", False)
    assert applies["EU-DSA-28"] == ("in_force", True)
    eu = (await client.get("/v1/laws/EU-DSA-28")).json()
    assert eu["title"] == EU
    assert eu["citation"].startswith("https://")
    assert len(eu["countries"]) == 27
    assert {"key": "downloads.allowed", "band": "13-15", "gate": False} in eu["rules"]
    assert {"key": "notifications.push", "band": "16-17", "default": False} in eu["rules"]
    au = (await client.get("/v1/laws/AU-SMMA")).json()
    assert (au["minimum_age"], au["rules"], au["effective_from"]) == (16, [], "2025-12-10")
    expect_problem(await client.get("/v1/laws/XX-NOPE"), 404, "not-found")


async def test_the_list_is_a_page(client):
    first = (await client.get("/v1/laws", params={"limit": 3})).json()
    assert len(first["items"]) == 3
    rest = (
        await client.get("/v1/laws", params={"limit": 10, "cursor": first["next_cursor"]})
    ).json()
    assert rest["items"][0]["id"] == "US-CA-SB976"
    assert len(first["items"]) + len(rest["items"]) == 7
    expect_problem(await client.get("/v1/laws", params={"cursor": "forged"}), 422, "validation")


async def test_a_region_must_lie_in_the_country(register, client):
    teen = await register("cal_teen", 14, country="US", region="us-ca")
    assert teen.account["region"] == "US-CA"
    assert (await teen.get("/v1/me")).json()["region"] == "US-CA"
    body = {"handle": "lost_teen", "password": "long enough pw", "birthdate": "2011-01-01"}
    for extra in ({"country": "GB", "region": "US-CA"}, {"region": "US-CA"}):
        problem = expect_problem(
            await client.post("/v1/accounts", json={**body, **extra}), 422, "validation"
        )
        assert problem["errors"][0]["field"] == "region"
    problem = expect_problem(
        await client.post("/v1/accounts", json={**body, "country": "US", "region": "California"}),
        422,
        "validation",
    )
    assert problem["errors"][0]["field"] == "region"
    taken = await client.post("/v1/accounts", json={**body, "country": "US", "region": "US-NY"})
    assert taken.status_code == 201  # the refused ones wrote nothing


@pytest.mark.parametrize(("age", "band"), [(14, "13-15"), (16, "16-17")])
async def test_eu_dsa_28_in_germany(register, age, band):
    teen = await register(f"de_{age}", age, country="DE")
    answer = await settings_of(teen)
    assert answer["policy"]["laws"] == ["EU-DSA-28"]
    settings = answer["settings"]
    for key in ("notifications.push", "feed.autoplay", "messaging.read_receipts"):
        assert settings[key]["value"] is False, key
        assert settings[key]["source"] == "law"
        assert settings[key]["law"] == law_of("EU-DSA-28", EU)
    assert settings["messaging.group_invites"]["value"] == "no_one"
    assert settings["account.private"]["value"] is True
    sharing = settings["location.sharing"]
    assert {"kind": "law", "law_id": "EU-DSA-28", "title": EU} in sharing["bound"]["set_by"]
    problem = expect_problem(
        await teen.patch("/v1/me/settings", json={"location.sharing": True}), 403, "setting-locked"
    )
    assert EU in problem["detail"]
    # A default is no bound: the holder may turn push notifications back on.
    push = await teen.patch("/v1/me/settings", json={"notifications.push": True})
    assert push.json()["settings"]["notifications.push"]["source"] == "self"


async def test_eu_dsa_28_leaves_german_adults_alone(register):
    adult = await register("de_adult", 30, country="DE")
    answer = await settings_of(adult)
    assert answer["policy"]["laws"] == ["EU-DSA-28"]
    assert answer["settings"]["notifications.push"] == {
        "value": True,
        "source": "default",
        "bound": None,
        "can_change": True,
    }


@pytest.mark.parametrize("age", [14, 16])
async def test_the_uk_children_codes(register, age):
    teen = await register(f"gb_{age}", age, country="GB")
    settings = (await settings_of(teen))["settings"]
    suggest = settings["account.suggest_to_others"]
    assert suggest["can_change"] is False
    assert suggest["bound"]["set_by"] == [
        {
            "kind": "law",
            "law_id": "GB-OSA-CHILDREN",
            "title": "Online Safety Act, Protection of Children Codes",
        }
    ]
    expect_problem(
        await teen.patch("/v1/me/settings", json={"messaging.group_invites": "everyone"}),
        403,
        "setting-locked",
    )


@pytest.mark.parametrize("age", [14, 16])
async def test_california_feeds_need_a_guardian(register, age):
    teen = await register(f"ca_{age}", age, country="US", region="US-CA")
    answer = await settings_of(teen)
    assert answer["policy"]["laws"] == ["US-CA-SB976"]  # the notification hours are enjoined
    feed = answer["settings"]["feed.personalised"]
    assert (feed["value"], feed["source"]) == (False, "law")
    problem = expect_problem(
        await teen.patch("/v1/me/settings", json={"feed.personalised": True}),
        403,
        "needs-guardian-approval",
    )
    assert "Protecting Our Kids from Social Media Addiction Act (feeds)" in problem["detail"]
    quiet = answer["settings"]["notifications.quiet_hours"]
    assert all(party["kind"] == "age_gate" for party in quiet["bound"]["set_by"])


async def test_california_adults_choose_their_feed(register):
    adult = await register("ca_adult", 30, country="US", region="US-CA")
    changed = await adult.patch("/v1/me/settings", json={"feed.personalised": False})
    assert changed.status_code == 200
    assert (await settings_of(adult))["policy"]["laws"] == ["US-CA-SB976"]


@pytest.mark.parametrize(
    ("region", "age"), [("US-NY", 14), ("US-NY", 16), ("US-VA", 14), ("US-VA", 16)]
)
async def test_proposed_and_enjoined_laws_apply_nothing(register, region, age):
    teen = await register(f"{region[-2:].lower()}_{age}", age, country="US", region=region)
    plain = await register(f"us_{age}", age, country="US")
    answer, baseline = await settings_of(teen), await settings_of(plain)
    assert answer["policy"]["laws"] == []
    assert answer["settings"] == baseline["settings"]


@pytest.mark.parametrize("age", [16, 17])
async def test_australia_applies_a_minimum_age_and_no_rules(register, age):
    teen = await register(f"au_{age}", age, country="AU")
    plain = await register(f"nz_{age}", age, country="NZ")
    answer = await settings_of(teen)
    assert answer["policy"]["laws"] == ["AU-SMMA"]
    assert answer["settings"] == (await settings_of(plain))["settings"]


async def test_staff_change_a_status_and_every_account_re_resolves(register, client, settings):
    teen = await register("ny_teen", 14, country="US", region="US-NY")
    german = await register("de_teen", 14, country="DE")
    staff = await register("staff_1", 30)
    await grant_role(settings, "staff_1", "staff")
    before, german_before = await teen.get("/v1/me/settings"), await german.get("/v1/me/settings")
    assert before.json()["settings"]["feed.personalised"]["value"] is True

    change = {"status": "in_force", "note": "Signed into law"}
    expect_problem(await teen.patch("/v1/laws/US-NY-SAFE", json=change), 403, "forbidden")
    expect_problem(await staff.patch("/v1/laws/XX-NOPE", json=change), 404, "not-found")
    bad = {"status": "repealed", "note": "x"}
    expect_problem(await staff.patch("/v1/laws/US-NY-SAFE", json=bad), 422, "validation")
    nothing = {"status": "in_force", "note": ""}
    expect_problem(await staff.patch("/v1/laws/US-NY-SAFE", json=nothing), 422, "validation")
    assert (await client.get("/v1/laws/US-NY-SAFE")).json()["status"] == "proposed"

    changed = await staff.patch("/v1/laws/US-NY-SAFE", json=change)
    assert changed.status_code == 200, changed.text
    law = changed.json()
    assert (law["status"], law["applies_now"], law["status_note"]) == (
        "in_force",
        True,
        "Signed into law",
    )
    assert (await client.get("/v1/laws/US-NY-SAFE")).json()["status"] == "in_force"

    after = await teen.get("/v1/me/settings", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200  # the laws applied are part of the ETag
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["policy"]["laws"] == ["US-NY-SAFE"]
    feed = after.json()["settings"]["feed.personalised"]
    assert (feed["value"], feed["source"], feed["law"]["law_id"]) == (False, "law", "US-NY-SAFE")
    quiet = after.json()["settings"]["notifications.quiet_hours"]
    assert {"kind": "law", "law_id": "US-NY-SAFE", "title": "SAFE for Kids Act"} in quiet["bound"][
        "set_by"
    ]
    # An account the law does not touch keeps its answer and its ETag.
    unchanged = await german.get(
        "/v1/me/settings", headers={"If-None-Match": german_before.headers["etag"]}
    )
    assert unchanged.status_code == 304

    audit = (await staff.get("/v1/me/audit")).json()["items"]
    assert audit[-1]["action"] == "law.status_changed"
    assert audit[-1]["changes"]["US-NY-SAFE.status"] == {"from": "proposed", "to": "in_force"}

    enjoined = {"status": "enjoined", "note": "Court order"}
    assert (await staff.patch("/v1/laws/US-NY-SAFE", json=enjoined)).status_code == 200
    again = await teen.get("/v1/me/settings")
    assert again.json()["policy"]["laws"] == []
    assert again.json()["settings"]["feed.personalised"]["value"] is True
    assert again.headers["etag"] == before.headers["etag"]
