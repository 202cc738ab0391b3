"""Setting requests (API.md, Laws): a teen asks for a value looser than a ``needs_guardian``
bound, a guardian approves or declines, the first decision stands, and an approval can be
withdrawn, with the value back at the bound.

The default pack's ``content.maturity`` needs a guardian to loosen past ``13+`` for 13-17."""

from __future__ import annotations

import asyncio

import pytest

from tests.helpers import expect_problem, pair, set_limits

KEY = "content.maturity"
BOUND, LOOSER = "13+", "all"


@pytest.fixture
async def family(register):
    first = await register("parent_one", 40)
    second = await register("parent_two", 42)
    teen = await register("teen_asks", 14)
    await pair(first, teen)
    await pair(second, teen)
    return first, second, teen


async def _ask(teen, value=LOOSER, **extra):
    return await teen.post("/v1/me/setting-requests", json={"key": KEY, "value": value, **extra})


async def _asked(teen, **extra) -> dict:
    response = await _ask(teen, **extra)
    assert response.status_code == 201, response.text
    return response.json()


def _decision(teen_id: str, request_id: str) -> str:
    return f"/v1/teens/{teen_id}/setting-requests/{request_id}/decision"


async def _setting(person) -> dict:
    response = await person.get("/v1/me/settings")
    assert response.status_code == 200, response.text
    return response.json()["settings"][KEY]


async def _kinds(person) -> list[str]:
    return [n["kind"] for n in (await person.get("/v1/me/notifications")).json()["items"]]


async def _actions(person) -> list[str]:
    return [entry["action"] for entry in (await person.get("/v1/me/audit")).json()["items"]]


async def test_ask_approve_withdraw(family):
    first, second, teen = family
    request = await _asked(teen, note="my friends can't find me")
    assert request["status"] == "pending"
    assert (request["key"], request["value"], request["note"]) == (
        KEY,
        LOOSER,
        "my friends can't find me",
    )
    assert set(request) >= {"id", "key", "value", "note", "status", "created_at"}
    for guardian in (first, second):
        assert "setting_request.created" in await _kinds(guardian)
        listed = (await guardian.get(f"/v1/teens/{teen.id}/setting-requests")).json()["items"]
        assert [item["id"] for item in listed] == [request["id"]]
    mine = (await teen.get("/v1/me/setting-requests")).json()["items"]
    assert [item["status"] for item in mine] == ["pending"]

    decided = await first.post(_decision(teen.id, request["id"]), json={"approve": True})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["decided_by"] == first.id
    # The teen's choice is the value at once, and the approval shows who allowed it.
    setting = await _setting(teen)
    assert setting["value"] == LOOSER
    assert {"kind": "guardian_approval", "guardian_id": first.id, "handle": "parent_one"} in (
        setting["bound"]["set_by"]
    )
    # The PATCH the approval allows is no longer refused.
    patched = await teen.patch("/v1/me/settings", json={KEY: LOOSER})
    assert patched.status_code == 200, patched.text
    assert "setting_request.decided" in await _kinds(teen)
    assert "setting_request.decided" in await _kinds(second)

    withdrawn = await first.delete(f"/v1/teens/{teen.id}/setting-requests/{request['id']}")
    assert withdrawn.status_code == 204, withdrawn.text
    # Back at the bound, and a looser PATCH needs an approval again.
    assert (await _setting(teen))["value"] == BOUND
    expect_problem(
        await teen.patch("/v1/me/settings", json={KEY: LOOSER}), 403, "needs-guardian-approval"
    )
    assert "setting_request.withdrawn" in await _kinds(teen)
    mine = (await teen.get("/v1/me/setting-requests")).json()["items"]
    assert [item["status"] for item in mine] == ["withdrawn"]
    # Withdrawing again changes nothing.
    again = await second.delete(f"/v1/teens/{teen.id}/setting-requests/{request['id']}")
    assert again.status_code == 204
    actions = await _actions(teen)
    for action in ("created", "decided", "withdrawn"):
        assert f"setting_request.{action}" in actions
    assert actions.count("setting_request.withdrawn") == 1


