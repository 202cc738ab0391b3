from __future__ import annotations

import pytest
from sqlalchemy import make_url

from tests.conftest import admin_statements, requires_postgres
from tests.helpers import expect_problem


async def test_health_live_and_ready(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    assert (await client.get("/health/ready")).json() == {"status": "ok"}


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_the_root_in_a_browser_goes_to_the_family_center(client):
    response = await client.get("/", headers={"Accept": BROWSER_ACCEPT}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/family"
    assert "accept" in response.headers["vary"].lower()
    page = await client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "accept", [None, "application/json", "*/*", "application/json, text/html;q=0.5"]
)
async def test_the_root_for_a_program_is_an_index_of_where_things_are(client, accept):
    headers = {"Accept": accept} if accept else {}
    response = await client.get("/", headers=headers, follow_redirects=False)
    assert response.status_code == 200
    index = response.json()
    assert index["openapi"] == "/schema/openapi.json"
    assert index["family_center"] == "/family"
    assert (await client.get(index["openapi"])).status_code == 200
    assert (await client.get(index["health"])).json() == {"status": "ok"}


async def test_unknown_path_is_404problem(client):
    expect_problem(await client.get("/v1/nothing-here"), 404, "not-found")


async def test_wrong_method_is_405problem(client):
    expect_problem(await client.delete("/v1/accounts"), 405, "method-not-allowed")


async def test_openapi_documents_every_route_and_its_problems(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/v1/accounts",
        "/v1/auth/token",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/me",
        "/.well-known/jwks.json",
        "/health/live",
        "/health/ready",
    ):
        assert path in paths, path
    sign_in = paths["/v1/auth/token"]["post"]
    assert {"200", "401", "422", "429"} <= sign_in["responses"].keys()
    assert "application/problem+json" in sign_in["responses"]["429"]["content"]


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_database_outage_is_503_and_the_service_recovers_without_restart(
    settings, database_url, register
):
    parent = await register("parent", 40)
    name = make_url(database_url).database
    await admin_statements(
        [
            f"ALTER DATABASE {name} ALLOW_CONNECTIONS false",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        ]
    )
    try:
        assert (await parent.client.get("/health/live")).status_code == 200
        for response in (await parent.client.get("/health/ready"), await parent.get("/v1/me")):
            expect_problem(response, 503, "service-unavailable")
            assert int(response.headers["retry-after"]) > 0
    finally:
        await admin_statements([f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"])
    assert (await parent.client.get("/health/ready")).status_code == 200
    assert (await parent.get("/v1/me")).status_code == 200


async def test_health_checks_answer_head_without_a_body(client):
    for path in ("/health/live", "/health/ready"):
        response = await client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_head_of_readiness_is_503_while_the_database_is_down(settings, database_url, client):
    name = make_url(database_url).database
    await admin_statements(
        [
            f"ALTER DATABASE {name} ALLOW_CONNECTIONS false",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        ]
    )
    try:
        assert (await client.head("/health/live")).status_code == 200
        ready = await client.head("/health/ready")
        assert ready.status_code == 503
        assert int(ready.headers["retry-after"]) > 0
    finally:
        await admin_statements([f"ALTER DATABASE {name} ALLOW_CONNECTIONS true"])
    assert (await client.head("/health/ready")).status_code == 200
