"""Sessions, tokens and what a cache may keep: an access token is only as good as its sign-in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from litestar.testing import AsyncTestClient

from family_safety.lib.security.keyring import load_keyring, save_keyring
from family_safety.server.app import create_app
from tests.helpers import CHEAP_HASHER, PASSWORD, expect_problem


def _resigned(settings, token: str, **changes) -> str:
    """The token's claims, changed, signed with the service's own active key."""
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    key = load_keyring(settings.resolved_keyring_path).active
    return jwt.encode(
        claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"}
    )


async def test_an_access_token_naming_a_session_never_begun_is_refused(register, settings):
    teen = await register("teen_14", 14)
    forged = _resigned(settings, teen.tokens["access_token"], sid=str(uuid.uuid4()))
    response = await teen.client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    expect_problem(response, 401, "unauthorized")


async def test_an_access_token_naming_another_accounts_session_is_refused(register, settings):
    teen = await register("teen_14", 14)
    parent = await register("parent", 40)
    parents_session = jwt.decode(
        parent.tokens["access_token"], options={"verify_signature": False}
    )["sid"]
    forged = _resigned(settings, teen.tokens["access_token"], sid=parents_session)
    response = await teen.client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    expect_problem(response, 401, "unauthorized")


async def test_a_refreshed_session_stays_signed_in(register, client):
    teen = await register("teen_14", 14)
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": teen.tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    for access_token in (teen.tokens["access_token"], refreshed.json()["access_token"]):
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {access_token}"})
        assert me.status_code == 200


async def test_no_cache_keeps_an_answer_carrying_a_token_a_code_a_birthdate_or_an_export(
    register, client
):
    body = {"handle": "parent", "password": PASSWORD, "birthdate": "1980-01-01"}
    registered = await client.post("/v1/accounts", json=body)
    signed_in = await client.post("/v1/auth/token", json={"handle": "parent", "password": PASSWORD})
    tokens = signed_in.json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    me = await client.get("/v1/me", headers=headers)
    export = await client.get("/v1/me/export", headers=headers)
    invitation = await client.post("/v1/pairing-invitations", json={}, headers=headers)
    qr = await client.get(
        f"/v1/pairing-invitations/{invitation.json()['id']}/qr.svg", headers=headers
    )
    password_changed = await client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "another long password"},
        headers=headers,
    )
    answers = {
        "registration": registered,
        "sign-in": signed_in,
        "refresh": refreshed,
        "GET /v1/me": me,
        "export": export,
        "invitation": invitation,
        "qr.svg": qr,
        "password change": password_changed,
    }
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.text)
        assert "no-store" in answer.headers.get("cache-control", ""), name


async def test_after_a_key_rotation_the_running_service_signs_with_the_new_key(settings):
    settings = settings.model_copy(update={"keyring_check_seconds": 0})
    async with AsyncTestClient(app=create_app(settings, hasher=CHEAP_HASHER)) as client:
        body = {"handle": "parent", "password": PASSWORD, "birthdate": "1980-01-01"}
        assert (await client.post("/v1/accounts", json=body)).status_code == 201
        credentials = {"handle": "parent", "password": PASSWORD}
        before = (await client.post("/v1/auth/token", json=credentials)).json()["access_token"]

        path = settings.resolved_keyring_path
        rotated = load_keyring(path).rotated(datetime.now(UTC), keep_retired_for=timedelta(hours=1))
        save_keyring(path, rotated)

        served = {key["kid"] for key in (await client.get("/.well-known/jwks.json")).json()["keys"]}
        assert served == {key.kid for key in rotated.keys}
        after = (await client.post("/v1/auth/token", json=credentials)).json()["access_token"]
        assert jwt.get_unverified_header(after)["kid"] == rotated.active.kid
        for token in (before, after):
            me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200


async def _sign_in(client, handle: str, password: str = PASSWORD, device_token: str | None = None):
    body = {"handle": handle, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return await client.post("/v1/auth/token", json=body)


async def test_a_teen_locked_out_by_someone_else_still_signs_in_from_their_own_device(
    register, client
):
    teen = await register("teen_14", 14)
    device_token = teen.tokens["device_token"]
    for _ in range(10):  # someone else, guessing
        assert (await _sign_in(client, teen.handle, "a wrong guess")).status_code == 401
    expect_problem(await _sign_in(client, teen.handle), 429, "rate-limited")

    from_own_device = await _sign_in(client, teen.handle, device_token=device_token)
    assert from_own_device.status_code == 200
    assert from_own_device.json()["device_token"]
    # The guesser gains nothing from it: without the device token the handle stays locked.
    expect_problem(await _sign_in(client, teen.handle), 429, "rate-limited")


async def test_a_device_token_is_for_its_own_handle_and_its_own_failures_count(register, client):
    teen = await register("teen_14", 14)
    other = await register("other_14", 14)
    for _ in range(10):
        await _sign_in(client, teen.handle, "a wrong guess")
    other_device = other.tokens["device_token"]
    expect_problem(
        await _sign_in(client, teen.handle, device_token=other_device), 429, "rate-limited"
    )
    expect_problem(
        await _sign_in(client, teen.handle, device_token="not.a.token"), 429, "rate-limited"
    )

    device_token = teen.tokens["device_token"]
    for _ in range(10):  # guessed from the device itself
        wrong = await _sign_in(client, teen.handle, "a wrong guess", device_token)
        assert wrong.status_code == 401
    expect_problem(
        await _sign_in(client, teen.handle, device_token=device_token), 429, "rate-limited"
    )


async def test_a_device_token_never_lifts_the_limit_per_address(register, client):
    teen = await register("teen_14", 14)
    for attempt in range(30):
        await _sign_in(client, f"nobody_{attempt}", "a wrong guess")
    expect_problem(
        await _sign_in(client, teen.handle, device_token=teen.tokens["device_token"]),
        429,
        "rate-limited",
    )


async def test_a_device_token_outlives_nothing_of_a_deleted_account(register, client):
    former = await register("teen_14", 14)
    device_token = former.tokens["device_token"]
    deleted = await former.request_delete("/v1/me", json={"password": PASSWORD})
    assert deleted.status_code == 204
    await register("teen_14", 15)  # someone else takes the handle
    for _ in range(10):
        await _sign_in(client, "teen_14", "a wrong guess")
    expect_problem(
        await _sign_in(client, "teen_14", device_token=device_token), 429, "rate-limited"
    )
