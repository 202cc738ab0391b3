"""One notification shape: every party in a notification's data is ``{id, handle, display_name}``
(never a bare id), and every time is RFC 3339 with ``Z``, for every kind there is."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime

import time_machine
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.engine import create_engine
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.safety import services as safety_services
from family_safety.lib.clock import utc_now
from tests.helpers import birthdate_for_age, pair, set_limits

PARTIES = {"teen", "guardian", "account", "ended_by", "decided_by", "granted_by", "withdrawn_by"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
HARASSMENT = {
    "category": "harassment",
    "subject": {"kind": "account", "handle": "bully_77"},
    "tell_guardians": True,
}


@contextmanager
def on_the_18th_birthday():
    birthday = birthdate_for_age(17)
    eighteen = birthday.replace(year=birthday.year + 18)
    with time_machine.travel(
        datetime(eighteen.year, eighteen.month, eighteen.day, 0, 0, 1, tzinfo=UTC), tick=False
    ):
        yield


async def grant_staff(settings, handle: str) -> None:
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, handle, "staff", utc_now())
    finally:
        await engine.dispose()


async def every_kind_of_notification(register, settings) -> list[dict]:
    """A family's story that writes every kind of notification; all of them, of everyone."""
    mum, dad = await register("mum", 40, display_name="Mum"), await register("dad", 42)
    sam, kai = await register("sam", 15, display_name="Sam"), await register("kai", 17)
    staff = await register("staff_member", 35)
    await grant_staff(settings, staff.handle)
    await pair(mum, sam)
    dads_link = await pair(dad, sam)
    await pair(mum, kai)
    assert (await set_limits(mum, sam.id, {"live.enabled": False})).status_code == 200
    asked = await sam.post("/v1/me/time-requests", json={"kind": "extra_time", "minutes": 15})
    assert asked.status_code == 201, asked.text
    decided = await mum.post(
        f"/v1/teens/{sam.id}/time-requests/{asked.json()['id']}/decision", json={"approve": True}
    )
    assert decided.status_code == 200, decided.text
    given = await dad.post(
        f"/v1/teens/{sam.id}/time-grants", json={"kind": "extra_time", "minutes": 10}
    )
    assert given.status_code == 201, given.text
    reported = await sam.post("/v1/reports", json=HARASSMENT)
    assert reported.status_code == 201, reported.text
    worked = await staff.patch(
        f"/v1/moderation/reports/{reported.json()['id']}", json={"status": "actioned"}
    )
    assert worked.status_code == 200, worked.text
    asked_setting = await sam.post(
        "/v1/me/setting-requests", json={"key": "content.maturity", "value": "all"}
    )
    assert asked_setting.status_code == 201, asked_setting.text
    setting_request = f"/v1/teens/{sam.id}/setting-requests/{asked_setting.json()['id']}"
    approved = await mum.post(f"{setting_request}/decision", json={"approve": True})
    assert approved.status_code == 200, approved.text
    assert (await mum.delete(setting_request)).status_code == 204

    # A law's minimum age holds an account, and its release lets it go (AU-SMMA: 16).
    async def au_smma(status: str) -> None:
        changed = await staff.patch("/v1/laws/AU-SMMA", json={"status": status, "note": "court"})
        assert changed.status_code == 200, changed.text

    await au_smma("enjoined")
    ali = await register("ali_au", 15, country="AU")
    await pair(mum, ali)
    await au_smma("in_force")
    assert (await ali.get("/v1/me/settings")).status_code == 403  # held on the next request
    await au_smma("enjoined")
    assert (await ali.get("/v1/me/settings")).status_code == 200  # released

    moved = await sam.patch("/v1/me", json={"timezone": "Europe/London"})
    assert moved.status_code == 200, moved.text
    assert (await dad.delete(f"/v1/pairings/{dads_link['id']}")).status_code == 204
    notifications = []
    with on_the_18th_birthday():
        for person in (mum, dad, sam, kai, ali):
            await person.sign_in()  # yesterday's access tokens have expired
            answer = await person.get("/v1/me/notifications", params={"limit": 100})
            assert answer.status_code == 200, answer.text
            notifications += answer.json()["items"]
    return notifications


def _times(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _times(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _times(inner)
    elif isinstance(value, str) and TIME.match(value):
        yield value


async def test_every_kind_names_its_parties_alike_and_writes_times_with_z(register, settings):
    notifications = await every_kind_of_notification(register, settings)
    assert {n["kind"] for n in notifications} == {kind.value for kind in NotificationKind}
    for notification in notifications:
        data = notification["data"]
        for key in PARTIES & data.keys():
            party = data[key]
            assert isinstance(party, dict), (notification["kind"], key, party)
            assert set(party) == {"id", "handle", "display_name"}, notification
            assert UUID.match(party["id"])
        bare = [
            k
            for k, v in data.items()
            if k not in ("request_id", "link_id", "grant_id", "report_id", "teen_id")
            and isinstance(v, str)
            and UUID.match(v)
        ]
        assert bare == [], notification  # no party named by a bare id
        for moment in [notification["created_at"], *_times(data)]:
            assert moment.endswith("Z"), (notification["kind"], moment)


async def test_a_time_request_names_the_teen_and_who_decided(register, settings):
    notifications = await every_kind_of_notification(register, settings)
    created = next(n for n in notifications if n["kind"] == "time_request.created")
    assert created["data"]["teen"]["handle"] == "sam"
    assert created["data"]["teen"]["display_name"] == "Sam"
    assert created["data"]["teen_id"] == created["data"]["teen"]["id"]  # kept for old clients
    decided = next(n for n in notifications if n["kind"] == "time_request.decided")
    assert decided["data"]["decided_by"]["handle"] == "mum"
    assert decided["data"]["decided_by"]["display_name"] == "Mum"
    grant = next(n for n in notifications if n["kind"] == "time_grant.created")
    assert grant["data"]["granted_by"]["handle"] == "dad"
    filed = next(n for n in notifications if n["kind"] == "report.filed")
    assert set(filed["data"]) == {"title", "at"}  # only the title and the time (API.md)
    assert filed["data"]["at"].endswith("Z")
