"""Tokens that must never pass (RFC 8725): every one is a 401 problem, never a 500."""

from __future__ import annotations

import statistics
import time

import jwt
import pytest
from litestar.testing import AsyncTestClient

from family_safety.lib.security.keyring import load_keyring
from family_safety.server.app import create_app
from tests.helpers import CHEAP_HASHER, PASSWORD, expect_problem


def _signed(settings, claims: dict, **header) -> str:
    key = load_keyring(settings.resolved_keyring_path).active
    headers = {"kid": key.kid, "typ": "at+jwt", **header}
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=headers)


@pytest.mark.parametrize(
    ("change", "header"),
    [
        ({"aud": "someone-else"}, {}),
        ({"iss": "someone-else"}, {}),
        ({"exp": 1}, {}),
        ({"sub": None}, {}),
        ({"jti": None}, {}),
        ({"sid": None}, {}),
        ({"sub": "not-a-uuid"}, {}),
        ({}, {"kid": "unknown-kid"}),
        ({}, {"typ": "pairing+jwt"}),
        ({}, {"typ": "JWT"}),
    ],
)
async def test_well_signed_but_wrong_tokens_are_401(register, settings, change, header):
    teen = await register("teen_14", 14)
    claims = jwt.decode(teen.tokens["access_token"], options={"verify_signature": False})
    claims.update(change)
    claims = {name: value for name, value in claims.items() if value is not None}
    forged = _signed(settings, claims, **header)
    response = await teen.client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    expect_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "e30.e30.",
        "\u00e9\u00e9\u00e9.\u00e9.\u00e9".encode("latin-1"),
        "x" * 100 * 1024,
    ],
)
async def test_garbage_tokens_are_401(client, token):
    authorization = b"Bearer " + token if isinstance(token, bytes) else f"Bearer {token}"
    response = await client.get("/v1/me", headers={"Authorization": authorization})
    expect_problem(response, 401, "unauthorized")


async def test_a_100_kib_jwt_header_is_401(client):
    header = "eyJ" + "A" * 100 * 1024
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {header}.e30.sig"})
    expect_problem(response, 401, "unauthorized")


async def test_unknown_handle_and_wrong_password_look_the_same(settings):
    """The bar is the identical answer; the timing figure is reported, not asserted."""
    unlimited = settings.model_copy(
        update={"sign_in_max_failures_per_handle": 1000, "sign_in_max_failures_per_address": 1000}
    )
    timings: dict[str, list[float]] = {"unknown handle": [], "wrong password": []}
    bodies = set()
    async with AsyncTestClient(app=create_app(unlimited, hasher=CHEAP_HASHER)) as client:
        body = {"handle": "parent", "password": PASSWORD, "birthdate": "1980-01-01"}
        assert (await client.post("/v1/accounts", json=body)).status_code == 201
        for attempt in range(100):
            for case, handle in (
                ("unknown handle", f"nobody_{attempt}"),
                ("wrong password", "parent"),
            ):
                started = time.perf_counter()
                response = await client.post(
                    "/v1/auth/token", json={"handle": handle, "password": PASSWORD + "x"}
                )
                timings[case].append(time.perf_counter() - started)
                assert response.status_code == 401
                bodies.add(response.text)
    assert len(bodies) == 1
    medians = {case: statistics.median(values) for case, values in timings.items()}
    difference = abs(medians["unknown handle"] - medians["wrong password"]) / max(medians.values())
    print(f"median sign-in failure times: {medians}; difference {difference:.1%}")
