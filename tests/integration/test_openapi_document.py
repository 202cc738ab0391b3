"""The served OpenAPI document tells the whole truth: it is valid OpenAPI 3.1, every settings key
appears with its value type (Litestar documents the types generated from the catalogue), enums are
closed, problem answers name their problem types with real examples, real answers conform to it,
and every GET that sends an ETag answers 304 to ``If-None-Match``."""

from __future__ import annotations

import re
import runpy
import warnings
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from litestar import Litestar, get, patch
from litestar.params import JSONBody
from openapi_spec_validator import validate

from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.policy import schemas as policy_schemas
from family_safety.domain.policy.catalog import CATALOG, BoolKind
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from family_safety.server.cli.openapi import openapi_document
from family_safety.server.openapi import SCHEMA_PLUGINS
from tests.helpers import expect_problem, pair, set_limits

SCHEMAS = "#/components/schemas/"


async def _document(client) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": document["components"]})


def _component(document: dict[str, Any], name: str) -> Draft202012Validator:
    return _validator(document, {"$ref": SCHEMAS + name})


def _conforms(document: dict[str, Any], name: str, instance: Any) -> None:
    errors = [error.message for error in _component(document, name).iter_errors(instance)]
    assert not errors, errors[:5]


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema, or the component its ``$ref`` names."""
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].removeprefix(SCHEMAS)]
    return schema


async def test_the_served_document_is_valid_openapi(client):
    validate(await _document(client))


async def test_every_setting_key_is_documented_with_its_type(client):
    document = await _document(client)
    schemas = document["components"]["schemas"]
    values = schemas["SettingValues"]
    assert values["properties"] == {key: kind.json_schema() for key, kind in CATALOG.items()}
    assert list(values["properties"]) == list(CATALOG)
    assert values["additionalProperties"] is False
    assert schemas["SettingKey"]["enum"] == list(CATALOG)

    effective = schemas["EffectiveSettingsMap"]
    assert list(effective["properties"]) == list(CATALOG)
    assert sorted(effective["required"]) == sorted(CATALOG)
    assert effective["additionalProperties"] is False
    live = _resolved(document, effective["properties"]["live.enabled"])
    assert list(live["properties"]) == ["value", "source", "bound", "can_change", "law"]
    assert sorted(live["required"]) == ["bound", "can_change", "source", "value"]
    assert live["additionalProperties"] is False
    assert live["properties"]["value"] == {"type": "boolean"}
    assert schemas["SettingSource"]["enum"] == ["default", "self", "age_gate", "law", "guardian"]

    ref = {"$ref": SCHEMAS + "SettingValues"}
    assert schemas["Limits"]["properties"]["limits"] == ref
    assert schemas["Limits"]["additionalProperties"] is False
    assert schemas["GuardianControls"]["properties"]["limits"] == ref
    assert schemas["ExportedLink"]["properties"]["limits"] == ref
    assert schemas["Export"]["properties"]["settings_chosen"] == ref
    body = document["paths"]["/v1/me/settings"]["patch"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == ref
    (key,) = [
        parameter
        for parameter in document["paths"]["/v1/me/settings/{key}"]["delete"]["parameters"]
        if parameter["in"] == "path"
    ]
    assert key["schema"] == {"$ref": SCHEMAS + "SettingKey"}
    controls = schemas["InvitationPreview"]["properties"]["controls"]["items"]
    assert controls == {"$ref": SCHEMAS + "SettingKey"}
    policy_items = schemas["PolicyOut"]["properties"]["settings"]["items"]["oneOf"]
    keys = [_resolved(document, item)["properties"]["key"]["const"] for item in policy_items]
    assert keys == list(CATALOG)

    assert schemas["AgeBand"]["enum"] == list(load_default_pack().band_names)
    for component, name in (
        ("EffectiveSettingsOut", "age_band"),
        ("PolicyOut", "guardian_band"),
        ("BandOut", "name"),
        ("OwnAccount", "age_band"),
    ):
        assert schemas[component]["properties"][name] == {"$ref": SCHEMAS + "AgeBand"}
    kinds = _resolved(document, schemas["NotificationOut"]["properties"]["kind"])["enum"]
    assert kinds == [kind.value for kind in NotificationKind]
    assert schemas["Link"]["properties"]["status"]["enum"] == ["active", "ended", "ended_at_18"]


def test_a_new_setting_updates_the_document_by_itself(monkeypatch):
    """The settings types are generated from the catalogue when their module is loaded: loaded
    again with one more key, Litestar documents that key everywhere by itself."""
    monkeypatch.setitem(CATALOG, "test.new_switch", BoolKind(strict_value=True))
    with warnings.catch_warnings():  # runpy: "found in sys.modules": it is, and stays as it was
        warnings.simplefilter("ignore", RuntimeWarning)
        types = runpy.run_module(policy_schemas.__name__)

    async def answer() -> None: ...

    async def read(data: Any) -> None: ...

    answer.__annotations__["return"] = types["EffectiveSettingsMap"]
    read.__annotations__["data"] = JSONBody[types["SettingValues"]]
    app = Litestar(
        [get("/effective")(answer), patch("/values", status_code=200)(read)],
        plugins=list(SCHEMA_PLUGINS),
    )
    schemas = app.openapi_schema.to_schema()["components"]["schemas"]
    assert schemas["SettingValues"]["properties"]["test.new_switch"] == {"type": "boolean"}
    assert "test.new_switch" in schemas["EffectiveSettingsMap"]["required"]
    assert schemas["TestNewSwitchSetting"]["properties"]["value"] == {"type": "boolean"}
    assert "test.new_switch" in types["SettingKey"].__members__


async def test_a_typo_in_a_key_or_a_value_of_the_wrong_type_does_not_conform(client):
    document = await _document(client)
    patch = _component(document, "SettingValues")
    assert patch.is_valid({"live.enabled": False, "screen_time.daily_limit_minutes": 45})
    assert not patch.is_valid({"acount.privat": True})
    assert not patch.is_valid({"live.enabled": "maybe"})


async def test_real_answers_conform_to_the_document(client, register):
    document = await _document(client)
    guardian = await register("alex", 40)
    teen = await register("sam", 14)
    await pair(guardian, teen)
    limits = {"screen_time.daily_limit_minutes": 45, "content.keyword_filters": ["spoilers"]}
    assert (await set_limits(guardian, teen.id, limits)).status_code == 200
    assert (await teen.patch("/v1/me/settings", json={"search.enabled": False})).status_code == 200

    _conforms(document, "EffectiveSettingsOut", (await teen.get("/v1/me/settings")).json())
    teen_settings = await guardian.get(f"/v1/teens/{teen.id}/settings")
    _conforms(document, "EffectiveSettingsOut", teen_settings.json())
    _conforms(document, "Limits", (await guardian.get(f"/v1/teens/{teen.id}/limits")).json())
    _conforms(document, "PolicyOut", (await teen.get("/v1/policy")).json())
    _conforms(document, "Export", (await teen.get("/v1/me/export")).json())
    notifications = (await teen.get("/v1/me/notifications")).json()["items"]
    assert notifications
    for notification in notifications:
        _conforms(document, "NotificationOut", notification)


def _example_values(media: dict[str, Any]) -> list[Any]:
    return [example["value"] for example in media["examples"].values()]


async def test_examples_are_real_and_conform(client):
    document = await _document(client)
    schemas = document["components"]["schemas"]
    for example in schemas["Limits"]["examples"]:
        _conforms(document, "Limits", example)
    for path, name in (("/v1/me/settings", "EffectiveSettingsOut"), ("/v1/policy", "PolicyOut")):
        media = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert media["examples"], path
        for example in _example_values(media):
            _conforms(document, name, example)
    settings = document["paths"]["/v1/me/settings"]["get"]["responses"]["200"]["content"]
    (answer,) = _example_values(settings["application/json"])
    live = answer["settings"]["live.enabled"]
    assert live["bound"]["set_by"] == [{"kind": "age_gate", "band": "13-15"}]
    assert live["can_change"] is False
    assert answer["settings"]["search.enabled"]["bound"]["set_by"][0]["handle"] == "alex"
    policy = document["paths"]["/v1/policy"]["get"]["responses"]["200"]["content"]
    assert _example_values(policy["application/json"]) == [(await client.get("/v1/policy")).json()]


async def test_every_problem_answer_names_its_problem_types_with_real_examples(client):
    document = await _document(client)
    assert document["components"]["schemas"]["ProblemDetails"]["properties"]["status"] == {
        "type": "integer"
    }
    named = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get(PROBLEM_MEDIA_TYPE)
                if media is None:
                    assert not status.startswith(("4", "5")), (method, path, status)
                    continue
                assert media["schema"] == {"$ref": SCHEMAS + "ProblemDetails"}
                slugs = re.findall(r"`([a-z-]+)`", response["description"].split("types:")[1])
                assert slugs, f"{method} {path} {status}"
                assert list(media["examples"]) == slugs
                for slug, example in media["examples"].items():
                    assert example["value"]["type"] == PROBLEM_TYPE_BASE + slug
                    assert example["value"]["status"] == int(status)
                    _conforms(document, "ProblemDetails", example["value"])
                named += 1
    assert named > 50
    locked = document["paths"]["/v1/me/settings"]["patch"]["responses"]["403"]
    assert "setting-locked" in locked["content"][PROBLEM_MEDIA_TYPE]["examples"]


async def test_every_header_has_a_schema_and_etag_is_documented_where_it_is_sent(client):
    document = await _document(client)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                for name, header in response.get("headers", {}).items():
                    assert "schema" in header, (method, path, status, name)
    for path, method in (
        ("/v1/me/settings", "get"),
        ("/v1/me/settings", "patch"),
        ("/v1/me/settings/{key}", "delete"),
        ("/v1/teens/{teen_id}/limits", "get"),
        ("/v1/teens/{teen_id}/limits", "put"),
        ("/v1/teens/{teen_id}/settings", "get"),
    ):
        responses = document["paths"][path][method]["responses"]
        assert "ETag" in responses["200"]["headers"], (method, path)
        if method == "get":
            assert "ETag" in responses["304"]["headers"], path
            parameters = document["paths"][path][method]["parameters"]
            assert "If-None-Match" in {parameter["name"] for parameter in parameters}


@pytest.mark.parametrize("leaf", ["limits", "settings"])
async def test_a_guardian_gets_304_when_nothing_changed(register, leaf):
    guardian = await register("alex", 40)
    teen = await register("sam", 14)
    await pair(guardian, teen)
    first = await guardian.get(f"/v1/teens/{teen.id}/{leaf}")
    etag = first.headers["etag"]
    unchanged = await guardian.get(f"/v1/teens/{teen.id}/{leaf}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == etag
    assert unchanged.content == b""
    assert (await set_limits(guardian, teen.id, {"live.enabled": False})).status_code == 200
    changed = await guardian.get(f"/v1/teens/{teen.id}/{leaf}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_a_settings_value_of_the_wrong_type_is_still_refused(register):
    teen = await register("sam", 14)
    response = await teen.patch("/v1/me/settings", json={"live.enabled": "maybe"})
    expect_problem(response, 422, "validation")


@pytest.mark.parametrize(
    "path",
    ["/schema/nothing", "/schema/redoc", "/schema/nothing.json", "/schema/assets/nothing.js"],
)
async def test_unknown_paths_under_the_schema_are_problems(client, path):
    expect_problem(await client.get(path), 404, "not-found")


async def test_the_docs_ui_and_its_assets_are_served_by_the_service(client):
    for path in ("/schema", "/schema/swagger"):
        page = await client.get(path)
        assert page.status_code == 200
        assert "https://" not in page.text.split("spec:")[0]  # no CDN before the document
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
            assert f"/schema/assets/{asset}" in page.text
            assert (await client.get(f"/schema/assets/{asset}")).status_code == 200


async def test_the_written_document_is_the_served_one(client):
    """`make client` generates the TypeScript types from `family-safety openapi`."""
    assert openapi_document() == await _document(client)


async def test_answers_require_every_field_they_always_carry(client, register):
    document = await _document(client)
    assert "token_type" in document["components"]["schemas"]["TokenPair"]["required"]
    new_account = document["components"]["schemas"]["NewAccount"]  # sent: defaults stay optional
    assert "timezone" not in new_account["required"]
    await register("sam", 14)
    tokens = await client.post(
        "/v1/auth/token", json={"handle": "sam", "password": "correct horse battery"}
    )
    _conforms(document, "TokenPair", tokens.json())
