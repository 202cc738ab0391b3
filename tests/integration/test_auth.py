from __future__ import annotations

import base64
import json

import jwt
import pytest
import time_machine

from family_safety.lib.clock import utc_now
from tests.helpers import PASSWORD, expect_problem


async def _sign_in(client, handle: str, password: str = PASSWORD):
    return await client.post("/v1/auth/token", json={"handle": handle, "password": password})


async def test_sign_in_answers_a_token_pair(register, client):
    await register("parent", 40)
    response = await _sign_in(client, "parent")
    assert response.status_code == 200
    pair = response.json()
    assert pair["token_type"] == "Bearer"
    assert 0 < pair["expires_in"] <= 3600
    assert pair["refresh_token"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["handle"] == "parent"


async def test_access_token_is_an_eddsa_jwt_verifiable_from_the_jwks(register, client):
    parent = await register("parent", 40)
    token = parent.tokens["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "at+jwt"
    jwks = (await client.get("/.well-known/jwks.json")).json()
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert "d" not in key  # public part only
    public = jwt.PyJWK(key).key
    claims = jwt.decode(
        token,
        public,
        algorithms=["EdDSA"],
        audience=jwt.decode(token, options={"verify_signature": False})["aud"],
    )
    assert claims["sub"] == parent.id
    assert {"iss", "aud", "sub", "iat", "exp", "jti"} <= claims.keys()
    assert claims["exp"] - claims["iat"] <= 3600
    assert not {"age_band", "birthdate", "role", "age"} & claims.keys()


async def test_wrong_password_and_unknown_handle_get_the_same_answer(register, client):
    await register("parent", 40)
    wrong_password = await _sign_in(client, "parent", "not the password")
    unknown_handle = await _sign_in(client, "nobody_here", "not the password")
    expect_problem(wrong_password, 401, "invalid-credentials")
    assert wrong_password.status_code == unknown_handle.status_code
    assert wrong_password.json() == unknown_handle.json()


async def test_eleventh_failed_sign_in_for_a_handle_is_rate_limited(register, client):
    await register("parent", 40)
    for _ in range(10):
        assert (await _sign_in(client, "parent", "wrong password!")).status_code == 401
    limited = await _sign_in(client, "parent")
    expect_problem(limited, 429, "rate-limited")
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    # The lock-out never outlasts the window.
    with time_machine.travel(utc_now().timestamp() + 15 * 60 + 1, tick=False):
        assert (await _sign_in(client, "parent")).status_code == 200


async def test_failures_from_one_address_are_limited_across_handles(client):
    for attempt in range(30):
        assert (await _sign_in(client, f"nobody_{attempt}", "wrong password!")).status_code == 401
    expect_problem(await _sign_in(client, "someone_else", "wrong password!"), 429, "rate-limited")


async def test_successful_sign_ins_never_count(register, client):
    await register("parent", 40)
    for _ in range(40):
        assert (await _sign_in(client, "parent")).status_code == 200


async def test_refresh_rotates_and_a_reused_token_revokes_thefamily(register, client):
    parent = await register("parent", 40)
    first = parent.tokens["refresh_token"]
    rotated = await client.post("/v1/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    expect_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": first}),
        401,
        "invalid-refresh-token",
    )
    # The reuse revoked the whole family, including the newest token.
    expect_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": second}),
        401,
        "invalid-refresh-token",
    )


async def test_unknown_refresh_token_is_401(client):
    expect_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": "made-up"}),
        401,
        "invalid-refresh-token",
    )


async def test_expired_refresh_token_is_401(register, client):
    parent = await register("parent", 40)
    with time_machine.travel(utc_now().timestamp() + 31 * 24 * 3600, tick=False):
        response = await client.post(
            "/v1/auth/refresh", json={"refresh_token": parent.tokens["refresh_token"]}
        )
    expect_problem(response, 401, "invalid-refresh-token")


async def test_logout_revokes_thefamily(register, client):
    parent = await register("parent", 40)
    rotated = (
        await client.post(
            "/v1/auth/refresh", json={"refresh_token": parent.tokens["refresh_token"]}
        )
    ).json()
    assert (
        await client.post("/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    ).status_code == 204
    expect_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}),
        401,
        "invalid-refresh-token",
    )


async def test_logout_ends_every_session_of_the_account(register, client):
    parent = await register("parent", 40)
    other = (await _sign_in(client, "parent")).json()
    other_headers = {"Authorization": f"Bearer {other['access_token']}"}
    assert (await client.get("/v1/me", headers=other_headers)).status_code == 200
    logout = await client.post(
        "/v1/auth/logout", json={"refresh_token": parent.tokens["refresh_token"]}
    )
    assert logout.status_code == 204
    for refresh_token in (parent.tokens["refresh_token"], other["refresh_token"]):
        response = await client.post("/v1/auth/refresh", json={"refresh_token": refresh_token})
        expect_problem(response, 401, "invalid-refresh-token")
    for headers in (parent.headers, other_headers):
        expect_problem(await client.get("/v1/me", headers=headers), 401, "unauthorized")
    assert (await _sign_in(client, "parent")).status_code == 200


async def test_a_reused_refresh_token_also_ends_its_access_tokens(register, client):
    parent = await register("parent", 40)
    first = parent.tokens["refresh_token"]
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": first})).status_code == 200
    await client.post("/v1/auth/refresh", json={"refresh_token": first})  # the reuse
    expect_problem(await client.get("/v1/me", headers=parent.headers), 401, "unauthorized")


async def test_password_change_needs_the_current_password_and_ends_other_sessions(register, client):
    parent = await register("parent", 40)
    new_password = "a whole new passphrase"
    wrong = await parent.post(
        "/v1/me/password",
        json={"current_password": "not it at all", "new_password": new_password},
    )
    expect_problem(wrong, 403, "wrong-password")
    short = await parent.post(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"}
    )
    expect_problem(short, 422, "validation")
    changed = await parent.post(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": new_password}
    )
    assert changed.status_code == 200
    pair = changed.json()
    expect_problem(await client.get("/v1/me", headers=parent.headers), 401, "unauthorized")
    refreshed = await client.post(
        "/v1/auth/refresh", json={"refresh_token": parent.tokens["refresh_token"]}
    )
    expect_problem(refreshed, 401, "invalid-refresh-token")
    fresh = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.get("/v1/me", headers=fresh)).status_code == 200
    expect_problem(await _sign_in(client, "parent", PASSWORD), 401, "invalid-credentials")
    assert (await _sign_in(client, "parent", new_password)).status_code == 200


def _forge(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer " + "a" * 100_000,
    ],
)
async def test_missing_or_bad_token_is_401_with_www_authenticate(client, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await client.get("/v1/me", headers=headers)
    expect_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_tampered_alg_none_and_expired_tokens_are_401(register, client):
    parent = await register("parent", 40)
    token = parent.tokens["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    public_key = next(
        key
        for key in (await client.get("/.well-known/jwks.json")).json()["keys"]
        if key["kid"] == kid
    )
    forgeries = [
        _forge(token, sub="00000000-0000-0000-0000-000000000000"),
        jwt.encode(claims, None, algorithm="none"),
        # Algorithm confusion: HS256 keyed with the published public key.
        jwt.encode(claims, public_key["x"] * 2, algorithm="HS256", headers={"kid": kid}),
    ]
    for forged in forgeries:
        response = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
        expect_problem(response, 401, "unauthorized")
    with time_machine.travel(utc_now().timestamp() + 3601, tick=False):
        expired = await client.get("/v1/me", headers=parent.headers)
    expect_problem(expired, 401, "unauthorized")