async def test_withdrawing_one_approval_keeps_what_another_allows(family):
    first, second, teen = family
    for guardian in (first, second):
        request = await _asked(teen)
        approved = await guardian.post(_decision(teen.id, request["id"]), json={"approve": True})
        assert approved.status_code == 200
        if guardian is first:
            kept = request
    withdrawn = await first.delete(f"/v1/teens/{teen.id}/setting-requests/{kept['id']}")
    assert withdrawn.status_code == 204
    assert (await _setting(teen))["value"] == LOOSER


async def test_a_decline_changes_no_setting(family):
    first, second, teen = family
    before = await _setting(teen)
    request = await _asked(teen)
    declined = await first.post(_decision(teen.id, request["id"]), json={"approve": False})
    assert declined.json()["status"] == "declined"
    assert (await _setting(teen))["value"] == before["value"]
    # The first decision stands, and a declined request has no approval to withdraw.
    expect_problem(
        await second.post(_decision(teen.id, request["id"]), json={"approve": True}),
        409,
        "already-decided",
    )
    expect_problem(
        await first.delete(f"/v1/teens/{teen.id}/setting-requests/{request['id']}"),
        404,
        "not-found",
    )
    assert (await _setting(teen))["value"] == before["value"]


async def test_thirty_simultaneous_decisions_give_one_answer(family):
    first, second, teen = family
    request = await _asked(teen)
    path = _decision(teen.id, request["id"])
    responses = await asyncio.gather(
        *((first if n % 2 else second).post(path, json={"approve": n % 3 == 0}) for n in range(30))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 29
    [winner] = [r.json() for r in responses if r.status_code == 200]
    [stored] = (await teen.get("/v1/me/setting-requests")).json()["items"]
    assert stored["status"] == winner["status"]
    assert (await _actions(teen)).count("setting_request.decided") == 1


async def test_bad_requests_change_nothing(family, register):
    first, _, teen = family
    cases = [
        ({"key": KEY, "value": BOUND}, 422, "validation"),  # not looser than the bound
        ({"key": KEY, "value": "limited"}, 422, "validation"),
        ({"key": KEY, "value": "no"}, 422, "validation"),  # not a value of the key
        ({"key": "no.such", "value": True}, 422, "validation"),
        ({"key": "search.enabled", "value": True}, 422, "validation"),  # no bound on the key
        ({"key": KEY, "value": LOOSER, "extra": 1}, 422, "validation"),
    ]
    for body, status, slug in cases:
        expect_problem(await teen.post("/v1/me/setting-requests", json=body), status, slug)
    # A guardian's limit wins over an ask.
    limited = await set_limits(first, teen.id, {KEY: BOUND})
    assert limited.status_code == 200, limited.text
    problem = expect_problem(await _ask(teen), 422, "validation")
    assert "@parent_one" in str(problem["errors"])
    # Without a linked guardian.
    lonely = await register("lonely_teen", 15)
    expect_problem(await _ask(lonely), 409, "no-guardian")
    # Adults do not ask; teens do not decide.
    expect_problem(await _ask(first), 403, "forbidden")
    assert (await teen.get("/v1/me/setting-requests")).json()["items"] == []
    assert (await lonely.get("/v1/me/setting-requests")).json()["items"] == []
    unknown = "01890000-0000-7000-8000-000000000000"
    expect_problem(
        await first.post(_decision(teen.id, unknown), json={"approve": True}), 404, "not-found"
    )
    expect_problem(
        await teen.post(_decision(teen.id, unknown), json={"approve": True}), 403, "forbidden"
    )


async def test_strangers_get_404(family, register):
    _, _, teen = family
    request = await _asked(teen)
    stranger = await register("stranger", 45)
    for response in (
        await stranger.get(f"/v1/teens/{teen.id}/setting-requests"),
        await stranger.post(_decision(teen.id, request["id"]), json={"approve": True}),
        await stranger.delete(f"/v1/teens/{teen.id}/setting-requests/{request['id']}"),
    ):
        expect_problem(response, 404, "not-found")
    assert (await teen.get("/v1/me/setting-requests")).json()["items"][0]["status"] == "pending"


async def test_the_export_holds_the_teens_setting_requests(family):
    first, _, teen = family
    request = await _asked(teen, note="films")
    await first.post(_decision(teen.id, request["id"]), json={"approve": True})
    exported = (await teen.get("/v1/me/export")).json()["setting_requests"]
    assert [(r["id"], r["key"], r["value"], r["note"], r["status"]) for r in exported] == [
        (request["id"], KEY, LOOSER, "films", "approved")
    ]
