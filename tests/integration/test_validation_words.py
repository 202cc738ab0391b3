"""What a client or a person reads when a value is refused: the field the client sent, in a
sentence a person understands, never a validator's internals (issue 23, section 4)."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, birthdate_for_age, expect_problem

ADULT = {"handle": "alex", "password": PASSWORD, "birthdate": birthdate_for_age(30).isoformat()}
INTERNALS = (
    "Input should",
    "String should",
    "Expected `",
    "Invalid RFC3339",
    "Value error",
    "Datetimes provided",
    "'data'",
    "items after validation",
    "Field required",
)


def refused(response, **errors: str) -> str:
    """The 422's errors are exactly ``errors`` (field: message); its detail is returned."""
    body = expect_problem(response, 422, "validation")
    assert {e["field"]: e["message"] for e in body["errors"]} == errors
    assert not any(word in body["detail"] for word in INTERNALS), body["detail"]
    return body["detail"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short"}, "password", "password must be at least 10 characters"),
        ({"password": 12345678901}, "password", "password must be text"),
        (
            {"birthdate": "2011-04-30T10:00:00"},
            "birthdate",
            "birthdate must be a date like 2011-04-30",
        ),
        ({"birthdate": "yesterday"}, "birthdate", "birthdate must be a date like 2011-04-30"),
        ({"country": "GBR"}, "country", "country must be a two-letter country code like GB"),
        ({"country": "XX"}, "country", "country must be a two-letter country code like GB"),
        (
            {"timezone": "Mars/Base"},
            "timezone",
            "timezone must be a time zone name like Europe/London",
        ),
        ({"handle": "A!"}, "handle", "handle must be 3 to 30 characters, each a-z, 0-9, _ or ."),
        (
            {"display_name": "x" * 65},
            "display_name",
            "display_name must have at most 64 characters",
        ),
        ({"is_admin": True}, "is_admin", "is_admin is not a field this request takes"),
    ],
)
async def test_a_refused_registration_names_the_field_in_a_sentence(client, change, field, message):
    detail = refused(
        await client.post("/v1/accounts", json={**ADULT, **change}), **{field: message}
    )
    assert detail == message


@pytest.mark.parametrize("empty", [b"", b"{}"])
async def test_an_empty_registration_says_what_is_required(client, empty):
    response = await client.post(
        "/v1/accounts", content=empty, headers={"content-type": "application/json"}
    )
    detail = refused(
        response,
        handle="handle is required",
        password="password is required",
        birthdate="birthdate is required",
    )
    assert detail == "handle, password and birthdate are required"


async def test_a_body_that_is_not_an_object_is_named_body(client):
    refused(await client.post("/v1/accounts", json=[]), body="body must be an object")


async def test_query_parameters_are_named_as_sent(register):
    sam = await register("sam", 14)
    days = "/v1/me/screen-time/days"
    refused(
        await sam.get(days, params={"from": "yesterday"}),
        **{"from": "from must be a date like 2026-12-07"},
    )
    refused(
        await sam.get(days, params={"to": "2026-13-01"}), to="to must be a date like 2026-12-07"
    )
    refused(await sam.get("/v1/me/audit", params={"limit": "0"}), limit="limit must be at least 1")
    refused(
        await sam.get("/v1/me/audit", params={"limit": "many"}),
        limit="limit must be a whole number",
    )


async def test_help_for_a_country_that_is_not_a_code_says_what_one_looks_like(register):
    sam = await register("sam", 14)
    response = await sam.get("/v1/safety/resources", params={"country": "GBR"})
    refused(response, country="country must be a two-letter country code like GB")


async def test_sign_in_and_password_change_say_what_is_missing(register, client):
    detail = refused(
        await client.post("/v1/auth/token", json={}),
        handle="handle is required",
        password="password is required",
    )
    assert detail == "handle and password are required"


async def test_a_settings_value_names_its_key(register):
    sam = await register("sam", 14)
    refused(
        await sam.patch("/v1/me/settings", json={"live.enabled": "maybe"}),
        **{"live.enabled": 'live.enabled must be true or false, not "maybe"'},
    )
    refused(
        await sam.patch("/v1/me/settings", json={"no.such": True}),
        **{"no.such": "no.such is not a setting"},
    )
