"""Sessions, tokens and what a cache may keep: an access token is only as good as its sign-in."""

from __future__ import annotations

import uuid

import jwt

from family_safety.security.keyring import load_keyring
from tests.helpers import expect_problem


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
