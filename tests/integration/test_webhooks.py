"""Webhooks (API.md, "Webhooks"): endpoints managed by service accounts and staff, secrets shown
once and rotated with 24 hours of overlap, the outbox written in the change's transaction (and
nothing rolled back sent), thin payloads, Standard Webhooks signatures its own verifier accepts,
the retry schedule, 410, redirects, SSRF checks at creation and at each attempt, a hanging
receiver, bounded answers, and the delivery log. A real receiver on 127.0.0.1 (allowed by
``FAMILY_SAFETY_WEBHOOK_ALLOW_HOSTS``); the worker is driven round by round. Both databases."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook, WebhookVerificationError

from family_safety.db import outbox
from family_safety.db.changes import ChangeKind, note
from family_safety.db.engine import create_engine
from family_safety.db.models import WebhookMessage
from family_safety.db.outbox import FIELDS, EventType
from family_safety.domain.policy.pack import load_default_pack
from family_safety.domain.safety import services as safety_services
from family_safety.domain.webhooks.repository import queue_counts
from family_safety.domain.webhooks.worker import WebhookWorker
from family_safety.lib.clock import utc_now
from tests.helpers import PASSWORD, Receiver, expect_problem, pair, set_limits

EVERY_EVENT = [event.value for event in EventType]
FAST = "0.01,0.01"  # two quick retries: three attempts in all


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def settings(settings, receiver):
    return settings.model_copy(
        update={
            "webhook_allow_hosts": f"127.0.0.1:{receiver.port}",
            "webhook_timeout_seconds": 1.0,
        }
    )


@pytest.fixture
async def engine(settings):
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


def worker_for(engine, settings, **changes) -> WebhookWorker:
    return WebhookWorker(
        engine, load_default_pack(), settings.model_copy(update=changes), jitter=lambda: 0.0
    )


async def drain(worker: WebhookWorker) -> None:
    """Rounds until nothing is left to do now."""
    for _ in range(50):
        if not await worker.run_once():
            return
    raise AssertionError("the worker never settled")


async def grant(settings, handle: str, role: str) -> None:
    """What `family-safety roles grant HANDLE ROLE` does."""
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, handle, role, utc_now())
    finally:
        await engine.dispose()


@pytest.fixture
async def service(register, settings):
    account = await register("platform_backend", 30)
    await grant(settings, account.handle, "service")
    return account


async def subscribe(service, url: str, events: list[str] | None = None) -> dict:
    response = await service.post(
        "/v1/webhooks", json={"url": url, "events": events or EVERY_EVENT}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def deliveries(service, endpoint: dict) -> list[dict]:
    response = await service.get(f"/v1/webhooks/{endpoint['id']}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- who may, and what an endpoint is -------------------------------------------------------


async def test_only_service_accounts_and_staff_manage_webhooks(register, settings, receiver):
    adult = await register("adult", 35)
    staff = await register("staff_member", 35)
    await grant(settings, staff.handle, "staff")
    body = {"url": receiver.url, "events": ["link.created"]}
    expect_problem(await adult.post("/v1/webhooks", json=body), 403, "forbidden")
    expect_problem(await adult.get("/v1/webhooks"), 403, "forbidden")
    made = await staff.post("/v1/webhooks", json=body)
    assert made.status_code == 201, made.text
    listed = await staff.get("/v1/webhooks")
    assert [item["id"] for item in listed.json()["items"]] == [made.json()["id"]]


async def test_the_secret_is_shown_at_creation_and_on_rotation_only(service, receiver):
    made = await service.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["link.created"], "description": "our back end"},
    )
    assert made.status_code == 201
    endpoint = made.json()
    secret = endpoint.pop("secret")
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert endpoint["state"] == "active"
    assert endpoint["events"] == ["link.created"]
    one = (await service.get(f"/v1/webhooks/{endpoint['id']}")).json()
    assert one == endpoint
    assert "secret" not in (await service.get("/v1/webhooks")).json()["items"][0]
    rotated = await service.post(f"/v1/webhooks/{endpoint['id']}/secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != secret
    assert "secret" not in (await service.get(f"/v1/webhooks/{endpoint['id']}")).json()


async def test_a_deleted_endpoint_is_gone(service, receiver):
    endpoint = await subscribe(service, receiver.url)
    assert (await service.delete(f"/v1/webhooks/{endpoint['id']}")).status_code == 204
    expect_problem(await service.get(f"/v1/webhooks/{endpoint['id']}"), 404, "not-found")
    expect_problem(await service.delete(f"/v1/webhooks/{endpoint['id']}"), 404, "not-found")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://240.0.0.1/hook",  # reserved
        "https://100.64.0.1/hook",  # shared address space
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "https://xn--/hook",  # a malformed IDNA label
        "https://[zz]/hook",
        "https:///hook",
    ],
)
async def test_urls_that_are_not_https_or_reach_no_public_address_are_refused(service, url):
    response = await service.post("/v1/webhooks", json={"url": url, "events": ["link.created"]})
    problem = expect_problem(response, 422, "webhook-url-not-allowed")
    assert problem["errors"][0]["field"] == "url"


async def test_events_must_be_a_non_empty_list_of_the_contracts_types(service, receiver):
    for events in ([], ["link.made"], "link.created"):
        response = await service.post("/v1/webhooks", json={"url": receiver.url, "events": events})
        expect_problem(response, 422, "validation")


# --- the outbox and what a message says -----------------------------------------------------


async def test_every_change_is_delivered_thin_and_signed(
    register, service, settings, engine, receiver
):
    endpoint = await subscribe(service, receiver.url)
    guardian = await register("gail_parent", 40, display_name="Guardian Gail")
    teen = await register("tommy_fourteen", 14, display_name="Teen Tom")
    link = await pair(guardian, teen)
    assert (
        await set_limits(guardian, teen.id, {"screen_time.daily_limit_minutes": 60})
    ).status_code == 200
    asked = await teen.post(
        "/v1/me/time-requests",
        json={"kind": "extra_time", "minutes": 15, "note": "homework secret note"},
    )
    assert asked.status_code == 201, asked.text
    decided = await guardian.post(
        f"/v1/teens/{teen.id}/time-requests/{asked.json()['id']}/decision", json={"approve": True}
    )
    assert decided.status_code == 200, decided.text
    report = {
        "category": "harassment",
        "subject": {"kind": "account", "handle": "bully_77"},
        "description": "private description words",
        "evidence": [{"kind": "link", "url": "https://example.com/evidence/1"}],
    }
    assert (await teen.post("/v1/reports", json=report)).status_code == 201
    assert (await guardian.delete(f"/v1/pairings/{link['id']}")).status_code == 204
    worker = worker_for(engine, settings)
    await drain(worker)
    erased = await teen.request_delete("/v1/me", json={"password": PASSWORD})
    assert erased.status_code == 204
    await drain(worker)

    messages = receiver.messages()
    types = [message["type"] for message in messages]
    for expected in [
        "link.created",
        "settings.changed",
        "time_request.created",
        "time_request.decided",
        "report.filed",
        "link.ended",
        "account.deleted",
    ]:
        assert expected in types, repr(types)
    by_type = {message["type"]: message["data"] for message in messages}
    assert by_type["link.created"] == {
        "link_id": link["id"],
        "guardian_id": guardian.id,
        "teen_id": teen.id,
    }
    assert by_type["link.ended"] == {
        "link_id": link["id"],
        "guardian_id": guardian.id,
        "teen_id": teen.id,
        "reason": "ended_by_guardian",
    }
    assert by_type["time_request.created"]["status"] == "pending"
    assert by_type["time_request.decided"]["status"] == "approved"
    assert by_type["report.filed"]["category"] == "harassment"
    assert by_type["account.deleted"] == {"account_id": teen.id}
    for message in messages:
        assert set(message) == {"type", "timestamp", "data"}
        assert tuple(message["data"]) == FIELDS[EventType(message["type"])]
    # Thin: nothing typed, no birthdate, no name, no reporter.
    everything = b" ".join(body for _, body in receiver.requests).decode()
    for private in [
        "Guardian Gail",
        "Teen Tom",
        "homework secret note",
        "private description words",
        "example.com/evidence",
        "bully_77",
        teen.handle,
        guardian.handle,
        "birthdate",
        "reporter",
    ]:
        assert private not in everything
    # Signed: the Standard Webhooks library's verifier accepts every message; one id each.
    verifier = Webhook(endpoint["secret"])
    for headers, body in receiver.requests:
        assert headers["content-type"] == "application/json"
        assert verifier.verify(body, headers) == json.loads(body)
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == len(messages)
    items = await deliveries(service, endpoint)
    assert {item["state"] for item in items} == {"delivered"}
    assert all(item["attempts"] == 1 and item["last_status"] == 204 for item in items)


@pytest.mark.parametrize("country", [None, "DE"])  # DE: the EU's DSA guidelines apply
async def test_settings_changed_carries_the_etag_the_settings_answer(
    register, service, settings, engine, receiver, country
):
    await subscribe(service, receiver.url, ["settings.changed"])
    teen = await register("teen", 14, country=country)
    changed = await teen.patch("/v1/me/settings", json={"comments.who_can_comment": "no_one"})
    assert changed.status_code == 200, changed.text
    await drain(worker_for(engine, settings))
    [message] = receiver.messages()
    assert message["data"] == {"account_id": teen.id, "etag": changed.headers["etag"]}


async def test_a_change_rolled_back_writes_no_message(register, service, settings, engine):
    guardian = await register("guardian", 40)
    teen = await register("teen", 14)
    await pair(guardian, teen)
    async with AsyncSession(engine) as session:
        before = await session.scalar(select(func.count(WebhookMessage.id)))
    # A stale If-Match: the limits' lean write is refused (412) after reading.
    stale = await guardian.put(
        f"/v1/teens/{teen.id}/limits",
        json={"limits": {"screen_time.daily_limit_minutes": 30}},
        headers={"If-Match": '"stale"'},
    )
    expect_problem(stale, 412, "precondition-failed")
    # An ORM transaction that notes a change and writes an event, then rolls back.
    async with AsyncSession(engine) as session:
        note(session, UUID(teen.id), ChangeKind.SETTINGS)
        outbox.enqueue(session, EventType.ACCOUNT_DELETED, account_id=teen.id)
        await session.flush()
        await session.rollback()
    async with AsyncSession(engine) as session:
        after = await session.scalar(select(func.count(WebhookMessage.id)))
    assert after == before


def test_an_event_carries_only_the_contracts_fields():
    with pytest.raises(ValueError, match="carries"):
        outbox.enqueue(
            None,  # type: ignore[arg-type]  # refused before the session is touched
            EventType.REPORT_FILED,
            report_id="r",
            category="harassment",
            priority="normal",
            channel="in_app",
            reporter_id="someone",
        )


# --- signatures -----------------------------------------------------------------------------


async def test_after_a_rotation_both_secrets_sign_for_24_hours(
    register, service, settings, engine, receiver
):
    endpoint = await subscribe(service, receiver.url, ["link.created"])
    old = endpoint["secret"]
    new = (await service.post(f"/v1/webhooks/{endpoint['id']}/secret")).json()["secret"]
    guardian, teen = await register("guardian", 40), await register("teen", 14)
    await pair(guardian, teen)
    await drain(worker_for(engine, settings))
    headers, body = receiver.requests[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert all(part.startswith("v1,") for part in headers["webhook-signature"].split(" "))
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)

    other = await register("teen_two", 15)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25), tick=True):
        await guardian.sign_in()
        await other.sign_in()
        await pair(guardian, other)
        await drain(worker_for(engine, settings))
        headers, body = receiver.requests[1]
        assert len(headers["webhook-signature"].split(" ")) == 1
        Webhook(new).verify(body, headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(body, headers)


# --- retries, 410, redirects, hangs, floods -------------------------------------------------


async def _one_link_created(register, service, receiver) -> dict:
    endpoint = await subscribe(service, receiver.url, ["link.created"])
    guardian, teen = await register("guardian", 40), await register("teen", 14)
    await pair(guardian, teen)
    return endpoint


async def test_a_failing_receiver_is_retried_on_the_schedule_then_failed(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda _n: (500, {}, b"oops")
    endpoint = await _one_link_created(register, service, receiver)
    worker = worker_for(engine, settings, webhook_retry_seconds="300,600")
    await drain(worker)
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("pending", 1, 500)
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(
        delivery["last_attempt_at"]
    )
    assert timedelta(seconds=299) <= wait <= timedelta(seconds=331)

    fast = worker_for(engine, settings, webhook_retry_seconds=FAST)
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=301), tick=True):
        await drain(fast)
        for _ in range(10):
            await drain(fast)
            if (await deliveries(service, endpoint))[0]["state"] != "pending":
                break
            with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1), tick=True):
                await drain(fast)
    [delivery] = await deliveries(service, endpoint)
    assert delivery["state"] == "failed"
    assert delivery["next_attempt_at"] is None
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1  # one message

    # By hand: attempted again, and this time the receiver takes it.
    receiver.answer = lambda _n: (200, {}, b"")
    retried = await service.post(f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/retry")
    assert retried.status_code == 202
    await drain(fast)
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["last_status"]) == ("delivered", 200)


async def test_a_longer_retry_after_of_a_503_is_honoured(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda _n: (503, {"Retry-After": "3600"}, b"")
    endpoint = await _one_link_created(register, service, receiver)
    await drain(worker_for(engine, settings))
    [delivery] = await deliveries(service, endpoint)
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(
        delivery["last_attempt_at"]
    )
    assert wait >= timedelta(seconds=3600)


async def test_a_410_disables_the_endpoint_until_it_is_enabled(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda n: (410, {}, b"") if n == 0 else (200, {}, b"")
    endpoint = await _one_link_created(register, service, receiver)
    worker = worker_for(engine, settings)
    await drain(worker)
    assert (await service.get(f"/v1/webhooks/{endpoint['id']}")).json()["state"] == "disabled"
    await drain(worker)
    assert len(receiver.requests) == 1  # no more attempts while disabled
    enabled = await service.post(f"/v1/webhooks/{endpoint['id']}/enable")
    assert enabled.status_code == 200
    assert enabled.json()["state"] == "active"
    await drain(worker)
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 2)


async def test_a_redirect_to_the_metadata_address_is_not_followed(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda _n: (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b"")
    endpoint = await _one_link_created(register, service, receiver)
    await drain(worker_for(engine, settings))
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["last_status"]) == ("pending", 302)
    assert len(receiver.requests) == 1


async def test_a_receiver_that_hangs_is_a_failed_attempt(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda _n: "hang"
    endpoint = await _one_link_created(register, service, receiver)
    await drain(worker_for(engine, settings, webhook_timeout_seconds=0.5))
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
        "pending",
        1,
        None,
    )


async def test_an_endless_answer_is_not_read_to_its_end(
    register, service, settings, engine, receiver
):
    receiver.answer = lambda _n: "flood"
    endpoint = await _one_link_created(register, service, receiver)
    await drain(worker_for(engine, settings))
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["last_status"]) == ("delivered", 200)
    for _ in range(100):
        if receiver.flood_finished is not None:
            break
        await asyncio.sleep(0.05)
    assert receiver.flood_finished is False


async def test_each_attempt_checks_the_address_again(register, service, settings, engine, receiver):
    endpoint = await _one_link_created(register, service, receiver)
    # The operator no longer lists the receiver's host: 127.0.0.1 is refused at the attempt.
    await drain(worker_for(engine, settings, webhook_allow_hosts=""))
    [delivery] = await deliveries(service, endpoint)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
        "pending",
        1,
        None,
    )
    assert receiver.requests == []


async def test_the_queue_counts_for_metrics(register, service, settings, engine, receiver):
    receiver.answer = lambda _n: (500, {}, b"")
    await _one_link_created(register, service, receiver)
    async with AsyncSession(engine) as session:
        assert (await queue_counts(session))["outbox"] >= 1
    await drain(worker_for(engine, settings))
    async with AsyncSession(engine) as session:
        counts = await queue_counts(session)
    assert counts == {"outbox": 0, "pending": 1, "failed": 0}


async def test_the_delivery_log_is_paged_and_retry_needs_a_delivery_of_the_endpoint(
    service, receiver
):
    endpoint = await subscribe(service, receiver.url)
    missing = "00000000-0000-7000-8000-000000000000"
    expect_problem(
        await service.post(f"/v1/webhooks/{endpoint['id']}/deliveries/{missing}/retry"),
        404,
        "not-found",
    )
    expect_problem(await service.get(f"/v1/webhooks/{missing}/deliveries"), 404, "not-found")
    page = await service.get(f"/v1/webhooks/{endpoint['id']}/deliveries", params={"limit": 1})
    assert page.json() == {"items": [], "next_cursor": None}


async def test_the_readmes_receiver_verifies_what_is_delivered(
    register, service, settings, engine, receiver
):
    """The ten-line receiver of the README, run as it is written (its secret and port put in)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.DOTALL).group(1)
    endpoint = await subscribe(service, receiver.url, ["link.created"])
    receiver.close()  # the README's receiver takes its port
    code = code.replace('"whsec_..."', repr(endpoint["secret"]))
    code = code.replace('make_server("", 8080', f'make_server("127.0.0.1", {receiver.port}')
    process = subprocess.Popen(  # noqa: ASYNC220  (started, not waited on, in the loop)
        [sys.executable, "-u", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", receiver.port), timeout=1):
                    break
            except OSError:
                await asyncio.sleep(0.05)
        guardian, teen = await register("guardian", 40), await register("teen", 14)
        link = await pair(guardian, teen)
        await drain(worker_for(engine, settings))
        [delivery] = await deliveries(service, endpoint)
        assert (delivery["state"], delivery["last_status"]) == ("delivered", 204)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"link.created {{'link_id': '{link['id']}'" in output
