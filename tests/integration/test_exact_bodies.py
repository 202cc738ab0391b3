"""Request bodies are exact, in the document and on the wire: every object a body holds says
``additionalProperties: false`` (so the generated TypeScript types have no index signature and a
misspelt key does not compile, clients/typescript/test/client.typecheck.ts), and the service
refuses the same bodies with 422, naming the key, changing nothing."""

from __future__ import annotations

from typing import Any

from tests.helpers import PASSWORD, birthdate_for_age, expect_problem, pair, set_limits

SCHEMAS = "#/components/schemas/"


def _open_objects(
    document: dict[str, Any], schema: Any, where: str, seen: set[str], *, within: bool = False
) -> list[str]:
    """Where an object schema reachable from ``schema`` lets keys it does not name through.
    ``within``: a branch of a closed object's ``oneOf`` (a constraint, not a type of its own)."""
    if isinstance(schema, list):
        return [
            place
            for index, item in enumerate(schema)
            for place in _open_objects(document, item, f"{where}[{index}]", seen, within=within)
        ]
    if not isinstance(schema, dict):
        return []
    if ref := schema.get("$ref"):
        name = ref.removeprefix(SCHEMAS)
        if name in seen:
            return []
        seen.add(name)
        return _open_objects(document, document["components"]["schemas"][name], name, seen)
    found = []
    closed = schema.get("additionalProperties") is False
    branch_of_closed = within and "type" not in schema
    if "properties" in schema and not closed and not branch_of_closed:
        found.append(where)
    # A map (its values typed) is exact too; a bare object is not.
    bare = not closed and not isinstance(schema.get("additionalProperties"), dict)
    if schema.get("type") == "object" and "properties" not in schema and bare:
        found.append(where)
    for keyword in ("properties", "patternProperties"):
        for name, value in schema.get(keyword, {}).items():
            found += _open_objects(document, value, f"{where}.{name}", seen)
    for keyword in ("items", "additionalProperties", "prefixItems"):
        if keyword in schema:
            found += _open_objects(document, schema[keyword], f"{where}.{keyword}", seen)
    for keyword in ("oneOf", "anyOf", "allOf"):
        if keyword in schema:
            place = f"{where}.{keyword}"
            found += _open_objects(document, schema[keyword], place, seen, within=closed)
    return found


OPEN_BY_CONTRACT = {
    # AuthZEN's context is the caller's to extend: keys the service does not read are ignored.
    "ContextIn",
}


async def test_every_request_body_refuses_keys_it_does_not_name(client):
    document = (await client.get("/schema/openapi.json")).json()
    bodies = 0
    open_objects = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                bodies += 1
                place = f"{method.upper()} {path} {media}"
                open_objects += _open_objects(document, body["schema"], place, set())
    assert bodies >= 10
    assert [where for where in open_objects if where not in OPEN_BY_CONTRACT] == []


async def test_the_typos_the_client_does_not_compile_are_422_naming_the_key(client, register):
    guardian = await register("alex_parent", 40)
    teen = await register("sam_14", 14)
    await pair(guardian, teen)
    settings_before = (await teen.get("/v1/me/settings")).json()

    typo = await teen.patch("/v1/me/settings", json={"acount.privat": True})
    problem = expect_problem(typo, 422, "validation")
    assert [error["field"] for error in problem["errors"]] == ["acount.privat"]
    assert (await teen.get("/v1/me/settings")).json() == settings_before

    problem = expect_problem(
        await set_limits(guardian, teen.id, {"acount.privat": True}), 422, "validation"
    )
    assert [error["field"] for error in problem["errors"]] == ["acount.privat"]
    limits = await guardian.get(f"/v1/teens/{teen.id}/limits")
    extra = await guardian.put(
        f"/v1/teens/{teen.id}/limits",
        json={"limits": {"search.enabled": False}, "limitz": {}},
        headers={"If-Match": limits.headers["etag"]},
    )
    expect_problem(extra, 422, "validation")
    assert (await guardian.get(f"/v1/teens/{teen.id}/limits")).json() == {"limits": {}}

    admin = {
        "handle": "mallory",
        "password": PASSWORD,
        "birthdate": birthdate_for_age(30).isoformat(),
        "is_admin": True,
    }
    problem = expect_problem(await client.post("/v1/accounts", json=admin), 422, "validation")
    assert [error["field"] for error in problem["errors"]] == ["is_admin"]
    signed_in = await client.post(
        "/v1/auth/token", json={"handle": "mallory", "password": PASSWORD}
    )
    assert signed_in.status_code == 401
