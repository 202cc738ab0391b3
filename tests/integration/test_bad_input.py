"""Bad input a client may send, by mistake or on purpose: always a 4xx problem, never a 5xx."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, birthdate_for_age, expect_problem


def nested(levels: int) -> bytes:
    """A JSON array nested ``levels`` deep."""
    return b"[" * levels + b"]" * levels


JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("path", ["/v1/accounts", "/v1/auth/token"])
async def test_json_nested_33_levels_is_refused_as_malformed_even_anonymously(client, path):
    response = await client.post(path, content=nested(33), headers=JSON)
    expect_problem(response, 400, "malformed-body")


@pytest.mark.parametrize("path", ["/v1/accounts", "/v1/auth/token"])
async def test_json_nested_100000_levels_is_refused_as_malformed_not_a_crash(client, path):
    response = await client.post(path, content=nested(100_000), headers=JSON)
    expect_problem(response, 400, "malformed-body")


async def test_json_nested_32_levels_is_decoded_and_judged_on_its_values(client):
    response = await client.post("/v1/accounts", content=nested(32), headers=JSON)
    expect_problem(response, 422, "validation")


async def test_brackets_inside_strings_do_not_count_as_nesting(client):
    body = {"handle": "[{" * 40 + '\\"]', "password": PASSWORD, "birthdate": "2000-01-01"}
    response = await client.post("/v1/accounts", json=body)
    expect_problem(response, 422, "validation")


async def test_deep_json_in_a_signed_in_settings_change_is_malformed(register):
    adult = await register("alex", 30)
    body = b'{"content.keyword_filters": ' + nested(40) + b"}"
    response = await adult.patch("/v1/me/settings", content=body, headers=JSON)
    expect_problem(response, 400, "malformed-body")


async def test_deep_json_without_a_token_is_401_before_the_body_is_read(client):
    response = await client.patch("/v1/me/settings", content=nested(100), headers=JSON)
    expect_problem(response, 401, "unauthorized")


async def test_a_normal_registration_still_works(client):
    body = {"handle": "sam", "password": PASSWORD, "birthdate": birthdate_for_age(14).isoformat()}
    assert (await client.post("/v1/accounts", json=body)).status_code == 201
