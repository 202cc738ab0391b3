"""Changing a profile (API.md, "Accounts and tokens"): `PATCH /v1/me` changes only the fields it
names, by the registration's rules; a new time zone moves the day at once, guardians of a teen
hear of it, and every change is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.helpers import expect_problem, pair

# Wednesday 2 December 2026, 23:30 UTC: still the 2nd in London, already the 3rd in Paris.
LATE = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(LATE, tick=False) as traveller:
        yield traveller


async def test_only_the_named_fields_change(register):
    sam = await register("sam_adult", 30, country="GB", display_name="Sam")
    response = await sam.patch("/v1/me", json={"display_name": "Sam Jones"})
    assert response.status_code == 200, response.text
    account = response.json()
    assert account["display_name"] == "Sam Jones"
    assert account["country"] == "GB"
    assert account["timezone"] == "UTC"
    assert account["birthdate"] == sam.account["birthdate"]
    assert (await sam.get("/v1/me")).json() == account

    moved = await sam.patch("/v1/me", json={"country": "us", "timezone": "America/New_York"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["country"], moved.json()["timezone"]) == ("US", "America/New_York")
    assert moved.json()["display_name"] == "Sam Jones"

    # null puts a field back to what registration gives when it is left out
    reset = await sam.patch("/v1/me", json={"display_name": None, "country": None})
    assert reset.status_code == 200, reset.text
    assert (reset.json()["display_name"], reset.json()["country"]) == ("sam_adult", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"birthdate": "2000-01-01"}, "birthdate"),
        ({"handle": "someone_else"}, "handle"),
        ({"country": "XX"}, "country"),
        ({"country": "GBR"}, "country"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "US/Eastern"}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 65}, "display_name"),
    ],
)
async def test_the_registration_rules_hold_and_nothing_changes(register, body, field):
    sam = await register("sam_adult", 30)
    before = (await sam.get("/v1/me")).json()
    problem = expect_problem(
        await sam.patch("/v1/me", json={"display_name": "Changed", **body}), 422, "validation"
    )
    assert field in {error["field"] for error in problem["errors"]}
    assert (await sam.get("/v1/me")).json() == before
    assert (await sam.get("/v1/me/audit")).json()["items"] == []


async def test_signed_out_is_401(client):
    response = await client.patch("/v1/me", json={"display_name": "x"})
    expect_problem(response, 401, "unauthorized")


async def test_every_change_is_audited_and_nothing_new_writes_nothing(register):
    sam = await register("sam_adult", 30)
    await sam.patch("/v1/me", json={"display_name": "Sam", "timezone": "Europe/London"})
    await sam.patch("/v1/me", json={"display_name": "Sam", "timezone": "Europe/London"})
    [entry] = (await sam.get("/v1/me/audit")).json()["items"]
    assert entry["action"] == "profile.changed"
    assert entry["changes"] == {
        "display_name": {"from": None, "to": None},  # names are not kept in the chain
        "timezone": {"from": "UTC", "to": "Europe/London"},
    }
    assert entry["actor"]["role"] == "self"


async def test_a_teens_guardians_hear_of_a_new_country_or_time_zone(register):
    mum = await register("jo_mum", 40)
    dad = await register("jo_dad", 42)
    teen = await register("kai_14", 14)
    await pair(mum, teen)
    await pair(dad, teen)

    async def told(guardian) -> list[dict]:
        items = (await guardian.get("/v1/me/notifications")).json()["items"]
        return [item["data"] for item in items if item["kind"] == "profile.changed"]

    await teen.patch("/v1/me", json={"display_name": "Kai"})
    assert await told(mum) == []  # a display name alone is not news for guardians

    response = await teen.patch(
        "/v1/me", json={"display_name": "Kai R", "timezone": "Europe/Paris", "country": "FR"}
    )
    assert response.status_code == 200, response.text
    for guardian in (mum, dad):
        assert await told(guardian) == [
            {
                "teen": {"id": teen.id, "handle": "kai_14", "display_name": "Kai R"},
                "fields": ["country", "timezone"],
            }
        ]


async def test_an_adult_changing_zone_tells_nobody(register):
    adult = await register("alex_adult", 30)
    mum = await register("alex_mum", 60)
    await adult.patch("/v1/me", json={"timezone": "Europe/Paris"})
    items = (await mum.get("/v1/me/notifications")).json()["items"]
    assert [item["kind"] for item in items] == []


async def test_a_new_time_zone_moves_today_and_keeps_the_minutes_used(clock, register):
    teen = await register("kai_14", 14)  # on UTC: it is 23:30 on the 2nd
    used = {
        "device_id": "phone",
        "intervals": [{"start": "2026-12-02T23:00:00Z", "end": "2026-12-02T23:20:00Z"}],
    }
    assert (await teen.post("/v1/me/screen-time/usage", json=used)).status_code == 200
    before = (await teen.get("/v1/me/screen-time")).json()
    assert (before["date"], before["timezone"], before["used_minutes"]) == (
        "2026-12-02",
        "UTC",
        20,
    )
    assert before["resets_at"] == "2026-12-03T00:00:00Z"

    changed = await teen.patch("/v1/me", json={"timezone": "Europe/Paris"})
    assert changed.status_code == 200, changed.text

    # In Paris it is already 00:30 on the 3rd: those 20 minutes were its first.
    after = (await teen.get("/v1/me/screen-time")).json()
    assert (after["date"], after["timezone"], after["used_minutes"]) == (
        "2026-12-03",
        "Europe/Paris",
        20,
    )
    assert after["resets_at"] == "2026-12-03T23:00:00Z"
    assert after["remaining_minutes"] == before["remaining_minutes"]
    # A report sent again after the change counts nothing more.
    again = await teen.post("/v1/me/screen-time/usage", json=used)
    assert again.json()["used_minutes"] == 20


async def test_time_away_answers_in_the_new_zone(clock, register):
    """A 14-year-old's time away from 23:00 to 07:00 is not on at 23:30 UTC in Los Angeles
    (15:30) but is once the account is in London."""
    teen = await register("kai_14", 14, timezone="America/Los_Angeles")
    away = {
        "screen_time.time_away": [
            {
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": "23:00",
                "end": "07:00",
            }
        ]
    }
    assert (await teen.patch("/v1/me/settings", json=away)).status_code == 200
    assert (await teen.get("/v1/me/screen-time")).json()["time_away"]["active"] is False
    await teen.patch("/v1/me", json={"timezone": "Europe/London"})
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["time_away"] == {"active": True, "until": "2026-12-03T07:00:00Z"}


async def test_a_new_country_re_resolves_the_settings(register):
    sam = await register("sam_teen", 15)
    before = await sam.get("/v1/me/settings")
    changed = await sam.patch("/v1/me", json={"country": "FR"})
    assert changed.status_code == 200, changed.text
    after = await sam.get("/v1/me/settings", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200  # not 304: a cached answer is not served for the new country
    assert after.headers["etag"] != before.headers["etag"]
    await sam.patch("/v1/me", json={"country": "FR"})  # the same country: nothing changes
    same = await sam.get("/v1/me/settings", headers={"If-None-Match": after.headers["etag"]})
    assert same.status_code == 304


async def test_a_body_that_is_not_json_or_not_an_object_is_refused(register):
    sam = await register("sam_adult", 30)
    broken = await sam.patch("/v1/me", content=b"{", headers={"Content-Type": "application/json"})
    expect_problem(broken, 400, "malformed-body")
    listed = await sam.patch("/v1/me", json=["display_name"])
    expect_problem(listed, 422, "validation")
    assert (await sam.get("/v1/me")).json()["display_name"] == "sam_adult"


async def test_a_region_lies_in_the_country_and_moves_with_it(register):
    kai = await register("kai_us", 30, country="US")
    outside = await kai.patch("/v1/me", json={"region": "GB-ENG"})
    expect_problem(outside, 422, "validation")
    assert (await kai.get("/v1/me")).json()["region"] is None  # nothing changed

    placed = await kai.patch("/v1/me", json={"region": "US-CA"})
    assert placed.status_code == 200, placed.text
    assert placed.json()["region"] == "US-CA"

    # A new country without a region names none: California does not lie in France.
    moved = await kai.patch("/v1/me", json={"country": "FR"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["country"], moved.json()["region"]) == ("FR", None)


async def test_moving_to_a_country_whose_law_sets_a_higher_minimum_age_is_refused(register):
    sam = await register("sam_uk", 15, country="GB")
    moved = await sam.patch("/v1/me", json={"country": "AU"})
    problem = expect_problem(moved, 422, "minimum-age")
    assert "Social Media Minimum Age" in problem["detail"]  # the law is named
    assert (await sam.get("/v1/me")).json()["country"] == "GB"  # nothing changed
