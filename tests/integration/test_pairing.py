"""Pairing: invitations, consent, links and how they end."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import jwt
import pytest
import time_machine

from family_safety.domain.policy.catalog import SETTING_KEYS
from family_safety.lib.clock import utc_now
from tests.helpers import expect_problem, invite, pair


async def test_invitation_has_a_signed_token_and_a_typed_code(register):
    parent = await register("parent", 40)
    invitation = await invite(parent)
    code = invitation["code"]
    assert len(code) == 9
    assert code[4] == "-"
    assert set(code.replace("-", "")) <= set("BCDFGHJKLMNPQRSTVWXZ")
    assert jwt.get_unverified_header(invitation["token"])["typ"] == "pairing+jwt"
    expires = invitation["expires_at"]
    assert expires > utc_now().isoformat()[:19]


async def test_preview_shows_who_asks_and_spends_nothing(register):
    parent = await register("parent", 40, display_name="Alex Parent")
    teen = await register("teen_14", 14)
    invitation = await invite(parent)
    for _ in range(2):
        preview = await teen.post(
            "/v1/pairing-invitations/preview", json={"token": invitation["token"]}
        )
        assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["guardian"] == {"id": parent.id, "handle": "parent", "display_name": "Alex Parent"}
    assert "birthdate" not in preview.text
    assert "screen_time.daily_limit_minutes" in body["controls"]
    assert "messaging.direct_messages" in body["controls"]
    linked = await teen.post("/v1/pairings", json={"token": invitation["token"]})
    assert linked.status_code == 201


async def test_typed_code_ignores_case_spaces_and_hyphen(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    code = (await invite(parent))["code"].replace("-", "")
    typed = f" {code[:2].lower()} {code[2:6]}-{code[6:].lower()} "
    response = await teen.post("/v1/pairings", json={"code": typed})
    assert response.status_code == 201, response.text
    link = response.json()
    assert link["status"] == "active"
    assert link["guardian"]["id"] == parent.id
    assert link["teen"]["id"] == teen.id
    assert link["ended_at"] is None


async def test_the_invitation_works_once_by_token_or_code(register):
    parent = await register("parent", 40)
    first = await register("teen_14", 14)
    second = await register("teen_15", 15)
    invitation = await invite(parent)
    assert (await first.post("/v1/pairings", json={"code": invitation["code"]})).status_code == 201
    for proof in ({"code": invitation["code"]}, {"token": invitation["token"]}):
        expect_problem(await second.post("/v1/pairings", json=proof), 409, "invitation-used")


@pytest.mark.parametrize(
    "proof",
    [
        {"code": "BCDF-GHJK"},
        {"code": "AAAA-AAAA"},
        {"token": "not.a.jwt"},
        {"token": "eyJhbGciOiJub25lIn0.eyJpbnYiOiIxIn0."},
    ],
)
async def test_unknown_or_forged_invitations_are_400(register, proof):
    teen = await register("teen_14", 14)
    expect_problem(await teen.post("/v1/pairings", json=proof), 400, "invitation-invalid")


async def test_an_access_token_is_not_an_invitation_and_vice_versa(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    access = parent.tokens["access_token"]
    expect_problem(
        await teen.post("/v1/pairings", json={"token": access}), 400, "invitation-invalid"
    )
    invitation = await invite(parent)
    as_bearer = await teen.client.get(
        "/v1/me", headers={"Authorization": f"Bearer {invitation['token']}"}
    )
    expect_problem(as_bearer, 401, "unauthorized")


@pytest.mark.parametrize("body", [{}, {"code": "BCDF-GHJK", "token": "x"}, {"code": 12345678}])
async def test_exactly_one_of_token_and_code(register, body):
    teen = await register("teen_14", 14)
    expect_problem(await teen.post("/v1/pairings", json=body), 422, "validation")


async def test_only_adults_invite_and_only_teens_consent(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    adult = await register("other_adult", 19)
    expect_problem(await teen.post("/v1/pairing-invitations", json={}), 403, "not-an-adult")
    code = (await invite(parent))["code"]
    expect_problem(await adult.post("/v1/pairings", json={"code": code}), 403, "not-a-teen")
    preview = await adult.post("/v1/pairing-invitations/preview", json={"code": code})
    expect_problem(preview, 403, "not-a-teen")


async def test_expired_and_revoked_invitations_are_410(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    revoked = await invite(parent)
    assert (await parent.delete(f"/v1/pairing-invitations/{revoked['id']}")).status_code == 204
    expect_problem(
        await teen.post("/v1/pairings", json={"code": revoked["code"]}), 410, "invitation-expired"
    )
    expiring = await invite(parent)
    with time_machine.travel(utc_now() + timedelta(minutes=10, seconds=1), tick=False):
        await teen.sign_in()
        for proof in ({"code": expiring["code"]}, {"token": expiring["token"]}):
            response = await teen.post("/v1/pairings", json=proof)
            expect_problem(response, 410, "invitation-expired")


async def test_already_linked_and_guardian_limit(register):
    first = await register("first_parent", 40)
    second = await register("second_parent", 41)
    third = await register("third_parent", 42)
    teen = await register("teen_14", 14)
    await pair(first, teen)
    again = (await invite(first))["code"]
    expect_problem(await teen.post("/v1/pairings", json={"code": again}), 409, "already-linked")
    await pair(second, teen)
    third_code = (await invite(third))["code"]
    expect_problem(
        await teen.post("/v1/pairings", json={"code": third_code}), 409, "guardian-limit-reached"
    )


async def test_five_live_invitations_at_most(register):
    parent = await register("parent", 40)
    invitations = [await invite(parent) for _ in range(5)]
    expect_problem(
        await parent.post("/v1/pairing-invitations", json={}), 409, "invitation-limit-reached"
    )
    await parent.delete(f"/v1/pairing-invitations/{invitations[0]['id']}")
    assert (await parent.post("/v1/pairing-invitations", json={})).status_code == 201


async def test_qr_code_is_an_svg_for_its_guardian_only(register):
    parent = await register("parent", 40)
    stranger = await register("stranger", 40)
    invitation = await invite(parent)
    qr = await parent.get(f"/v1/pairing-invitations/{invitation['id']}/qr.svg")
    assert qr.status_code == 200
    assert qr.headers["content-type"].startswith("image/svg+xml")
    # A stand-alone SVG document, the same bytes on every fetch (it is scanned in
    # tests/e2e/test_what_people_see.py).
    assert qr.text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert 'xmlns="http://www.w3.org/2000/svg"' in qr.text
    again = await parent.get(f"/v1/pairing-invitations/{invitation['id']}/qr.svg")
    assert again.content == qr.content
    expect_problem(
        await stranger.get(f"/v1/pairing-invitations/{invitation['id']}/qr.svg"), 404, "not-found"
    )
    expect_problem(
        await stranger.delete(f"/v1/pairing-invitations/{invitation['id']}"), 404, "not-found"
    )


async def test_more_than_five_wrong_codes_is_429_until_the_window_passes(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    for _ in range(5):
        response = await teen.post("/v1/pairing-invitations/preview", json={"code": "BCDF-BCDF"})
        expect_problem(response, 400, "invitation-invalid")
    code = (await invite(parent))["code"]
    limited = await teen.post("/v1/pairings", json={"code": code})
    expect_problem(limited, 429, "rate-limited")
    assert int(limited.headers["retry-after"]) <= 600
    with time_machine.travel(utc_now() + timedelta(minutes=10, seconds=1), tick=False):
        await teen.sign_in()
        await parent.sign_in()
        fresh = (await invite(parent))["code"]
        assert (await teen.post("/v1/pairings", json={"code": fresh})).status_code == 201


async def test_links_list_both_sides_and_ending_notifies_the_other(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    link = await pair(parent, teen)
    for person in (parent, teen):
        page = (await person.get("/v1/pairings")).json()
        assert [item["id"] for item in page["items"]] == [link["id"]]
        assert page["next_cursor"] is None
    assert (await teen.delete(f"/v1/pairings/{link['id']}")).status_code == 204
    assert (await teen.delete(f"/v1/pairings/{link['id']}")).status_code == 204  # no change
    listed = (await parent.get("/v1/pairings")).json()["items"][0]
    assert listed["status"] == "ended"
    assert listed["ended_at"] is not None
    notes = (await parent.get("/v1/me/notifications")).json()["items"]
    assert [n["kind"] for n in notes] == ["link.created", "link.ended"]
    assert notes[1]["data"]["ended_by"]["id"] == teen.id
    assert notes[1]["data"]["teen"]["handle"] == "teen_14"


async def test_consent_gives_the_teen_a_receipt_of_what_was_agreed(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    link = await pair(parent, teen)
    notes = (await teen.get("/v1/me/notifications")).json()["items"]
    assert [note["kind"] for note in notes] == ["link.created"]
    receipt = notes[0]
    assert receipt["data"]["link_id"] == link["id"]
    assert receipt["data"]["guardian"] == {
        "id": parent.id,
        "handle": "parent",
        "display_name": "parent",
    }
    assert receipt["data"]["controls"] == list(SETTING_KEYS)
    assert receipt["created_at"] == link["created_at"]
    to_the_guardian = (await parent.get("/v1/me/notifications")).json()["items"]
    assert [note["data"]["teen"]["id"] for note in to_the_guardian] == [teen.id]


async def test_only_the_two_sides_can_end_a_link(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    stranger = await register("stranger", 40)
    link = await pair(parent, teen)
    expect_problem(await stranger.delete(f"/v1/pairings/{link['id']}"), 404, "not-found")
    assert (await parent.delete(f"/v1/pairings/{link['id']}")).status_code == 204
    notes = (await teen.get("/v1/me/notifications")).json()["items"]
    assert notes[-1]["kind"] == "link.ended"
    assert notes[-1]["data"]["ended_by"]["id"] == parent.id


async def test_pages_walk_with_a_cursor(register):
    parent = await register("parent", 40)
    teens = [await register(f"teen_{n}", 14) for n in range(2)]
    links = [await pair(parent, teen) for teen in teens]
    first = (await parent.get("/v1/pairings", params={"limit": 1})).json()
    assert [item["id"] for item in first["items"]] == [links[0]["id"]]
    second = await parent.get("/v1/pairings", params={"limit": 1, "cursor": first["next_cursor"]})
    assert [item["id"] for item in second.json()["items"]] == [links[1]["id"]]
    assert second.json()["next_cursor"] is None
    for bad in ({"limit": 0}, {"limit": 101}, {"cursor": "!!!"}):
        expect_problem(await parent.get("/v1/pairings", params=bad), 422, "validation")


async def test_concurrent_redemptions_link_exactly_once(register):
    parent = await register("parent", 40)
    teens = [await register(f"teen_{n}", 14) for n in range(5)]
    code = (await invite(parent))["code"]
    responses = await asyncio.gather(
        *(teen.post("/v1/pairings", json={"code": code}) for teen in teens)
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409]
    assert len((await parent.get("/v1/pairings")).json()["items"]) == 1


async def test_idempotency_key_replays_the_first_answer(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    key = {"Idempotency-Key": "invite-7d1c"}
    first = await parent.post("/v1/pairing-invitations", json={}, headers=key)
    retry = await parent.post("/v1/pairing-invitations", json={}, headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert (await parent.post("/v1/pairing-invitations", json={})).status_code == 201
    # Two invitations exist, not three: five live at most, so three more fit and the sixth fails.
    for _ in range(3):
        assert (await parent.post("/v1/pairing-invitations", json={})).status_code == 201
    expect_problem(
        await parent.post("/v1/pairing-invitations", json={}), 409, "invitation-limit-reached"
    )

    consent = {"Idempotency-Key": "consent-1"}
    proof = {"code": first.json()["code"]}
    linked = await teen.post("/v1/pairings", json=proof, headers=consent)
    again = await teen.post("/v1/pairings", json=proof, headers=consent)
    assert linked.status_code == again.status_code == 201
    assert again.json() == linked.json()
    other = await teen.post("/v1/pairings", json={"code": "BCDF-GHJK"}, headers=consent)
    expect_problem(other, 422, "idempotency-key-reused")
    assert len((await teen.get("/v1/pairings")).json()["items"]) == 1


async def test_a_failed_request_does_not_hold_its_idempotency_key(register):
    parent = await register("parent", 40)
    teen = await register("teen_14", 14)
    key = {"Idempotency-Key": "retry-me"}
    expect_problem(
        await teen.post("/v1/pairing-invitations", json={}, headers=key), 403, "not-an-adult"
    )
    code = (await invite(parent))["code"]
    assert (await teen.post("/v1/pairings", json={"code": code}, headers=key)).status_code == 201
