"""Screen time across devices (API.md): one budget however many devices, a teen asks for more,
a guardian decides, and the day ends at the teen's local midnight.

The clock is held still (time_machine) on Wednesday 2 December 2026, 18:00 in Paris (UTC+1)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from litestar.testing import AsyncTestClient

from family_safety.server.app import create_app
from tests.helpers import (
    CHEAP_HASHER,
    daily,
    expect_problem,
    pair,
    set_limits,
    signed_in,
    usage_today,
)

START = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 18:00 in Paris
PARIS = "Europe/Paris"


def at(hours: int, minutes: int = 0, *, day: int = 2) -> str:
    """An instant of December 2026 in RFC 3339, given in Paris time (UTC+1 in December)."""
    local = datetime(2026, 12, day, hours, minutes, tzinfo=UTC) - timedelta(hours=1)
    return local.isoformat().replace("+00:00", "Z")


def report(device_id: str, *spans: tuple[str, str]) -> dict:
    return {"device_id": device_id, "intervals": [{"start": s, "end": e} for s, e in spans]}


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def family(clock, register):
    """Two guardians linked to a 14-year-old in Paris, whose daily limit one of them set to 30
    minutes."""
    first = await register("parent_one", 40)
    second = await register("parent_two", 42)
    teen = await register("teen_paris", 14, timezone=PARIS)
    await pair(first, teen)
    await pair(second, teen)
    response = await set_limits(first, teen.id, {"screen_time.daily_limit_minutes": daily(30)})
    assert response.status_code == 200, response.text
    return first, second, teen


async def _ask(teen, kind="extra_time", minutes=20, **extra):
    return await teen.post("/v1/me/time-requests", json={"kind": kind, "minutes": minutes, **extra})


async def _asked(teen, **kwargs) -> dict:
    response = await _ask(teen, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def _decision(teen_id: str, request_id: str) -> str:
    return f"/v1/teens/{teen_id}/time-requests/{request_id}/decision"


async def test_the_family_story(family, clock):
    first, second, teen = family

    # Two devices overlap for ten minutes: 17:00-17:20 and 17:10-17:30 count 30 minutes.
    phone = await teen.post(
        "/v1/me/screen-time/usage", json=report("phone-1", (at(17), at(17, 20)))
    )
    assert phone.status_code == 200, phone.text
    assert phone.json()["used_minutes"] == 20
    tablet = await teen.post(
        "/v1/me/screen-time/usage", json=report("tablet.2", (at(17, 10), at(17, 30)))
    )
    assert tablet.status_code == 200, tablet.text
    status = tablet.json()
    assert status == {
        "date": "2026-12-02",
        "timezone": PARIS,
        "used_minutes": 30,
        "limit_minutes": 30,
        "granted_minutes": 0,
        "remaining_minutes": 0,
        "time_away": {"active": False, "until": None},
        "state": "limit_reached",
        "resets_at": "2026-12-02T23:00:00Z",
        "grants": [],
    }
    assert (await teen.get("/v1/me/screen-time")).json() == status
    assert (await first.get(f"/v1/teens/{teen.id}/screen-time")).json() == status

    # The teen asks; both guardians hear of it.
    request = await _asked(teen, minutes=20, note="homework video")
    assert request["status"] == "pending"
    assert request["note"] == "homework video"
    for guardian in (first, second):
        kinds = [n["kind"] for n in (await guardian.get("/v1/me/notifications")).json()["items"]]
        assert "time_request.created" in kinds
    pending = (await second.get(f"/v1/teens/{teen.id}/time-requests")).json()["items"]
    assert [item["id"] for item in pending] == [request["id"]]

    # The second guardian approves 15 of the 20 minutes asked.
    decided = await second.post(
        _decision(teen.id, request["id"]), json={"approve": True, "minutes": 15}
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["granted_minutes"] == 15
    assert decided.json()["decided_by"] == second.id

    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["granted_minutes"] == 15
    assert status["remaining_minutes"] == 15
    assert status["state"] == "allowed"
    [grant] = status["grants"]
    assert grant["kind"] == "extra_time"
    assert grant["minutes"] == 15
    assert grant["granted_by"] == second.id
    assert grant["request_id"] == request["id"]
    assert grant["date"] == "2026-12-02"
    assert grant["from"] == "2026-12-02T17:00:00Z"
    assert grant["until"] == "2026-12-02T23:00:00Z"

    # The teen and the other guardian hear of the decision; the audit keeps all of it.
    for person in (teen, first):
        kinds = [n["kind"] for n in (await person.get("/v1/me/notifications")).json()["items"]]
        assert "time_request.decided" in kinds
    actions = [entry["action"] for entry in (await teen.get("/v1/me/audit")).json()["items"]]
    assert actions[-3:] == ["time_request.created", "time_request.decided", "time_grant.created"]

    # Local midnight in Paris (23:00 UTC): a new day, a new budget.
    clock.move_to(datetime(2026, 12, 2, 23, 0, 30, tzinfo=UTC))
    await teen.sign_in()
    await first.sign_in()
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["date"] == "2026-12-03"
    assert status["used_minutes"] == 0
    assert status["granted_minutes"] == 0
    assert status["remaining_minutes"] == 30
    assert status["state"] == "allowed"
    assert status["grants"] == []
    assert status["resets_at"] == "2026-12-03T23:00:00Z"

    days = await first.get(
        f"/v1/teens/{teen.id}/screen-time/days",
        params={"from": "2026-12-01", "to": "2026-12-03"},
    )
    assert days.status_code == 200, days.text
    assert days.json() == {
        "items": [
            {"date": "2026-12-01", "used_minutes": 0, "limit_minutes": 30, "granted_minutes": 0},
            {"date": "2026-12-02", "used_minutes": 30, "limit_minutes": 30, "granted_minutes": 15},
            {"date": "2026-12-03", "used_minutes": 0, "limit_minutes": 30, "granted_minutes": 0},
        ],
        "next_cursor": None,
    }


async def test_a_report_sent_twice_counts_nothing_more(family):
    _, _, teen = family
    body = report("phone-1", (at(16), at(16, 10)), (at(16, 5), at(16, 25)))
    once = await teen.post("/v1/me/screen-time/usage", json=body)
    twice = await teen.post("/v1/me/screen-time/usage", json=body)
    assert once.status_code == twice.status_code == 200
    assert once.json()["used_minutes"] == twice.json()["used_minutes"] == 25


async def test_usage_before_midnight_counts_on_its_own_day(family):
    _, _, teen = family
    # 23:50 on 1 December to 00:20 on the 2nd, in Paris: 20 minutes today.
    body = report("phone-1", (at(23, 50, day=1), at(0, 20)))
    response = await teen.post("/v1/me/screen-time/usage", json=body)
    assert response.json()["used_minutes"] == 20
    days = (await teen.get("/v1/me/screen-time/days", params={"from": "2026-12-01"})).json()
    assert [(d["date"], d["used_minutes"]) for d in days["items"]] == [
        ("2026-12-01", 10),
        ("2026-12-02", 20),
    ]


async def test_a_bad_interval_is_named(family):
    _, _, teen = family
    body = report("phone-1", (at(16), at(16, 10)), (at(16, 30), at(16, 20)))
    problem = expect_problem(
        await teen.post("/v1/me/screen-time/usage", json=body), 422, "validation"
    )
    assert [error["field"] for error in problem["errors"]] == ["intervals[1]"]
    future = report("phone-1", (at(18), at(18, 5)))
    problem = expect_problem(
        await teen.post("/v1/me/screen-time/usage", json=future), 422, "validation"
    )
    assert [error["field"] for error in problem["errors"]] == ["intervals[0]"]
    # Nothing of a refused report counts.
    assert (await teen.get("/v1/me/screen-time")).json()["used_minutes"] == 0


async def test_any_account_reports_and_has_no_limit_as_an_adult(clock, register):
    adult = await register("adult", 30)
    response = await adult.post("/v1/me/screen-time/usage", json=report("laptop", (at(9), at(10))))
    assert response.status_code == 200, response.text
    status = response.json()
    assert (status["used_minutes"], status["limit_minutes"], status["remaining_minutes"]) == (
        60,
        None,
        None,
    )
    assert status["state"] == "allowed"
    assert status["timezone"] == "UTC"


async def test_a_teen_without_guardian_gets_no_guardian(clock, register):
    teen = await register("lonely_teen", 15)
    expect_problem(await _ask(teen), 409, "no-guardian")


async def test_only_teens_ask(family):
    first, _, _ = family
    expect_problem(await _ask(first), 403, "forbidden")
    expect_problem(await _ask(first, minutes=1), 403, "forbidden")


async def test_request_values_are_checked(family):
    _, _, teen = family
    for body in (
        {"kind": "extra_time", "minutes": 4},
        {"kind": "extra_time", "minutes": 241},
        {"kind": "more", "minutes": 10},
        {"kind": "extra_time", "minutes": 10, "note": "x" * 201},
        {"kind": "extra_time", "minutes": 10, "note": "please\u202e"},
    ):
        expect_problem(await teen.post("/v1/me/time-requests", json=body), 422, "validation")


async def test_a_fourth_pending_request_is_refused(family):
    first, _, teen = family
    asked = [await _asked(teen) for _ in range(3)]
    expect_problem(await _ask(teen), 409, "request-limit-reached")
    # Once one is decided, another may be asked.
    decided = await first.post(_decision(teen.id, asked[0]["id"]), json={"approve": False})
    assert decided.json()["status"] == "denied"
    assert decided.json()["granted_minutes"] is None
    await _asked(teen)


async def test_the_first_decision_stands(family):
    first, second, teen = family
    request = await _asked(teen)
    assert (
        await first.post(_decision(teen.id, request["id"]), json={"approve": False})
    ).status_code == 200
    response = await second.post(_decision(teen.id, request["id"]), json={"approve": True})
    expect_problem(response, 409, "request-decided")
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["grants"] == []


async def test_a_cancelled_request_cannot_be_decided(family):
    first, _, teen = family
    request = await _asked(teen)
    assert (await teen.delete(f"/v1/me/time-requests/{request['id']}")).status_code == 204
    mine = (await teen.get("/v1/me/time-requests")).json()["items"]
    assert [item["status"] for item in mine] == ["cancelled"]
    response = await first.post(_decision(teen.id, request["id"]), json={"approve": True})
    expect_problem(response, 410, "request-expired")
    # Cancelling again changes nothing.
    assert (await teen.delete(f"/v1/me/time-requests/{request['id']}")).status_code == 204


async def test_a_request_expires_at_the_teens_midnight(family, clock):
    first, _, teen = family
    request = await _asked(teen)
    clock.move_to(datetime(2026, 12, 2, 22, 59, 59, tzinfo=UTC))  # 23:59:59 in Paris
    await teen.sign_in()
    mine = (await teen.get("/v1/me/time-requests")).json()["items"]
    assert [item["status"] for item in mine] == ["pending"]
    clock.move_to(datetime(2026, 12, 2, 23, 0, 1, tzinfo=UTC))
    await teen.sign_in()
    await first.sign_in()
    mine = (await teen.get("/v1/me/time-requests")).json()["items"]
    assert [item["status"] for item in mine] == ["expired"]
    response = await first.post(_decision(teen.id, request["id"]), json={"approve": True})
    expect_problem(response, 410, "request-expired")
    # Expired requests are no longer pending: three more may be asked.
    for _ in range(3):
        await _asked(teen)


async def test_thirty_simultaneous_decisions_give_one_answer(family):
    first, second, teen = family
    request = await _asked(teen)
    path = _decision(teen.id, request["id"])
    responses = await asyncio.gather(
        *(
            (first if n % 2 else second).post(path, json={"approve": True, "minutes": 5 + n})
            for n in range(30)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 29, [r.text for r in responses if r.status_code != 409]
    for response in responses:
        if response.status_code == 409:
            expect_problem(response, 409, "request-decided")
    [grant] = (await teen.get("/v1/me/screen-time")).json()["grants"]
    [winner] = [response.json() for response in responses if response.status_code == 200]
    assert grant["minutes"] == winner["granted_minutes"]


async def test_a_guardian_grants_unasked(family):
    first, second, teen = family
    extra = await first.post(
        f"/v1/teens/{teen.id}/time-grants", json={"kind": "extra_time", "minutes": 10}
    )
    assert extra.status_code == 201, extra.text
    assert extra.json()["request_id"] is None
    more = await second.post(
        f"/v1/teens/{teen.id}/time-grants", json={"kind": "extra_time", "minutes": 5}
    )
    assert more.status_code == 201, more.text
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["granted_minutes"] == 15  # grants from several guardians add up
    assert status["limit_minutes"] == 30  # a grant never changes a limit
    assert status["remaining_minutes"] == 45
    kinds = [n["kind"] for n in (await teen.get("/v1/me/notifications")).json()["items"]]
    assert kinds.count("time_grant.created") == 2


async def test_the_status_is_kept_in_memory_until_a_change_says_otherwise(family, client):
    first, _, teen = family
    statuses = client.app.state.components.screen_time_statuses
    before = (await teen.get("/v1/me/screen-time")).json()
    assert len(statuses) == 1  # today's usage and grants, kept
    assert (await teen.get("/v1/me/screen-time")).json() == before
    extra = await first.post(
        f"/v1/teens/{teen.id}/time-grants", json={"kind": "extra_time", "minutes": 10}
    )
    assert extra.status_code == 201, extra.text
    assert len(statuses) == 0  # the grant's change event forgot it
    after = (await teen.get("/v1/me/screen-time")).json()
    assert after["granted_minutes"] == before["granted_minutes"] + 10
    assert after["remaining_minutes"] == before["remaining_minutes"] + 10


async def test_the_limits_come_from_the_effective_settings_the_settings_answer_resolved(
    family, client, monkeypatch
):
    _, _, teen = family
    settings = (await teen.get("/v1/me/settings")).json()["settings"]
    answers = client.app.state.components.settings_answers

    async def no_read(*_args: object) -> None:
        raise AssertionError("the settings answer's resolution is kept: no read again")

    monkeypatch.setattr(answers, "effective", no_read)
    assert settings["screen_time.daily_limit_minutes"]["value"] == daily(30)  # the guardian's
    status = await teen.get("/v1/me/screen-time")
    assert status.status_code == 200, status.text
    assert status.json()["limit_minutes"] == 30


async def test_in_read_freshness_the_status_is_read_every_time(settings):
    app = create_app(settings.model_copy(update={"freshness": "read"}), hasher=CHEAP_HASHER)
    async with AsyncTestClient(app=app) as client:
        teen = await signed_in(client, "teen", 14)
        reported = await client.post("/v1/me/screen-time/usage", json=usage_today(), headers=teen)
        assert reported.status_code == 200
        for _ in range(2):
            status = await client.get("/v1/me/screen-time", headers=teen)
            assert status.json()["used_minutes"] == reported.json()["used_minutes"]
        assert len(app.state.components.screen_time_statuses) == 0


async def test_a_pause_lifts_time_away(family, clock):
    first, _, teen = family
    window = [{"days": ["wed"], "start": "17:00", "end": "20:00"}]
    response = await set_limits(
        first,
        teen.id,
        {"screen_time.daily_limit_minutes": daily(30), "screen_time.time_away": window},
    )
    assert response.status_code == 200, response.text
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["state"] == "time_away"
    assert status["time_away"] == {"active": True, "until": "2026-12-02T19:00:00Z"}
    request = await _asked(teen, kind="time_away_pause", minutes=5)
    await first.post(_decision(teen.id, request["id"]), json={"approve": True})
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["state"] == "allowed"
    assert status["time_away"] == {"active": False, "until": None}
    assert status["granted_minutes"] == 0  # a pause adds no minutes
    assert status["grants"][0]["until"] == "2026-12-02T17:05:00Z"
    clock.move_to(START + timedelta(minutes=5))
    status = (await teen.get("/v1/me/screen-time")).json()
    assert status["state"] == "time_away"


async def test_days_are_at_most_31(family):
    _, _, teen = family
    too_many = {"from": "2026-11-01", "to": "2026-12-02"}
    expect_problem(await teen.get("/v1/me/screen-time/days", params=too_many), 422, "validation")
    backwards = {"from": "2026-12-02", "to": "2026-12-01"}
    expect_problem(await teen.get("/v1/me/screen-time/days", params=backwards), 422, "validation")
    month = {"from": "2026-11-02", "to": "2026-12-02", "limit": 20}
    first_page = (await teen.get("/v1/me/screen-time/days", params=month)).json()
    assert len(first_page["items"]) == 20
    rest = await teen.get(
        "/v1/me/screen-time/days", params={**month, "cursor": first_page["next_cursor"]}
    )
    items = first_page["items"] + rest.json()["items"]
    assert rest.json()["next_cursor"] is None
    assert [item["date"] for item in items][::30] == ["2026-11-02", "2026-12-02"]
    assert len(items) == 31


async def test_strangers_get_404_and_teens_403_on_guardian_paths(family, register):
    first, _, teen = family
    stranger = await register("stranger", 35)
    other_teen = await register("other_teen", 16)
    request = await _asked(teen)
    grant = {"kind": "extra_time", "minutes": 10}
    paths = [
        ("get", f"/v1/teens/{teen.id}/screen-time", None),
        ("get", f"/v1/teens/{teen.id}/screen-time/days", None),
        ("get", f"/v1/teens/{teen.id}/time-requests", None),
        ("post", _decision(teen.id, request["id"]), {"approve": True}),
        ("post", f"/v1/teens/{teen.id}/time-grants", grant),
    ]
    for method, path, body in paths:
        kwargs = {"json": body} if body is not None else {}
        expect_problem(await getattr(stranger, method)(path, **kwargs), 404, "not-found")
        expect_problem(await getattr(other_teen, method)(path, **kwargs), 403, "forbidden")
        expect_problem(await getattr(teen, method)(path, **kwargs), 403, "forbidden")
    # A request of another teen, through this guardian's teen: 404; nor may others cancel it.
    other_request = _decision(teen.id, "01937a00-0000-7000-8000-000000000000")
    expect_problem(await first.post(other_request, json={"approve": True}), 404, "not-found")
    expect_problem(await stranger.delete(f"/v1/me/time-requests/{request['id']}"), 404, "not-found")
    assert (await teen.get("/v1/me/time-requests")).json()["items"][0]["status"] == "pending"


async def test_a_day_of_23_hours_when_the_clocks_go_forward(register):
    # Paris, Sunday 28 March 2027: midnight is 23:00 UTC the day before, the next one 22:00 UTC.
    with time_machine.travel(datetime(2027, 3, 28, 21, 59, tzinfo=UTC), tick=False) as clock:
        adult = await register("night_owl", 30, timezone=PARIS)
        whole_day = {"start": "2027-03-27T23:00:00Z", "end": "2027-03-28T21:59:00Z"}
        earlier = {"start": "2027-03-27T22:00:00Z", "end": "2027-03-27T23:00:00Z"}
        body = {"device_id": "laptop", "intervals": [earlier, whole_day]}
        response = await adult.post("/v1/me/screen-time/usage", json=body)
        assert response.status_code == 200, response.text
        status = response.json()
        assert status["date"] == "2027-03-28"
        assert status["used_minutes"] == 22 * 60 + 59
        assert status["resets_at"] == "2027-03-28T22:00:00Z"
        clock.move_to(datetime(2027, 3, 28, 22, 0, 30, tzinfo=UTC))
        status = (await adult.get("/v1/me/screen-time")).json()
        assert (status["date"], status["used_minutes"]) == ("2027-03-29", 0)
        days = await adult.get("/v1/me/screen-time/days", params={"from": "2027-03-27"})
        assert [(day["date"], day["used_minutes"]) for day in days.json()["items"]] == [
            ("2027-03-27", 60),
            ("2027-03-28", 22 * 60 + 59),
            ("2027-03-29", 0),
        ]


async def test_the_export_holds_the_teens_days_requests_and_grants(family):
    _, _, teen = family
    body = report("phone-1", (at(16), at(16, 10)), (at(16, 5), at(16, 25)))
    assert (await teen.post("/v1/me/screen-time/usage", json=body)).status_code == 200
    asked = await _asked(teen, note="maths homework")
    export = (await teen.get("/v1/me/export")).json()["screen_time"]
    assert [day["used_minutes"] for day in export["days"]] == [25]
    assert [request["id"] for request in export["time_requests"]] == [asked["id"]]
    assert export["time_requests"][0]["note"] == "maths homework"
    assert export["time_grants"] == []


async def test_the_status_follows_every_change_of_the_daily_limit(family):
    first, _second, teen = family
    assert (await teen.get("/v1/me/screen-time")).json()["limit_minutes"] == 30

    for minutes in (45, 20):
        changed = await set_limits(
            first, teen.id, {"screen_time.daily_limit_minutes": daily(minutes)}
        )
        assert changed.status_code == 200, changed.text
        status = (await teen.get("/v1/me/screen-time")).json()
        assert (status["limit_minutes"], status["remaining_minutes"]) == (minutes, minutes)
