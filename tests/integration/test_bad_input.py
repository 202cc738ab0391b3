"""Bad input a client may send, by mistake or on purpose: always a 4xx problem, never a 5xx."""

from __future__ import annotations

import base64
import json

import pytest
from litestar.testing import AsyncTestClient

from family_safety.server.app import create_app
from family_safety.server.logs import ACCESS_LOGGER
from tests.helpers import CHEAP_HASHER, PASSWORD, birthdate_for_age, expect_problem


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


def new_account(**extra: str) -> dict[str, str]:
    body = {"handle": "sam", "password": PASSWORD, "birthdate": birthdate_for_age(30).isoformat()}
    return {**body, **extra}


@pytest.mark.parametrize(
    "display_name",
    [
        "mum\x00",  # NUL: PostgreSQL cannot store it
        "\u202eevil",  # right-to-left override
        "sam\u2066x\u2069",  # a bidi isolate
        "\u200b\u200b",  # only zero-width spaces
        "\u200d",  # only a zero-width joiner
        "   ",  # only spaces
        "\u3164",  # a Hangul filler: looks blank
        "line\nbreak",  # a control character
        "bell\x07",
    ],
)
async def test_display_names_that_hide_or_disguise_themselves_are_refused(client, display_name):
    response = await client.post("/v1/accounts", json=new_account(display_name=display_name))
    body = expect_problem(response, 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["display_name"]


@pytest.mark.parametrize("display_name", ["Zoë 👩‍👧", "مريم", "李小龙", "Mum (Jo)"])
async def test_display_names_in_any_script_with_emoji_are_kept(client, display_name):
    response = await client.post("/v1/accounts", json=new_account(display_name=display_name))
    assert response.status_code == 201, response.text
    assert response.json()["display_name"] == display_name


async def test_a_nul_in_a_handle_is_422_at_registration_and_sign_in(client):
    registered = await client.post("/v1/accounts", json=new_account(handle="sa\x00m"))
    expect_problem(registered, 422, "validation")
    credentials = {"handle": "sa\x00m", "password": PASSWORD}
    expect_problem(await client.post("/v1/auth/token", json=credentials), 422, "validation")


@pytest.mark.parametrize("word", ["bad\x00word", "\u202ebad", "\u200b"])
async def test_keywords_with_nul_bidi_overrides_or_nothing_visible_are_refused(register, word):
    teen = await register("sam", 14)
    response = await teen.patch("/v1/me/settings", json={"content.keyword_filters": [word]})
    expect_problem(response, 422, "validation")
    settings = (await teen.get("/v1/me/settings")).json()["settings"]
    assert settings["content.keyword_filters"]["value"] == []


@pytest.mark.parametrize("timezone", ["localtime", "posixrules", "Factory", "GB", "EST"])
async def test_time_zones_that_are_not_iana_area_location_names_are_refused(client, timezone):
    response = await client.post("/v1/accounts", json=new_account(timezone=timezone))
    body = expect_problem(response, 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["timezone"]


@pytest.mark.parametrize(
    "timezone", ["UTC", "Europe/Paris", "America/Argentina/Salta", "Etc/GMT-3"]
)
async def test_iana_time_zones_are_kept(client, timezone):
    response = await client.post("/v1/accounts", json=new_account(timezone=timezone))
    assert response.status_code == 201, response.text
    assert response.json()["timezone"] == timezone


def unsigned_cursor(position: str) -> str:
    """A cursor as this service made them before they were signed: the bare position."""
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


async def audited(person) -> None:
    """Two changes, so the holder's audit trail has two pages of one entry."""
    for private in (True, False):
        response = await person.patch("/v1/me/settings", json={"account.private": private})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("position", [str(2**31), str(2**63), "-1", "1e309"])
async def test_a_forged_cursor_holding_a_huge_number_is_422(register, position):
    adult = await register("alex", 30)
    await audited(adult)
    response = await adult.get("/v1/me/audit", params={"cursor": unsigned_cursor(position)})
    body = expect_problem(response, 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["cursor"]


async def test_a_cursor_walks_only_for_the_caller_it_was_issued_to(register):
    alex, sam = await register("alex", 30), await register("sam", 30)
    await audited(alex)
    await audited(sam)
    first = (await alex.get("/v1/me/audit", params={"limit": 1})).json()
    walked = await alex.get("/v1/me/audit", params={"limit": 1, "cursor": first["next_cursor"]})
    assert walked.status_code == 200, walked.text
    assert walked.json()["items"][0]["seq"] > first["items"][0]["seq"]
    foreign = await sam.get("/v1/me/audit", params={"limit": 1, "cursor": first["next_cursor"]})
    expect_problem(foreign, 422, "validation")


async def test_a_cursor_of_one_list_is_422_on_another(register):
    alex = await register("alex", 30)
    await audited(alex)
    first = (await alex.get("/v1/me/audit", params={"limit": 1})).json()
    other_list = await alex.get("/v1/me/notifications", params={"cursor": first["next_cursor"]})
    expect_problem(other_list, 422, "validation")


async def test_a_tampered_cursor_is_422(register):
    alex = await register("alex", 30)
    await audited(alex)
    cursor = (await alex.get("/v1/me/audit", params={"limit": 1})).json()["next_cursor"]
    mac = cursor.partition(".")[2]
    tampered = f"{unsigned_cursor(str(2**31))}.{mac}"
    expect_problem(await alex.get("/v1/me/audit", params={"cursor": tampered}), 422, "validation")


NOT_UTF8 = b'{"handle": "\xff\xfe", "password": "correct horse battery", "birthdate": "2000-01-01"}'


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/accounts"),
        ("POST", "/v1/auth/token"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/logout"),
    ],
)
async def test_a_body_that_is_not_utf8_is_malformed_even_anonymously(
    settings, capsys, method, path
):
    logged = settings.model_copy(update={"log_json": True, "log_level": "INFO"})
    async with AsyncTestClient(app=create_app(logged, hasher=CHEAP_HASHER)) as client:
        response = await client.request(method, path, content=NOT_UTF8, headers=JSON)
    body = expect_problem(response, 400, "malformed-body")
    assert body["detail"] == "The request body is not valid UTF-8 text."
    written = capsys.readouterr().err
    assert "Traceback" not in written
    assert "UnicodeDecodeError" not in written
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    service = [line for line in lines if line.get("logger") != "httpx"]  # the test's client
    requests = [line for line in service if line.get("logger") == ACCESS_LOGGER]
    assert [(line["event"], line["status"]) for line in requests] == [("request", 400)]
    # Nothing else but facts of the start (a first run generates the signing keyring).
    assert [line for line in service if line["level"] != "info"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/v1/me/settings"),
        ("POST", "/v1/me/screen-time/usage"),
        ("POST", "/v1/me/time-requests"),
        ("POST", "/v1/reports"),
        ("POST", "/v1/me/blocks"),
        ("POST", "/v1/pairing-invitations/preview"),
        ("POST", "/v1/pairings"),
        ("POST", "/v1/me/password"),
    ],
)
async def test_a_signed_in_body_that_is_not_utf8_is_malformed(register, method, path):
    teen = await register("sam", 14)
    response = await teen.client.request(
        method, path, content=NOT_UTF8, headers={**teen.headers, **JSON}
    )
    expect_problem(response, 400, "malformed-body")


async def test_a_page_form_that_is_not_utf8_is_refused_not_a_crash(client):
    response = await client.post(
        "/family/sign-in",
        content=b"handle=\xff&password=xxxxxxxxxx",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")  # a page, not JSON
