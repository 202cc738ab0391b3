"""The block-visibility window of decisions: how long after a block (or its lifting) commits
through instance A a decision asked of instance B follows it.

    python -m tests.bench.block_window                      # two servers on one SQLite file
    python -m tests.bench.block_window --database-url postgresql://postgres@127.0.0.1:5432/test

Starts two real servers (`notify` freshness) on a fresh database, registers a back end with the
`service` role and two adults, then, each round, one adult blocks the other through A, and B is
asked `message.send` between them (`POST /access/v1/evaluation`, every millisecond) until it
answers `decision: false`; then the block is lifted through A and B is asked until it answers
`true` again. A is asked once right after each change: the instance that made it must follow it
at once (counted, never asserted). Prints p50, p99 and the worst of each. A measurement, never a
test.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from tests.bench.load import postgres_admin
from tests.e2e.conftest import start_server
from tests.helpers import signed_in

from family_safety.db import migrations
from family_safety.db.changes import ChangeBus, session_info
from family_safety.db.engine import create_engine
from family_safety.domain.safety.services import grant_role
from family_safety.lib.clock import utc_now
from family_safety.lib.config import Settings


async def grant_service(database_url: str, handle: str) -> None:
    """What `family-safety roles grant HANDLE service` does."""
    engine = create_engine(Settings(database_url=database_url))
    try:
        info = session_info(ChangeBus())
        async with AsyncSession(engine, expire_on_commit=False, info=info) as session:
            await grant_role(session, handle, "service", utc_now())
    finally:
        await engine.dispose()


async def decision(client: httpx.AsyncClient, backend: dict, subject: str, resource: str) -> bool:
    answer = await client.post(
        "/access/v1/evaluation",
        json={
            "subject": {"type": "account", "id": subject},
            "action": {"name": "message.send"},
            "resource": {"type": "account", "id": resource},
        },
        headers=backend,
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["decision"])


async def measure(
    first: str, second: str, database_url: str, rounds: int
) -> tuple[list[float], list[float], int]:
    """The windows of blocks and of lifted blocks (ms), and how often A itself lagged."""
    blocked, lifted, lagged = [], [], 0
    async with (
        httpx.AsyncClient(base_url=first, timeout=30) as one,
        httpx.AsyncClient(base_url=second, timeout=30) as other,
    ):
        backend = await signed_in(one, "bench_backend", 30)
        await grant_service(database_url, "bench_backend")
        alice = await signed_in(one, "bench_alice", 30)
        bob = await signed_in(one, "bench_bob", 31)
        alice_id = (await one.get("/v1/me", headers=alice)).json()["id"]
        bob_id = (await one.get("/v1/me", headers=bob)).json()["id"]
        for _ in range(rounds):
            for block, windows in ((True, blocked), (False, lifted)):
                # Both instances hold the pair in memory before the change.
                for client in (one, other):
                    assert await decision(client, backend, bob_id, alice_id) is block, "stale"
                if block:
                    changed = await one.post(
                        "/v1/me/blocks", json={"handle": "bench_bob"}, headers=alice
                    )
                else:
                    changed = await one.delete(f"/v1/me/blocks/{bob_id}", headers=alice)
                committed = time.perf_counter()
                assert changed.status_code in (201, 204), changed.text
                lagged += await decision(one, backend, bob_id, alice_id) is block
                while True:
                    if await decision(other, backend, bob_id, alice_id) is not block:
                        break
                    await asyncio.sleep(0.001)
                windows.append((time.perf_counter() - committed) * 1000)
    return blocked, lifted, lagged


def summary(name: str, windows: list[float]) -> str:
    windows = sorted(windows)
    p99 = windows[min(len(windows) - 1, int(len(windows) * 0.99))]
    return (
        f"{len(windows)} {name} through A followed by B: p50 {statistics.median(windows):.1f} ms, "
        f"p99 {p99:.1f} ms, max {windows[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--rounds", type=int, default=100)
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp())
    name = f"family_safety_blocks_{secrets.token_hex(4)}"
    server_url = None
    if options.database_url:
        server_url = Settings(database_url=options.database_url).resolved_database_url
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        asyncio.run(postgres_admin(server_url, [f"CREATE DATABASE {name}"]))
    else:
        url = f"sqlite+aiosqlite:///{data_dir / 'family_safety.db'}"
    servers = []
    try:
        asyncio.run(migrations.upgrade(Settings(database_url=url)))
        env = {
            "FAMILY_SAFETY_DATABASE_URL": url,
            "FAMILY_SAFETY_DATA_DIR": str(data_dir),
            "FAMILY_SAFETY_LOG_LEVEL": "WARNING",
            "FAMILY_SAFETY_FRESHNESS": "notify",
        }
        servers = [start_server(env, data_dir / f"{n}.log") for n in ("a", "b")]
        blocked, lifted, lagged = asyncio.run(
            measure(servers[0].base_url, servers[1].base_url, url, options.rounds)
        )
        database = "PostgreSQL" if server_url else "SQLite"
        print(f"Block-visibility window, two instances on {database} (notify freshness):")
        print(summary("blocks", blocked))
        print(summary("lifted blocks", lifted))
        print(
            f"A's own next decision followed the change {2 * options.rounds - lagged} times of "
            f"{2 * options.rounds} (from A's answer to B's first decision that follows it, "
            "polling every 1 ms)"
        )
    finally:
        for server in servers:
            server.stop()
        if server_url:
            asyncio.run(
                postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
            )


if __name__ == "__main__":
    main()
