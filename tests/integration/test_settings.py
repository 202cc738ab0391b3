"""Effective settings over HTTP: the contract's table for each band, changes, locks and errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from family_safety.lib.clock import utc_now
from tests.helpers import EVERY_DAY, birthdate_for_age, daily, expect_problem


def nightly(start: str, end: str) -> list[dict]:
    return [{"days": list(EVERY_DAY), "start": start, "end": end}]


def gate(band: str) -> list[dict]:
    return [{"kind": "age_gate", "band": band}]


# The contract's table (API.md, "Ages, bands and the default policy"), written out by hand:
# key -> (value, bound or None, can_change).
CONTRACT = {
    "13-15": {
        "account.private": (True, None, True),
        "account.suggest_to_others": (False, None, True),
        "messaging.direct_messages": ("no_one", "no_one", False),
        "live.enabled": (False, False, False),
        "comments.who_can_comment": ("friends", "friends", True),
        "remix.duet_stitch": ("only_me", "only_me", False),
        "downloads.allowed": (False, False, False),
        "content.restricted_mode": (False, None, True),
        "content.keyword_filters": ([], None, True),
        "search.enabled": (True, None, True),
        "screen_time.daily_limit_minutes": (daily(60), None, True),
        "screen_time.time_away": ([], None, True),
        "notifications.quiet_hours": (nightly("21:00", "08:00"), nightly("21:00", "08:00"), True),
        "notifications.push": (True, None, True),
        "feed.autoplay": (True, None, True),
        "feed.personalised": (True, None, True),
        "messaging.read_receipts": (True, None, True),
        "messaging.group_invites": ("friends", "friends", True),
        "location.sharing": (False, False, False),
        "content.maturity": ("13+", "13+", True),
    },
    "16-17": {
        "account.private": (False, None, True),
        "account.suggest_to_others": (False, None, True),
        "messaging.direct_messages": ("no_one", None, True),
        "live.enabled": (True, None, True),
        "comments.who_can_comment": ("everyone", None, True),
        "remix.duet_stitch": ("friends", None, True),
        "downloads.allowed": (False, None, True),
        "content.restricted_mode": (False, None, True),
        "content.keyword_filters": ([], None, True),
        "search.enabled": (True, None, True),
        "screen_time.daily_limit_minutes": (daily(60), None, True),
        "screen_time.time_away": ([], None, True),
        "notifications.quiet_hours": (nightly("22:00", "08:00"), nightly("22:00", "08:00"), True),
        "notifications.push": (True, None, True),
        "feed.autoplay": (True, None, True),
        "feed.personalised": (True, None, True),
        "messaging.read_receipts": (True, None, True),
        "messaging.group_invites": ("friends", None, True),
        "location.sharing": (False, None, True),
        "content.maturity": ("13+", "13+", True),
    },
    "18+": {
        "account.private": (False, None, True),
        "account.suggest_to_others": (True, None, True),
        "messaging.direct_messages": ("everyone", None, True),
        "live.enabled": (True, None, True),
        "comments.who_can_comment": ("everyone", None, True),
        "remix.duet_stitch": ("everyone", None, True),
        "downloads.allowed": (True, None, True),
        "content.restricted_mode": (False, None, True),
        "content.keyword_filters": ([], None, True),
        "search.enabled": (True, None, True),
        "screen_time.daily_limit_minutes": (daily(None), None, True),
        "screen_time.time_away": ([], None, True),
        "notifications.quiet_hours": ([], None, True),
        "notifications.push": (True, None, True),
        "feed.autoplay": (True, None, True),
        "feed.personalised": (True, None, True),
        "messaging.read_receipts": (True, None, True),
        "messaging.group_invites": ("everyone", None, True),
        "location.sharing": (False, None, True),
        "content.maturity": ("all", None, True),
    },
}


@pytest.mark.parametrize(("age", "band"), [(14, "13-15"), (16, "16-17"), (30, "18+")])
async def test_new_accounts_get_the_contract_table_exactly(register, age, band):
    person = await register(f"person_{age}", age)
    response = await person.get("/v1/me/settings")
    assert response.status_code == 200
    body = response.json()
    assert body["account_id"] == person.id
    assert body["age_band"] == band
    assert body["policy"] == {"id": "default", "version": body["policy"]["version"], "laws": []}
    assert list(body["settings"]) == list(CONTRACT[band])
    for key, (value, bound, can_change) in CONTRACT[band].items():
        setting = body["settings"][key]
        expected_bound = None if bound is None else {"value": bound, "set_by": gate(band)}
        assert setting == {
            "value": value,
            "source": "default",
            "bound": expected_bound,
            "can_change": can_change,
        }, key


@pytest.mark.parametrize(("age", "band"), [(14, "13-15"), (16, "16-17")])
async def test_a_teen_needs_a_guardian_to_loosen_the_content_level(register, age, band):
    teen = await register(f"teen_{age}", age)
    before = await teen.get("/v1/me/settings")
    assert before.json()["settings"]["content.maturity"] == {
        "value": "13+",
        "source": "default",
        "bound": {"value": "13+", "set_by": [{"kind": "age_gate", "band": band}]},
        "can_change": True,
    }
    problem = expect_problem(
        await teen.patch("/v1/me/settings", json={"content.maturity": "all"}),
        403,
        "needs-guardian-approval",
    )
    assert "content.maturity" in problem["detail"]
    assert problem["errors"] == [
        {"field": "content.maturity", "message": "needs a guardian's approval"}
    ]
    after = await teen.get("/v1/me/settings")
    assert after.headers["etag"] == before.headers["etag"]
    stricter = await teen.patch("/v1/me/settings", json={"content.maturity": "limited"})
    assert stricter.json()["settings"]["content.maturity"]["value"] == "limited"
    # A gate refuses first: one locked key makes the whole PATCH setting-locked.
    both = {"content.maturity": "all", "location.sharing": True}
    if band == "13-15":
        expect_problem(await teen.patch("/v1/me/settings", json=both), 403, "setting-locked")


async def test_an_adult_chooses_any_content_level(register):
    adult = await register("adult_30", 30)
    changed = await adult.patch("/v1/me/settings", json={"content.maturity": "limited"})
    assert changed.json()["settings"]["content.maturity"]["source"] == "self"
    changed = await adult.patch("/v1/me/settings", json={"content.maturity": "all"})
    assert changed.json()["settings"]["content.maturity"]["value"] == "all"


@pytest.mark.parametrize(
    "change",
    [
        {"messaging.direct_messages": "everyone"},
        {"messaging.direct_messages": "friends"},
        {"live.enabled": True},
        {"comments.who_can_comment": "everyone"},
        {"downloads.allowed": True},
        {"notifications.quiet_hours": []},
    ],
)
async def test_a_14_year_old_cannot_loosen_a_gate(register, change):
    teen = await register("teen_14", 14)
    before = await teen.get("/v1/me/settings")
    problem = expect_problem(
        await teen.patch("/v1/me/settings", json=change), 403, "setting-locked"
    )
    assert "13-15" in problem["detail"]
    after = await teen.get("/v1/me/settings")
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


async def test_a_16_year_old_can_turn_on_direct_messages_and_live(register):
    teen = await register("teen_16", 16)
    response = await teen.patch(
        "/v1/me/settings", json={"messaging.direct_messages": "everyone", "live.enabled": True}
    )
    assert response.status_code == 200
    settings = response.json()["settings"]
    assert settings["messaging.direct_messages"]["value"] == "everyone"
    assert settings["messaging.direct_messages"]["source"] == "self"
    assert settings["live.enabled"] == {
        "value": True,
        "source": "self",
        "bound": None,
        "can_change": True,
    }


async def test_a_14_year_old_may_tighten_and_go_public(register):
    teen = await register("teen_14", 14)
    response = await teen.patch(
        "/v1/me/settings",
        json={
            "account.private": False,
            "comments.who_can_comment": "no_one",
            "screen_time.daily_limit_minutes": {**daily(90), "sat": None},
            "content.keyword_filters": [" Spoilers ", "spoilers", "diets"],
            "notifications.quiet_hours": nightly("20:00", "09:00"),
        },
    )
    assert response.status_code == 200, response.text
    settings = response.json()["settings"]
    assert settings["account.private"]["value"] is False
    assert settings["account.private"]["source"] == "self"
    assert settings["comments.who_can_comment"]["value"] == "no_one"
    assert settings["screen_time.daily_limit_minutes"]["value"] == {**daily(90), "sat": None}
    assert settings["content.keyword_filters"]["value"] == ["Spoilers", "diets"]
    assert settings["notifications.quiet_hours"]["source"] == "self"


async def test_bare_int_daily_limit_means_every_day(register):
    adult = await register("adult", 30)
    response = await adult.patch("/v1/me/settings", json={"screen_time.daily_limit_minutes": 45})
    assert response.json()["settings"]["screen_time.daily_limit_minutes"]["value"] == daily(45)
    response = await adult.patch("/v1/me/settings", json={"screen_time.daily_limit_minutes": None})
    assert response.json()["settings"]["screen_time.daily_limit_minutes"]["value"] == daily(None)


@pytest.mark.parametrize(
    "change",
    [
        {"no.such.key": True},
        {"account.private": None},
        {"account.private": "yes"},
        {"messaging.direct_messages": "nobody"},
        {"screen_time.daily_limit_minutes": 14},
        {"screen_time.daily_limit_minutes": 1441},
        {"screen_time.daily_limit_minutes": {"mon": 60}},
        {"content.keyword_filters": ["x" * 51]},
        {"content.keyword_filters": [f"word{n}" for n in range(201)]},
        {"screen_time.time_away": [{"days": ["mon"], "start": "10:00", "end": "10:00"}]},
        {"screen_time.time_away": [{"days": ["funday"], "start": "10:00", "end": "11:00"}]},
        {"screen_time.time_away": nightly("22:00", "07:00") * 21},
    ],
)
async def test_bad_keys_and_values_are_422_naming_the_key(register, change):
    adult = await register("adult", 30)
    problem = expect_problem(await adult.patch("/v1/me/settings", json=change), 422, "validation")
    assert [error["field"] for error in problem["errors"]] == list(change)


async def test_one_bad_key_fails_the_whole_patch_and_422_comes_before_403(register):
    teen = await register("teen_14", 14)
    before = (await teen.get("/v1/me/settings")).json()
    response = await teen.patch(
        "/v1/me/settings",
        json={"account.private": False, "live.enabled": True, "search.enabled": "off"},
    )
    problem = expect_problem(response, 422, "validation")
    assert [error["field"] for error in problem["errors"]] == ["search.enabled"]
    locked = await teen.patch(
        "/v1/me/settings", json={"account.private": False, "live.enabled": True}
    )
    expect_problem(locked, 403, "setting-locked")
    assert (await teen.get("/v1/me/settings")).json() == before


async def test_non_object_body_is_422_and_malformed_is_400(register):
    adult = await register("adult", 30)
    expect_problem(await adult.patch("/v1/me/settings", json=[1, 2]), 422, "validation")
    malformed = await adult.patch(
        "/v1/me/settings", content=b"{oops", headers={"content-type": "application/json"}
    )
    expect_problem(malformed, 400, "malformed-body")


async def test_401_comes_before_body_errors(client):
    response = await client.patch(
        "/v1/me/settings", content=b"{oops", headers={"content-type": "application/json"}
    )
    expect_problem(response, 401, "unauthorized")


async def test_etag_and_if_none_match(register):
    adult = await register("adult", 30)
    first = await adult.get("/v1/me/settings")
    etag = first.headers["etag"]
    not_modified = await adult.get("/v1/me/settings", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    changed = await adult.patch("/v1/me/settings", json={"search.enabled": False})
    assert changed.headers["etag"] != etag
    assert (await adult.get("/v1/me/settings", headers={"If-None-Match": etag})).status_code == 200


async def test_if_match_guards_a_patch(register):
    adult = await register("adult", 30)
    etag = (await adult.get("/v1/me/settings")).headers["etag"]
    ok = await adult.patch(
        "/v1/me/settings", json={"search.enabled": False}, headers={"If-Match": etag}
    )
    assert ok.status_code == 200
    stale = await adult.patch(
        "/v1/me/settings", json={"search.enabled": True}, headers={"If-Match": etag}
    )
    expect_problem(stale, 412, "precondition-failed")
    after = (await adult.get("/v1/me/settings")).json()
    assert after["settings"]["search.enabled"]["value"] is False


async def test_delete_makes_a_key_follow_the_default_again(register):
    teen = await register("teen_14", 14)
    await teen.patch("/v1/me/settings", json={"account.private": False})
    response = await teen.delete("/v1/me/settings/account.private")
    assert response.status_code == 200
    setting = response.json()["settings"]["account.private"]
    assert setting["value"] is True
    assert setting["source"] == "default"
    expect_problem(await teen.delete("/v1/me/settings/no.such.key"), 422, "validation")


async def test_unchanged_patch_keeps_the_etag(register):
    adult = await register("adult", 30)
    first = await adult.patch("/v1/me/settings", json={"search.enabled": False})
    again = await adult.patch("/v1/me/settings", json={"search.enabled": False})
    assert again.headers["etag"] == first.headers["etag"]


async def test_sixteenth_birthday_lifts_gates_but_loosens_nothing(register):
    teen = await register("teen_15", 15)
    birthday = birthdate_for_age(15)
    sixteenth = birthday.replace(year=birthday.year + 16)
    etag = (await teen.get("/v1/me/settings")).headers["etag"]
    midnight = utc_now().replace(
        year=sixteenth.year, month=sixteenth.month, day=sixteenth.day, hour=0, minute=0, second=1
    )
    with time_machine.travel(midnight - timedelta(seconds=2), tick=False):
        await teen.sign_in()
        day_before = (await teen.get("/v1/me/settings")).json()
    assert day_before["age_band"] == "13-15"
    with time_machine.travel(midnight, tick=False):
        response = await teen.get("/v1/me/settings", headers={"If-None-Match": etag})
        assert response.status_code == 200  # the band is part of the ETag
        settings = response.json()
        assert settings["age_band"] == "16-17"
        direct_messages = settings["settings"]["messaging.direct_messages"]
        assert direct_messages == {
            "value": "no_one",
            "source": "default",
            "bound": None,
            "can_change": True,
        }
        private = settings["settings"]["account.private"]
        assert private["value"] is True  # kept from the band the account started in
        assert private["source"] == "default"
        live = settings["settings"]["live.enabled"]
        assert live["value"] is False
        assert live["bound"] is None
        changed = await teen.patch("/v1/me/settings", json={"live.enabled": True})
        assert changed.json()["settings"]["live.enabled"]["value"] is True


async def test_policy_describes_bands_defaults_and_gates(client):
    policy = (await client.get("/v1/policy")).json()
    assert policy["id"] == "default"
    assert [band["name"] for band in policy["bands"]] == ["13-15", "16-17", "18+"]
    keys = [setting["key"] for setting in policy["settings"]]
    assert keys == list(CONTRACT["13-15"])
    live = next(setting for setting in policy["settings"] if setting["key"] == "live.enabled")
    assert live["defaults"] == {"13-15": False, "16-17": True, "18+": True}
    assert live["gates"]["13-15"] is False
