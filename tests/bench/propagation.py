"""The propagation window: how long after a change commits through instance A it is seen
through instance B, on PostgreSQL in `notify` freshness (LISTEN/NOTIFY).

    python -m tests.bench.propagation --database-url postgresql://postgres@127.0.0.1:5432/test

Starts two real servers on a fresh database, links a family, then changes the teen's limits
through A and polls B (`GET /v1/me/settings` with the old ETag, every millisecond) until B
answers the new one; prints p50, p99 and the worst of the rounds. A measurement, never a test.
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
from tests.bench.load import postgres_admin
from tests.e2e.conftest import start_server
from tests.helpers import family

from family_safety.db import migrations
from family_safety.lib.config import Settings


async def measure(first: str, second: str, rounds: int) -> list[float]:
    windows = []
    async with (
        httpx.AsyncClient(base_url=first, timeout=30) as one,
        httpx.AsyncClient(base_url=second, timeout=30) as other,
    ):
        guardian, teen, teen_id = await family(one)
        for round_ in range(rounds):
            etag = (await other.get("/v1/me/settings", headers=teen)).headers["etag"]
            changed = await one.put(
                f"/v1/teens/{teen_id}/limits",
                json={"limits": {"screen_time.daily_limit_minutes": 15 + round_ % 1000}},
                headers={**guardian, "If-Match": "*"},
            )
            committed = time.perf_counter()
            assert changed.status_code == 200, changed.text
            while True:
                seen = await other.get("/v1/me/settings", headers={**teen, "If-None-Match": etag})
                if seen.status_code == 200:
                    windows.append((time.perf_counter() - committed) * 1000)
                    break
                await asyncio.sleep(0.001)
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args()
    name = f"family_safety_propagation_{secrets.token_hex(4)}"
    server_url = Settings(database_url=options.database_url).resolved_database_url
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(postgres_admin(server_url, [f"CREATE DATABASE {name}"]))
    servers = []
    try:
        asyncio.run(migrations.upgrade(Settings(database_url=url)))
        data_dir = Path(tempfile.mkdtemp())
        env = {
            "FAMILY_SAFETY_DATABASE_URL": url,
            "FAMILY_SAFETY_DATA_DIR": str(data_dir),
            "FAMILY_SAFETY_LOG_LEVEL": "WARNING",
            "FAMILY_SAFETY_FRESHNESS": "notify",
        }
        servers = [start_server(env, data_dir / f"{n}.log") for n in ("a", "b")]
        windows = sorted(
            asyncio.run(measure(servers[0].base_url, servers[1].base_url, options.rounds))
        )
        p99 = windows[min(len(windows) - 1, int(len(windows) * 0.99))]
        print(
            f"{len(windows)} changes through A seen through B: p50 "
            f"{statistics.median(windows):.1f} ms, p99 {p99:.1f} ms, max {windows[-1]:.1f} ms "
            "(from A's 200 answer to B's first fresh answer, polling every 1 ms)"
        )
    finally:
        for server in servers:
            server.stop()
        asyncio.run(postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


if __name__ == "__main__":
    main()
