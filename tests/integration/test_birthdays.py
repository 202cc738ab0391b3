"""The 18th birthday ends a link whatever route is called first, and each route family sees it
(the clock is moved to just after midnight on the birthday)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db.engine import create_engine
from family_safety.domain.ages import birthdays
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.clock import utc_now, utc_today
from tests.helpers import birthdate_for_age, expect_problem, invite, pair, set_limits


@contextmanager
def on_the_18th_birthday():
    birthday = birthdate_for_age(17)
    eighteen = birthday.replace(year=birthday.year + 18)
    with time_machine.travel(
        datetime(eighteen.year, eighteen.month, eighteen.day, 0, 0, 1, tzinfo=UTC), tick=False
    ):
        yield


@pytest.fixture
async def family(register):
    """A guardian bounding a 17-year-old's restricted mode, the day before the birthday."""
    parent = await register("parent", 40)
    teen = await register("teen_17", 17)
    link = await pair(parent, teen)
    assert (await set_limits(parent, teen.id, {"content.restricted_mode": True})).status_code == 200
    return parent, teen, link


async def _sign_in_both(parent, teen) -> None:
    # Access tokens of the day before have expired; signing in serves no route of interest.
    await parent.sign_in()
    await teen.sign_in()


async def test_a_patch_first_after_the_birthday_is_not_locked_by_the_ex_guardian(family):
    parent, teen, _ = family
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        response = await teen.patch("/v1/me/settings", json={"content.restricted_mode": False})
        assert response.status_code == 200, response.text
        restricted = response.json()["settings"]["content.restricted_mode"]
        assert restricted == {"value": False, "source": "self", "bound": None, "can_change": True}


async def test_a_reset_first_after_the_birthday_keeps_what_the_guardian_bounded(family):
    parent, teen, _ = family
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        response = await teen.delete("/v1/me/settings/search.enabled")
        assert response.status_code == 200, response.text
        restricted = response.json()["settings"]["content.restricted_mode"]
        assert restricted == {"value": True, "source": "self", "bound": None, "can_change": True}


@pytest.mark.parametrize("leaf", ["limits", "settings", "audit"])
async def test_guardian_paths_are_404_from_the_birthday_on(family, leaf):
    parent, teen, _ = family
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        expect_problem(await parent.get(f"/v1/teens/{teen.id}/{leaf}"), 404, "not-found")


async def test_a_guardian_put_first_after_the_birthday_changes_nothing(family):
    parent, teen, _ = family
    etag = (await parent.get(f"/v1/teens/{teen.id}/limits")).headers["etag"]
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        body = {"limits": {"content.restricted_mode": True, "search.enabled": False}}
        response = await parent.put(
            f"/v1/teens/{teen.id}/limits", json=body, headers={"If-Match": etag}
        )
        expect_problem(response, 404, "not-found")
        settings = (await teen.get("/v1/me/settings")).json()["settings"]
        assert settings["search.enabled"]["value"] is True


async def test_the_guardians_list_shows_the_link_ended_at_18_before_anything_is_written(family):
    parent, teen, link = family
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        listed = (await parent.get("/v1/pairings")).json()["items"]
        assert [(item["id"], item["status"]) for item in listed] == [(link["id"], "ended_at_18")]
        assert listed[0]["ended_at"] is not None


@pytest.mark.parametrize("path", ["/v1/me/guardians", "/v1/me/notifications", "/v1/me/export"])
async def test_the_teens_first_read_after_the_birthday_sees_the_link_ended(family, path):
    parent, teen, link = family
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        assert (await teen.get(path)).status_code == 200
        assert (await teen.get("/v1/me/guardians")).json()["items"] == []
        kinds = [n["kind"] for n in (await teen.get("/v1/me/notifications")).json()["items"]]
        assert kinds.count("link.ended_at_18") == 1
        assert kinds.count("band.changed") == 1
        export = (await teen.get("/v1/me/export")).json()
        assert [(item["id"], item["status"]) for item in export["links"]] == [
            (link["id"], "ended_at_18")
        ]
        audit = (await teen.get("/v1/me/audit")).json()["items"]
        assert [entry["action"] for entry in audit].count("link.ended_at_18") == 1


async def test_consenting_on_the_birthday_is_refused_as_not_a_teen(family, register):
    parent, teen, _ = family
    other = await register("other_parent", 40)
    invitation = await invite(other)
    with on_the_18th_birthday():
        await _sign_in_both(parent, teen)
        response = await teen.post("/v1/pairings", json={"token": invitation["token"]})
        expect_problem(response, 403, "not-a-teen")


async def test_the_sweep_tells_a_guardian_whose_teen_is_never_served(family, settings):
    parent, teen, link = family
    engine = create_engine(settings)  # the sweep's own, as a second instance's would be
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    pack = load_default_pack()
    with on_the_18th_birthday():
        await parent.sign_in()
        try:
            assert await birthdays.end_links_at_18(sessions, pack, utc_today()) == 1
            assert await birthdays.end_links_at_18(sessions, pack, utc_today()) == 0
        finally:
            await engine.dispose()
        notes = (await parent.get("/v1/me/notifications")).json()["items"]
        ended_notes = [n for n in notes if n["kind"] == "link.ended_at_18"]
        assert [n["data"]["teen"]["id"] for n in ended_notes] == [teen.id]
        await teen.sign_in()
        kinds = [n["kind"] for n in (await teen.get("/v1/me/notifications")).json()["items"]]
        assert kinds.count("link.ended_at_18") == 1
        settings = (await teen.get("/v1/me/settings")).json()["settings"]
        assert settings["content.restricted_mode"]["value"] is True
        assert settings["content.restricted_mode"]["source"] == "self"
        listed = (await teen.get("/v1/pairings")).json()["items"]
        assert [(item["id"], item["status"]) for item in listed] == [(link["id"], "ended_at_18")]
    assert utc_now()  # the clock is back
