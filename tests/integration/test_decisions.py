"""Decisions (API.md, "Decisions"): every action of the table allowed and denied through HTTP,
blocks both ways, friends, quiet hours and screen time at ``context.at``, held and unknown
accounts, batches, who may ask, bad input, and a change seen by the next decision. Both
databases.

The clock is held still on Monday 7 December 2026, 12:00 UTC (every account's time zone)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.changes import ChangeBus, session_info
from family_safety.db.engine import create_engine
from family_safety.domain.ages import holds
from family_safety.domain.safety import services as safety_services
from family_safety.lib.clock import utc_now
from tests.helpers import PASSWORD, expect_problem, pair, set_limits

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def change_role(settings, handle: str, role: str, *, grant: bool = True) -> None:
    """What `family-safety roles grant|revoke` does: its change reaches running instances."""
    engine = create_engine(settings)
    try:
        info = session_info(ChangeBus())
        async with AsyncSession(engine, expire_on_commit=False, info=info) as session:
            if grant:
                await safety_services.grant_role(session, handle, role, utc_now())
            else:
                await safety_services.revoke_role(session, handle, role)
    finally:
        await engine.dispose()


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
async def people(clock, register, settings):
    """A back end with the service role, two adults, a 16- and a 15-year-old."""
    backend = await register("platform_backend", 30)
    await change_role(settings, backend.handle, "service")
    adult = await register("adult_amy", 35)
    other = await register("adult_bob", 40)
    sixteen = await register("teen_sixteen", 16)
    fifteen = await register("teen_fifteen", 15)
    return backend, adult, other, sixteen, fifteen


def account(person) -> dict:
    return {"type": "account", "id": person if isinstance(person, str) else person.id}


async def ask(backend, action: str, subject, resource=None, **context) -> dict:
    body: dict = {"subject": account(subject), "action": {"name": action}}
    if resource is not None:
        body["resource"] = account(resource)
    if context:
        body["context"] = context
    response = await backend.post("/access/v1/evaluation", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def allowed(answer: dict) -> bool:
    assert set(answer) == {"decision", "context"}
    return answer["decision"]


def denied_by(answer: dict) -> list[tuple]:
    """What denied it: (kind, key or account) of each reason."""
    assert answer["decision"] is False
    return [
        (reason["kind"], reason.get("key") or reason.get("account_id") or reason.get("blocker_id"))
        for reason in answer["context"]["reasons"]
    ]


def setting(answer: dict, key: str, owner=None) -> dict:
    """The reason naming this setting (of ``owner``'s settings, when both accounts' count)."""
    (found,) = [
        r
        for r in answer["context"]["reasons"]
        if r.get("key") == key and (owner is None or r["account_id"] == owner.id)
    ]
    return found


# --- the table, row by row --------------------------------------------------------------------


async def test_message_send(people):
    backend, adult, other, sixteen, fifteen = people
    between_adults = await ask(backend, "message.send", adult, other)
    assert allowed(between_adults)
    assert setting(between_adults, "messaging.direct_messages", other)["value"] == "everyone"
    assert setting(between_adults, "messaging.direct_messages", adult)["value"] == "everyone"
    # A 15-year-old's messages are gated at no_one, both ways.
    to_teen = await ask(backend, "message.send", adult, fifteen)
    assert denied_by(to_teen) == [("setting", "messaging.direct_messages")]
    reason = setting(to_teen, "messaging.direct_messages")
    assert reason == {
        "kind": "setting",
        "account_id": fifteen.id,
        "key": "messaging.direct_messages",
        "value": "no_one",
        "source": "default",
        "set_by": [{"kind": "age_gate", "band": "13-15"}],
    }
    # Nor may the 15-year-old write: its own setting denies.
    from_teen = await ask(backend, "message.send", fifteen, adult)
    assert denied_by(from_teen) == [("setting", "messaging.direct_messages")]
    assert setting(from_teen, "messaging.direct_messages")["account_id"] == fifteen.id
    # friends: a friend is admitted, anyone else is not.
    chose = await sixteen.patch("/v1/me/settings", json={"messaging.direct_messages": "friends"})
    assert chose.status_code == 200, chose.text
    assert not allowed(await ask(backend, "message.send", adult, sixteen))
    assert allowed(await ask(backend, "message.send", adult, sixteen, relationship="friend"))


async def test_comment_create(people):
    backend, adult, other, _, fifteen = people
    assert allowed(await ask(backend, "comment.create", adult, other))
    # A 15-year-old's comments are for friends.
    stranger = await ask(backend, "comment.create", adult, fifteen)
    assert denied_by(stranger) == [("setting", "comments.who_can_comment")]
    assert allowed(await ask(backend, "comment.create", adult, fifteen, relationship="friend"))
    await other.patch("/v1/me/settings", json={"comments.who_can_comment": "no_one"})
    assert not allowed(await ask(backend, "comment.create", adult, other, relationship="friend"))


async def test_remix_create(people):
    backend, adult, other, sixteen, fifteen = people
    assert allowed(await ask(backend, "remix.create", adult, other))
    # only_me: nobody but the holder.
    friend = await ask(backend, "remix.create", adult, fifteen, relationship="friend")
    assert denied_by(friend) == [("setting", "remix.duet_stitch")]
    assert allowed(await ask(backend, "remix.create", fifteen, fifteen))
    # A 16-year-old's default: friends.
    assert not allowed(await ask(backend, "remix.create", adult, sixteen))
    assert allowed(await ask(backend, "remix.create", adult, sixteen, relationship="friend"))


async def test_download(people):
    backend, adult, other, sixteen, _ = people
    answer = await ask(backend, "download", sixteen, adult)
    assert allowed(answer)
    assert setting(answer, "downloads.allowed")["value"] is True
    assert denied_by(await ask(backend, "download", adult, sixteen)) == [
        ("setting", "downloads.allowed")
    ]
    await other.patch("/v1/me/settings", json={"downloads.allowed": False})
    assert not allowed(await ask(backend, "download", adult, other))


async def test_group_invite(people):
    backend, adult, other, _, fifteen = people
    assert allowed(await ask(backend, "group.invite", adult, other))
    assert denied_by(await ask(backend, "group.invite", adult, fifteen)) == [
        ("setting", "messaging.group_invites")
    ]
    assert allowed(await ask(backend, "group.invite", adult, fifteen, relationship="friend"))


async def test_suggest(people):
    backend, adult, other, sixteen, _ = people
    assert allowed(await ask(backend, "suggest", sixteen, adult))
    assert denied_by(await ask(backend, "suggest", adult, sixteen)) == [
        ("setting", "account.suggest_to_others")
    ]
    await other.patch("/v1/me/settings", json={"account.suggest_to_others": False})
    assert not allowed(await ask(backend, "suggest", adult, other))


async def test_live_start_search_and_location_share(people):
    backend, adult, other, _, fifteen = people
    assert allowed(await ask(backend, "live.start", adult))
    assert denied_by(await ask(backend, "live.start", fifteen)) == [("setting", "live.enabled")]
    assert allowed(await ask(backend, "search", fifteen))
    await other.patch("/v1/me/settings", json={"search.enabled": False})
    assert denied_by(await ask(backend, "search", other)) == [("setting", "search.enabled")]
    # Location sharing is off by default for everyone; an adult may turn it on.
    assert denied_by(await ask(backend, "location.share", adult)) == [
        ("setting", "location.sharing")
    ]
    await adult.patch("/v1/me/settings", json={"location.sharing": True})
    assert allowed(await ask(backend, "location.share", adult))
    # A resource is not needed for these; one sent is not read.
    assert allowed(await ask(backend, "live.start", adult, "not-an-account"))


async def test_notification_send(people):
    backend, adult, other, _, fifteen = people
    assert allowed(await ask(backend, "notification.send", fifteen))  # noon
    # A 15-year-old's quiet hours run 21:00-08:00, gated.
    night = await ask(backend, "notification.send", fifteen, at="2026-12-07T22:30:00Z")
    assert denied_by(night) == [("setting", "notifications.quiet_hours")]
    assert setting(night, "notifications.quiet_hours")["value"] == [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "21:00",
            "end": "08:00",
        }
    ]
    assert allowed(await ask(backend, "notification.send", adult, at="2026-12-07T22:30:00Z"))
    await other.patch("/v1/me/settings", json={"notifications.push": False})
    assert denied_by(await ask(backend, "notification.send", other)) == [
        ("setting", "notifications.push")
    ]


async def test_app_use(people, register):
    backend, adult, _, _, fifteen = people
    answer = await ask(backend, "app.use", adult)
    assert allowed(answer)
    assert {"kind": "screen_time", "account_id": adult.id, "remaining_minutes": None} in answer[
        "context"
    ]["reasons"]
    fresh = await ask(backend, "app.use", fifteen)
    assert allowed(fresh)
    assert setting(fresh, "screen_time.daily_limit_minutes")["account_id"] == fifteen.id
    # 61 minutes used this morning: nothing left of the 60.
    used = {
        "device_id": "phone",
        "intervals": [{"start": "2026-12-07T10:00:00Z", "end": "2026-12-07T11:01:00Z"}],
    }
    assert (await fifteen.post("/v1/me/screen-time/usage", json=used)).status_code == 200
    spent = await ask(backend, "app.use", fifteen)
    assert ("screen_time", fifteen.id) in denied_by(spent)
    assert {"kind": "screen_time", "account_id": fifteen.id, "remaining_minutes": 0} in spent[
        "context"
    ]["reasons"]
    # Tomorrow is another day.
    assert allowed(await ask(backend, "app.use", fifteen, at="2026-12-08T12:00:00Z"))
    # Time away, at the moment asked.
    away = [{"days": ["mon"], "start": "13:00", "end": "14:00"}]
    chose = await adult.patch("/v1/me/settings", json={"screen_time.time_away": away})
    assert chose.status_code == 200, chose.text
    assert allowed(await ask(backend, "app.use", adult))
    at_one = await ask(backend, "app.use", adult, at="2026-12-07T13:30:00+00:00")
    assert denied_by(at_one) == [("setting", "screen_time.time_away")]


# --- blocks, holds, unknown accounts ----------------------------------------------------------


async def test_a_block_denies_both_ways_until_it_is_lifted(people):
    backend, adult, other, _, _ = people
    assert allowed(await ask(backend, "message.send", adult, other))
    blocked = await adult.post("/v1/me/blocks", json={"handle": other.handle})
    assert blocked.status_code == 201, blocked.text
    for subject, resource in ((adult, other), (other, adult)):
        for action in ("message.send", "comment.create", "download", "group.invite", "suggest"):
            answer = await ask(backend, action, subject, resource, relationship="friend")
            assert ("block", adult.id) in denied_by(answer), action
            (block,) = [r for r in answer["context"]["reasons"] if r["kind"] == "block"]
            assert block == {"kind": "block", "blocker_id": adult.id, "blocked_id": other.id}
    # Acting alone is not touched by a block.
    assert allowed(await ask(backend, "live.start", other))
    lifted = await adult.delete(f"/v1/me/blocks/{other.id}")
    assert lifted.status_code == 204
    assert allowed(await ask(backend, "message.send", other, adult))


async def test_a_held_account_is_denied_everything_as_subject_or_resource(
    people, register, monkeypatch
):
    backend, adult, _, _, _ = people
    law = type(
        "Law",
        (),
        {
            "id": "AU-SMMA",
            "title": "Social Media Minimum Age",
            "minimum_age": 16,
            "covers": lambda self, country, region: country == "AU",
        },
    )()
    # Registered before the law applied; then it applies (the seam holds' own tests use).
    applying: list = []
    monkeypatch.setattr(holds, "applying_laws", lambda components, today: applying)
    teen = await register("teen_down_under", 15, country="AU")
    applying.append(law)
    assert (await teen.get("/v1/me")).json()["held"] is not None
    for action in ("search", "app.use", "notification.send"):
        answer = await ask(backend, action, teen)
        assert denied_by(answer) == [("held", teen.id)]
        (held,) = answer["context"]["reasons"]
        assert (held["law_id"], held["title"]) == ("AU-SMMA", "Social Media Minimum Age")
    assert denied_by(await ask(backend, "message.send", adult, teen)) == [("held", teen.id)]
    assert denied_by(await ask(backend, "suggest", teen, adult)) == [("held", teen.id)]


async def test_an_unknown_account_is_a_denial_not_an_error(people):
    backend, adult, _, _, _ = people
    nobody = "0193a0d4-0000-7000-8000-000000000000"
    for subject, resource in ((nobody, adult), (adult, nobody), ("not-a-uuid", adult)):
        answer = await ask(backend, "message.send", subject, resource)
        missing = subject if isinstance(subject, str) else resource
        assert denied_by(answer) == [("unknown-account", missing)]


async def test_an_erased_account_is_unknown_from_the_next_decision(people):
    backend, adult, other, _, _ = people
    assert allowed(await ask(backend, "message.send", adult, other))  # both in memory
    erased = await other.request_delete("/v1/me", json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    answer = await ask(backend, "message.send", adult, other)
    assert denied_by(answer) == [("unknown-account", other.id)]


# --- batches ------------------------------------------------------------------------------------


async def test_a_batch_answers_in_order_with_the_top_level_as_defaults(people):
    backend, adult, other, sixteen, fifteen = people
    body = {
        "subject": account(adult),
        "action": {"name": "message.send"},
        "context": {"relationship": "none"},
        "evaluations": [
            {"resource": account(other)},
            {"resource": account(fifteen)},
            {"action": {"name": "live.start"}},
            {"subject": account(fifteen), "action": {"name": "live.start"}},
            {"action": {"name": "remix.create"}, "resource": account(sixteen)},
            {
                "action": {"name": "remix.create"},
                "resource": account(sixteen),
                "context": {"relationship": "friend"},
            },
        ],
    }
    response = await backend.post("/access/v1/evaluations", json=body)
    assert response.status_code == 200, response.text
    answers = response.json()["evaluations"]
    assert [answer["decision"] for answer in answers] == [True, False, True, False, False, True]
    # Each equals the same question asked alone.
    alone = await ask(backend, "message.send", adult, fifteen)
    assert answers[1] == alone


async def test_a_batch_of_100_is_answered_and_101_is_refused(people):
    backend, adult, other, _, _ = people
    item = {"subject": account(adult), "action": {"name": "download"}, "resource": account(other)}
    ok = await backend.post("/access/v1/evaluations", json={"evaluations": [item] * 100})
    assert ok.status_code == 200, ok.text
    assert [answer["decision"] for answer in ok.json()["evaluations"]] == [True] * 100
    too_many = await backend.post("/access/v1/evaluations", json={"evaluations": [item] * 101})
    expect_problem(too_many, 422, "validation")


# --- who may ask ------------------------------------------------------------------------------


async def test_only_service_and_staff_accounts_ask(people, register, settings):
    backend, adult, other, _, fifteen = people
    body = {
        "subject": account(adult),
        "action": {"name": "message.send"},
        "resource": account(fifteen),
    }
    # Anyone else learns nothing, not even whether the accounts exist.
    for path, sent in (
        ("/access/v1/evaluation", body),
        ("/access/v1/evaluations", {"evaluations": [body]}),
    ):
        problem = expect_problem(await other.post(path, json=sent), 403, "forbidden")
        assert fifteen.id not in str(problem)
    expect_problem(await other.post("/access/v1/evaluation", json={"bad": 1}), 403, "forbidden")
    anonymous = await backend.client.post("/access/v1/evaluation", json=body)
    expect_problem(anonymous, 401, "unauthorized")
    staff = await register("staff_member", 33)
    await change_role(settings, staff.handle, "staff")
    assert (await staff.post("/access/v1/evaluation", json=body)).status_code == 200
    # A revoked role is seen by the next request (the change travels like any other).
    assert (await backend.post("/access/v1/evaluation", json=body)).status_code == 200
    await change_role(settings, backend.handle, "service", grant=False)
    expect_problem(await backend.post("/access/v1/evaluation", json=body), 403, "forbidden")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": {"name": "teleport"}}, "action.name"),
        ({"subject": {"type": "user", "id": "x"}}, "subject.type"),
        ({"subject": {"id": "x"}}, "subject.type"),
        ({"resource": {"type": "account"}}, "resource.id"),
        ({"resource": "bob"}, "resource"),
        ({"context": {"at": "yesterday"}}, "context.at"),
        ({"context": {"at": "2026-12-07T25:00:00Z"}}, "context.at"),
        ({"context": {"at": "2026-12-07T12:00:00"}}, "context.at"),
        ({"context": {"relationship": "cousin"}}, "context.relationship"),
        ({"resource": None}, "resource"),
    ],
)
async def test_bad_input_is_422_naming_the_field(people, body, field):
    backend, adult, other, _, _ = people
    good = {
        "subject": account(adult),
        "action": {"name": "message.send"},
        "resource": account(other),
    }
    sent = {**good, **body}
    if body.get("resource", "") is None:
        del sent["resource"]
    problem = expect_problem(
        await backend.post("/access/v1/evaluation", json=sent), 422, "validation"
    )
    assert [error["field"] for error in problem["errors"]] == [field], problem


async def test_one_unknown_action_fails_the_whole_batch(people):
    backend, adult, other, _, _ = people
    items = [
        {"subject": account(adult), "action": {"name": "download"}, "resource": account(other)},
        {"subject": account(adult), "action": {"name": "teleport"}},
        {"subject": account(adult), "action": {"name": "download"}},
    ]
    problem = expect_problem(
        await backend.post("/access/v1/evaluations", json={"evaluations": items}), 422, "validation"
    )
    fields = [error["field"] for error in problem["errors"]]
    assert fields == ["evaluations[1].action.name"], problem
    # With every action known, the item lacking what its action needs is named.
    items[1]["action"]["name"] = "search"
    problem = expect_problem(
        await backend.post("/access/v1/evaluations", json={"evaluations": items}), 422, "validation"
    )
    assert [error["field"] for error in problem["errors"]] == ["evaluations.2.resource"]


# --- the lane ---------------------------------------------------------------------------------


async def test_the_lane_answers_what_litestar_answers(people):
    """Valid questions are answered in front of Litestar (server/hot_routes.py); a query string
    sends the same request to Litestar's controller."""
    backend, adult, other, sixteen, fifteen = people
    await adult.post("/v1/me/blocks", json={"handle": other.handle})
    one = {
        "subject": account(fifteen),
        "action": {"name": "app.use"},
        "context": {"at": "2026-12-07T13:00:00+01:00", "relationship": "friend", "x": 1},
    }
    batch = {
        "subject": account(adult),
        "resource": account(sixteen),
        "evaluations": [
            {"action": {"name": name}}
            for name in ("message.send", "remix.create", "download", "suggest", "search")
        ]
        + [{"action": {"name": "download"}, "resource": account(other)}],
    }
    for path, body in (("/access/v1/evaluation", one), ("/access/v1/evaluations", batch)):
        hot = await backend.post(path, json=body)
        routed = await backend.post(path, json=body, params={"via": "router"})
        assert hot.status_code == routed.status_code == 200
        hot_headers = {k: v for k, v in hot.headers.items() if k != "x-request-id"}
        routed_headers = {k: v for k, v in routed.headers.items() if k != "x-request-id"}
        assert hot_headers == routed_headers
        assert hot.content == routed.content


