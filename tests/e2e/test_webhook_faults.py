"""Webhooks against real server processes: a service killed between the commit of a change and
its delivery delivers it once restarted and the receiver is up; two instances on one PostgreSQL
deliver each message once between them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from family_safety.db.engine import create_engine
from family_safety.domain.safety import services as safety_services
from family_safety.domain.webhooks.repository import queue_counts
from family_safety.lib.clock import utc_now
from family_safety.lib.config import Settings
from tests.conftest import requires_postgres
from tests.e2e.conftest import free_port, start_server
from tests.helpers import Receiver, family, signed_in

pytestmark = pytest.mark.e2e

DELIVERY_BOUND_SECONDS = 60.0  # a liveness bound on a loaded machine, not a measure


def _env(database_url: str, tmp_path, receiver_port: int, *, worker: bool) -> dict[str, str]:
    return {
        "FAMILY_SAFETY_DATABASE_URL": database_url,
        "FAMILY_SAFETY_DATA_DIR": str(tmp_path),
        "FAMILY_SAFETY_WEBHOOK_ALLOW_HOSTS": f"127.0.0.1:{receiver_port}",
        "FAMILY_SAFETY_WEBHOOK_WORKER": "true" if worker else "false",
        "FAMILY_SAFETY_WEBHOOK_POLL_SECONDS": "0.2",
        "FAMILY_SAFETY_WEBHOOK_RETRY_SECONDS": ",".join(["1"] * 30),
    }


async def _service_account(client: httpx.AsyncClient, database_url: str) -> dict[str, str]:
    headers = await signed_in(client, "platform_backend", 30)
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, "platform_backend", "service", utc_now())
    finally:
        await engine.dispose()
    return headers


async def _queue(database_url: str) -> dict[str, int]:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with AsyncSession(engine) as session:
            return await queue_counts(session)
    finally:
        await engine.dispose()


def _until(check, bound: float = DELIVERY_BOUND_SECONDS) -> None:
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not delivered in time")
        time.sleep(0.1)


def test_a_service_killed_between_commit_and_delivery_delivers_once_restarted(
    database_url, tmp_path, servers
):
    port = free_port()
    receiver_url = f"http://127.0.0.1:{port}/hook"
    # No worker: what commits stays in the outbox, then the process is killed outright.
    first = start_server(_env(database_url, tmp_path, port, worker=False), tmp_path / "a.log")
    servers.append(first)

    async def change() -> dict:
        async with httpx.AsyncClient(base_url=first.base_url, timeout=30) as client:
            service = await _service_account(client, database_url)
            made = await client.post(
                "/v1/webhooks",
                json={"url": receiver_url, "events": ["link.created", "settings.changed"]},
                headers=service,
            )
            assert made.status_code == 201, made.text
            await family(client)
            return made.json()

    endpoint = asyncio.run(change())
    first.stop(signal.SIGKILL)
    assert asyncio.run(_queue(database_url))["outbox"] >= 2

    # Restarted while the receiver is still down: attempts fail and are retried...
    second = start_server(_env(database_url, tmp_path, port, worker=True), tmp_path / "b.log")
    servers.append(second)
    _until(lambda: asyncio.run(_queue(database_url))["outbox"] == 0)
    time.sleep(1.5)
    receiver = Receiver(port=port)
    try:
        # ... and delivered once it is up.
        _until(lambda: asyncio.run(_queue(database_url))["pending"] == 0)
        types = Counter(message["type"] for message in receiver.messages())
        assert types["link.created"] == 1
        assert types["settings.changed"] >= 1
        ids = [headers["webhook-id"] for headers, _ in receiver.requests]
        assert len(ids) == len(set(ids))
        verifier = Webhook(endpoint["secret"])
        for headers, body in receiver.requests:
            verifier.verify(body, headers)
    finally:
        receiver.close()


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_instances_on_one_postgresql_deliver_each_message_once(database_url, tmp_path, servers):
    receiver = Receiver()
    try:
        env = _env(database_url, tmp_path, receiver.port, worker=True)
        for name in ("a", "b"):
            servers.append(start_server(env, tmp_path / f"{name}.log"))
        first, second = servers

        async def changes() -> None:
            async with (
                httpx.AsyncClient(base_url=first.base_url, timeout=30) as one,
                httpx.AsyncClient(base_url=second.base_url, timeout=30) as other,
            ):
                service = await _service_account(one, database_url)
                made = await one.post(
                    "/v1/webhooks",
                    json={"url": receiver.url, "events": ["settings.changed", "link.created"]},
                    headers=service,
                )
                assert made.status_code == 201, made.text
                guardian, _teen, teen_id = await family(one)
                for n in range(40):
                    client = one if n % 2 else other
                    changed = await client.put(
                        f"/v1/teens/{teen_id}/limits",
                        json={"limits": {"screen_time.daily_limit_minutes": 30 + n}},
                        headers={**guardian, "If-Match": "*"},
                    )
                    assert changed.status_code == 200, changed.text

        asyncio.run(changes())

        def settled() -> bool:
            queue = asyncio.run(_queue(database_url))
            return queue["outbox"] == 0 and queue["pending"] == 0

        _until(settled)
        ids = Counter(headers["webhook-id"] for headers, _ in receiver.requests)
        assert ids, "nothing was delivered"
        assert max(ids.values()) == 1, [i for i, n in ids.items() if n > 1]
        types = Counter(message["type"] for message in receiver.messages())
        assert types["link.created"] == 1
        assert types["settings.changed"] >= 41  # the link, then each of 40 limits
    finally:
        receiver.close()


def test_receivers_that_hang_fail_go_or_redirect_against_a_real_server(
    database_url, tmp_path, servers
):
    """Four receivers, each subscribed to link.created: one hangs past the timeout, one answers
    500, one 410, one redirects to the cloud metadata address."""
    behaviours = {
        "hangs": lambda _n: "hang",
        "fails": lambda _n: (500, {}, b"no"),
        "gone": lambda _n: (410, {}, b""),
        "redirects": lambda _n: (302, {"Location": "http://169.254.169.254/latest/meta-data"}, b""),
    }
    receivers = {name: Receiver(answer, hang_seconds=5) for name, answer in behaviours.items()}
    try:
        env = {
            **_env(database_url, tmp_path, 0, worker=True),
            "FAMILY_SAFETY_WEBHOOK_ALLOW_HOSTS": ",".join(
                f"127.0.0.1:{receiver.port}" for receiver in receivers.values()
            ),
            "FAMILY_SAFETY_WEBHOOK_TIMEOUT_SECONDS": "1",
            "FAMILY_SAFETY_WEBHOOK_RETRY_SECONDS": "3600",
        }
        server = start_server(env, tmp_path / "server.log")
        servers.append(server)

        async def scenario() -> dict[str, dict]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                service = await _service_account(client, database_url)
                endpoints = {}
                for name, receiver in receivers.items():
                    made = await client.post(
                        "/v1/webhooks",
                        json={"url": receiver.url, "events": ["link.created"]},
                        headers=service,
                    )
                    assert made.status_code == 201, made.text
                    endpoints[name] = made.json()
                await family(client)
                found: dict[str, dict] = {}
                deadline = time.monotonic() + DELIVERY_BOUND_SECONDS
                while len(found) < len(endpoints) and time.monotonic() < deadline:
                    for name, endpoint in endpoints.items():
                        log = await client.get(
                            f"/v1/webhooks/{endpoint['id']}/deliveries", headers=service
                        )
                        items = log.json()["items"]
                        if items and items[0]["attempts"] >= 1:
                            state = await client.get(
                                f"/v1/webhooks/{endpoint['id']}", headers=service
                            )
                            found[name] = {**items[0], "endpoint": state.json()["state"]}
                    await asyncio.sleep(0.2)
                return found

        found = asyncio.run(scenario())
        assert set(found) == set(behaviours), found
        assert (found["hangs"]["state"], found["hangs"]["last_status"]) == ("pending", None)
        assert (found["fails"]["state"], found["fails"]["last_status"]) == ("pending", 500)
        assert found["fails"]["next_attempt_at"] is not None  # retried later
        assert (found["gone"]["last_status"], found["gone"]["endpoint"]) == (410, "disabled")
        assert (found["redirects"]["state"], found["redirects"]["last_status"]) == ("pending", 302)
        assert len(receivers["redirects"].requests) == 1  # the redirect was not followed
        assert found["hangs"]["endpoint"] == found["fails"]["endpoint"] == "active"
    finally:
        for receiver in receivers.values():
            receiver.close()


def test_the_worker_apart_delivers_and_stops_on_sigterm(database_url, tmp_path, servers):
    """`family-safety roles grant HANDLE service`, then `family-safety webhooks work` beside a
    server that does not deliver itself."""
    receiver = Receiver()
    try:
        env = _env(database_url, tmp_path, receiver.port, worker=False)
        server = start_server(env, tmp_path / "server.log")
        servers.append(server)
        command = [sys.executable, "-m", "family_safety"]
        full_env = {**os.environ, **env}

        async def subscribe_and_change() -> None:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
                service = await signed_in(client, "platform_backend", 30)
                granted = subprocess.run(  # noqa: ASYNC221  (a short command, awaited)
                    [*command, "roles", "grant", "platform_backend", "service"],
                    env=full_env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert granted.returncode == 0, granted.stderr
                made = await client.post(
                    "/v1/webhooks",
                    json={"url": receiver.url, "events": ["link.created"]},
                    headers=service,
                )
                assert made.status_code == 201, made.text
                await family(client)

        asyncio.run(subscribe_and_change())
        time.sleep(1)
        assert receiver.requests == []  # the server does not deliver
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [*command, "webhooks", "work"], env=full_env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _until(lambda: len(receiver.requests) == 1)
            assert receiver.messages()[0]["type"] == "link.created"
        finally:
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
    finally:
        receiver.close()
