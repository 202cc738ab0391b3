"""Faults against a real server process: killed connections, a stopped database, SIGTERM."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, make_url, select
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.db.models import AuditEntry, GuardianLink
from family_safety.lib.config import Settings
from tests.conftest import admin_statements, requires_postgres
from tests.e2e.conftest import free_port, start_server
from tests.helpers import PASSWORD, family, signed_in

pytestmark = pytest.mark.e2e


# --- killed connections ---------------------------------------------------------------------


async def _load_with_killed_connections(base_url: str, database: str) -> tuple[Counter, int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        guardian, teen, teen_id = await family(client)
        limits_path = f"/v1/teens/{teen_id}/limits"
        statuses: Counter = Counter()
        changed = 0

        async def one(n: int) -> None:
            nonlocal changed
            if n % 2:
                response = await client.get("/v1/me/settings", headers=teen)
            else:
                body = {"limits": {"screen_time.daily_limit_minutes": 30 + n % 400}}
                response = await client.put(
                    limits_path, json=body, headers={**guardian, "If-Match": "*"}
                )
                changed += response.status_code == 200
            statuses[response.status_code] += 1

        async def killer() -> None:
            for _ in range(5):
                await asyncio.sleep(0.2)
                await admin_statements(
                    [
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
                    ]
                )

        semaphore = asyncio.Semaphore(8)

        async def bounded(n: int) -> None:
            async with semaphore:
                await one(n)

        await asyncio.gather(killer(), *(bounded(n) for n in range(400)))
        after = [
            await client.get("/v1/me/settings", headers=teen),
            await client.put(
                limits_path,
                json={"limits": {"search.enabled": False}},
                headers={**guardian, "If-Match": "*"},
            ),
        ]
        assert [response.status_code for response in after] == [200, 200]
        return statuses, changed + 1


async def _limits_changes(database_url: str) -> tuple[int, int]:
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with AsyncSession(engine) as session:
            entries = await session.scalar(
                select(func.count()).where(AuditEntry.action == "limits.updated")
            )
            version = await session.scalar(select(GuardianLink.limits_version))
            return entries, version
    finally:
        await engine.dispose()


@requires_postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_killed_connections_mid_load_lose_nothing_and_give_no_500(database_url, tmp_path, servers):
    env = {"FAMILY_SAFETY_DATABASE_URL": database_url, "FAMILY_SAFETY_DATA_DIR": str(tmp_path)}
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)
    database = make_url(database_url).database
    statuses, changes = asyncio.run(_load_with_killed_connections(server.base_url, database))
    print(f"statuses under killed connections: {dict(statuses)}")
    assert set(statuses) <= {200, 503}, statuses
    assert " 500 " not in server.log()
    entries, limits_version = asyncio.run(_limits_changes(database_url))
    # Every change that was answered 200 has exactly one audit entry, and nothing else landed.
    assert entries == changes
    assert limits_version == 1 + changes


# --- a stopped database -----------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, callable, callable]]:
    """A PostgreSQL cluster of this test's own, so stopping it disturbs nothing else."""
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    directory = Path(tempfile.mkdtemp(prefix="family_safety_pg_"))
    shutil.chown(directory, "postgres")
    data = directory / "data"
    port = free_port()

    def as_postgres(*command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=60)

    def start() -> None:
        options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"
        log = str(directory / "postgres.log")  # pg_ctl must not hold our pipes open
        as_postgres(
            str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"
        )

    def stop() -> None:
        as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    as_postgres(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
    start()
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", start, stop
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(binaries / "pg_ctl"), "-D", str(data),
             "-m", "immediate", "stop"],
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(directory, ignore_errors=True)


@requires_postgres
def test_a_stopped_database_is_503_and_the_service_recovers_without_restart(
    private_postgres, tmp_path, servers
):
    url, start, stop = private_postgres
    asyncio.run(migrations.upgrade(Settings(database_url=url)))
    env = {"FAMILY_SAFETY_DATABASE_URL": url, "FAMILY_SAFETY_DATA_DIR": str(tmp_path)}
    server = start_server(env, tmp_path / "server.log")
    servers.append(server)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            teen = await signed_in(client, "teen", 14)
            assert (await client.get("/v1/me/settings", headers=teen)).status_code == 200
            stop()
            assert (await client.get("/health/live")).status_code == 200
            for response in (
                await client.get("/health/ready"),
                await client.get("/v1/me", headers=teen),
                await client.patch("/v1/me/settings", json={"search.enabled": False}, headers=teen),
            ):
                assert response.status_code == 503, response.text
                assert response.headers["content-type"].startswith("application/problem+json")
                assert int(response.headers["retry-after"]) > 0
            start()
            assert (await client.get("/health/ready")).status_code == 200
            assert (await client.get("/v1/me", headers=teen)).status_code == 200

    asyncio.run(scenario())


# --- SIGTERM --------------------------------------------------------------------------------


def test_sigterm_lets_in_flight_requests_finish_then_exits_0(tmp_path, servers):
    server = start_server({"FAMILY_SAFETY_DATA_DIR": str(tmp_path)}, tmp_path / "server.log")
    servers.append(server)

    async def scenario() -> list[int]:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            await signed_in(client, "parent", 40)
            credentials = {"handle": "parent", "password": PASSWORD}
            in_flight = [
                asyncio.create_task(client.post("/v1/auth/token", json=credentials))
                for _ in range(6)
            ]
            await asyncio.sleep(0.05)  # argon2 keeps them busy for longer than this
            server.process.send_signal(signal.SIGTERM)
            return [response.status_code for response in await asyncio.gather(*in_flight)]

    assert asyncio.run(scenario()) == [200] * 6
    assert server.process.wait(timeout=30) == 0