# --- freshness ------------------------------------------------------------------------------------


async def test_a_change_is_seen_by_the_next_decision(people):
    backend, adult, _, _, fifteen = people
    guardian = adult
    await pair(guardian, fifteen)
    assert allowed(await ask(backend, "search", fifteen))
    limited = await set_limits(guardian, fifteen.id, {"search.enabled": False})
    assert limited.status_code == 200, limited.text
    answer = await ask(backend, "search", fifteen)
    assert denied_by(answer) == [("setting", "search.enabled")]
    reason = setting(answer, "search.enabled")
    assert reason["source"] == "guardian"
    assert reason["set_by"] == [
        {"kind": "guardian", "guardian_id": guardian.id, "handle": guardian.handle}
    ]
    # The teen changing its own choice, too.
    assert allowed(await ask(backend, "notification.send", fifteen))
    await fifteen.patch("/v1/me/settings", json={"notifications.push": False})
    assert not allowed(await ask(backend, "notification.send", fifteen))


async def test_a_laws_settings_decide_with_the_law_named(people, register):
    """EU-DSA-28 for a 15-year-old in Germany: group invitations from no one, no push."""
    backend, adult, _, _, _ = people
    teen = await register("teen_berlin", 15, country="DE")
    invite = await ask(backend, "group.invite", adult, teen, relationship="friend")
    assert denied_by(invite) == [("setting", "messaging.group_invites")]
    reason = setting(invite, "messaging.group_invites")
    assert (reason["value"], reason["source"]) == ("no_one", "law")
    push = await ask(backend, "notification.send", teen)
    assert denied_by(push) == [("setting", "notifications.push")]
    assert setting(push, "notifications.push")["source"] == "law"
