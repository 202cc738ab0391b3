"""GET /metrics: Prometheus text, requests by route template (the lane's too), the service's
gauges, only to the allowed addresses, and no account id or handle anywhere in it."""

from __future__ import annotations

import re
from uuid import UUID

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from tests.helpers import CHEAP_HASHER, concurrent_app_client, expect_problem, signed_in


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family_ in text_string_to_metric_families(text)
        for sample in family_.samples
    }


def _count(samples, route: str, method: str, status: int) -> float:
    labels = frozenset({("route", route), ("method", method), ("status", str(status))})
    return samples.get(("family_safety_http_requests_total", labels), 0.0)


async def test_requests_are_counted_by_route_template_and_no_id_or_handle_shows(
    concurrent_client: httpx.AsyncClient,
):
    guardian = await signed_in(concurrent_client, "quill_parent", 40)
    teen = await signed_in(concurrent_client, "quill_kid", 14)
    code = (
        await concurrent_client.post("/v1/pairing-invitations", json={}, headers=guardian)
    ).json()["code"]
    pairing = await concurrent_client.post("/v1/pairings", json={"code": code}, headers=teen)
    teen_id = pairing.json()["teen"]["id"]
    for _ in range(3):  # the lane answers the settings once they are in memory
        assert (await concurrent_client.get("/v1/me/settings", headers=teen)).status_code == 200
    limits = await concurrent_client.get(f"/v1/teens/{teen_id}/limits", headers=guardian)
    assert limits.status_code == 200
    await concurrent_client.get(f"/no/such/{teen_id}")
    for n in range(3):  # methods of a client's own invention are one series
        await concurrent_client.request(f"BREW{n}", "/health/live")

    answer = await concurrent_client.get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    samples = _samples(text)
    assert _count(samples, "/v1/me/settings", "GET", 200) == 3
    routes = {dict(labels).get("route") for name, labels in samples if name.endswith("_total")}
    assert any(route and route.startswith("/v1/teens/{") for route in routes), routes
    assert _count(samples, "unrouted", "GET", 404) == 1
    assert _count(samples, "unrouted", "OTHER", 405) == 3
    assert "BREW" not in text
    histogram = frozenset({("route", "/v1/me/settings"), ("method", "GET"), ("status", "200")})
    assert samples[("family_safety_http_request_duration_seconds_count", histogram)] == 3
    assert ("family_safety_http_request_duration_seconds_bucket", histogram | {("le", "+Inf")}) in (
        samples
    )
    # No account id (in any spelling) and no handle anywhere in the exposition.
    people = [
        (await concurrent_client.get("/v1/me", headers=who)).json() for who in (guardian, teen)
    ]
    assert people[1]["id"] == teen_id
    for person in people:
        for secret in (person["id"], person["id"].replace("-", ""), person["handle"]):
            assert secret not in text
    label_values = re.findall(r'="([^"]*)"', text)
    assert label_values
    assert not [value for value in label_values if re.search(r"[0-9a-f]{8}-?[0-9a-f]{4}", value)]


async def test_the_gauges_show_pools_caches_and_event_streams(
    concurrent_client: httpx.AsyncClient, register_concurrent
):
    teen = await register_concurrent("sam_14", 14)
    assert (await concurrent_client.get("/v1/me/settings", headers=teen.headers)).status_code == 200

    samples = _samples((await concurrent_client.get("/metrics")).text)

    def cache(name: str) -> float:
        return samples[("family_safety_cache_entries", frozenset({("cache", name)}))]

    assert cache("settings_answers") == 1
    assert cache("signed_in_accounts") == 1
    assert cache("verified_tokens") == 1
    assert samples[("family_safety_event_streams_open", frozenset())] == 0
    assert (
        "family_safety_db_pool_connections",
        frozenset({("pool", "orm"), ("state", "idle")}),
    ) in (samples)


async def test_an_open_event_stream_is_counted(
    concurrent_app, concurrent_client, register_concurrent
):
    teen = await register_concurrent("sam_14", 14)
    bus = concurrent_app.state.components.changes
    queue = bus.subscribe(UUID(teen.id))  # what GET /v1/me/events opens
    try:
        samples = _samples((await concurrent_client.get("/metrics")).text)
        assert samples[("family_safety_event_streams_open", frozenset())] == 1
    finally:
        bus.unsubscribe(UUID(teen.id), queue)


async def test_the_webhook_queue_gauge_counts_messages_waiting_in_the_outbox(concurrent_client):
    name = "family_safety_webhook_deliveries"
    before = _samples((await concurrent_client.get("/metrics")).text)
    assert before[(name, frozenset({("state", "pending")}))] == 0
    assert before[(name, frozenset({("state", "failed")}))] == 0
    waiting = before[(name, frozenset({("state", "outbox")}))]

    teen = await signed_in(concurrent_client, "quill_gauge", 14)
    changed = await concurrent_client.patch(
        "/v1/me/settings", json={"account.private": True}, headers=teen
    )
    assert changed.status_code == 200

    # The tests run no webhook worker: the settings.changed message waits to be fanned out.
    after = _samples((await concurrent_client.get("/metrics")).text)
    assert after[(name, frozenset({("state", "outbox")}))] > waiting


async def test_an_address_not_allowed_gets_404(client):
    # The test client's peer is "testclient", no address of the allowed list.
    expect_problem(await client.get("/metrics"), 404, "not-found")


@pytest.mark.parametrize(
    ("allowed", "status"), [("10.0.0.0/8", 404), ("10.0.0.0/8, 127.0.0.0/8", 200), ("", 404)]
)
async def test_the_allowed_addresses_come_from_the_settings(settings: Settings, allowed, status):
    app = create_app(
        settings.model_copy(update={"metrics_allow_ips": allowed}), hasher=CHEAP_HASHER
    )
    async with concurrent_app_client(app) as live:  # its peer is 127.0.0.1
        answer = await live.get("/metrics")
    assert answer.status_code == status
    if status == 404:
        expect_problem(answer, 404, "not-found")
