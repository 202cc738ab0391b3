"""A sign-in flood against a real server, and a bystander beside it: how many sign-ins were
sent, what they were answered, how many 5xx anyone saw, and the bystander's latency (alone, then
during the flood).

    python -m tests.bench.flood [--database-url URL] [--sign-ins 250 400]

The server hashes with the production argon2id parameters. The bystander, another account,
reads and changes its settings in a loop, from a process of its own (so the flood's client does
not slow it down on this side). For each flood size it prints the bystander's worst and p99 wait
(its settings GETs, and all its requests), the figure issue 23 holds under 2 s at 400. `make
bench` runs it at 250 and 400.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import secrets
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import make_url
from tests.bench.load import postgres_admin
from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, signed_in

from family_safety.db import migrations
from family_safety.lib.config import Settings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def bystand(base_url: str, headers: dict[str, str], seconds: float, out: multiprocessing.Queue):
    async def loop() -> tuple[list[tuple[str, float]], Counter[int]]:
        latencies: list[tuple[str, float]] = []
        statuses: Counter[int] = Counter()
        private = False
        deadline = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            while time.monotonic() < deadline:
                for method, kwargs in (
                    ("GET", {}),
                    ("PATCH", {"json": {"account.private": private}}),
                ):
                    started = time.perf_counter()
                    response = await client.request(
                        method, "/v1/me/settings", headers=headers, **kwargs
                    )
                    latencies.append((method, (time.perf_counter() - started) * 1000))
                    statuses[response.status_code] += 1
                private = not private
        return latencies, statuses

    out.put(asyncio.run(loop()))


async def flood(base_url: str, sign_ins: int) -> Counter[int]:
    limits = httpx.Limits(max_connections=sign_ins + 10)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:

        async def sign_in() -> int:
            response = await client.post(
                "/v1/auth/token", json={"handle": "flooded", "password": PASSWORD}
            )
            return response.status_code

        return Counter(await asyncio.gather(*(sign_in() for _ in range(sign_ins))))


async def accounts(base_url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await signed_in(client, "flooded", 30)
        return await signed_in(client, "bystander", 30)


def watched(base_url: str, headers: dict[str, str], seconds: float, during=None):
    out: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=bystand, args=(base_url, headers, seconds, out))
    process.start()
    result = during() if during else None
    latencies, statuses = out.get()
    process.join()
    return result, latencies, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--sign-ins", type=int, nargs="+", default=[250])
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp())
    env = {
        "FAMILY_SAFETY_DATA_DIR": str(data_dir),
        "FAMILY_SAFETY_LOG_LEVEL": "WARNING",
        "FAMILY_SAFETY_SIGN_IN_MAX_FAILURES_PER_HANDLE": "100000",
    }
    database = server_url = None
    if options.database_url:
        server_url = Settings(database_url=options.database_url).resolved_database_url
        database = f"family_safety_flood_{secrets.token_hex(4)}"
        url = make_url(server_url).set(database=database).render_as_string(hide_password=False)
        asyncio.run(postgres_admin(server_url, [f"CREATE DATABASE {database}"]))
        asyncio.run(migrations.upgrade(Settings(database_url=url)))
        env["FAMILY_SAFETY_DATABASE_URL"] = url
    server = start_server(env, data_dir / "server.log")
    try:
        headers = asyncio.run(accounts(server.base_url))
        _, quiet, _ = watched(server.base_url, headers, 3)
        floods = [
            (
                size,
                *watched(
                    server.base_url,
                    headers,
                    3,
                    lambda size=size: asyncio.run(flood(server.base_url, size)),
                ),
            )
            for size in options.sign_ins
        ]
    finally:
        server.stop()
        if database:
            asyncio.run(
                postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
            )
    alone = [ms for _, ms in quiet]
    print(
        f"bystander alone: {len(alone)} requests, p50 {statistics.median(alone):.1f} ms, "
        f"p99 {percentile(alone, 0.99):.1f} ms, worst {max(alone):.1f} ms"
    )
    for size, statuses, busy, bystander in floods:
        fivexx = {status: count for status, count in statuses.items() if status >= 500}
        gets = [ms for method, ms in busy if method == "GET"]
        every = [ms for _, ms in busy]
        print(
            f"{size} simultaneous sign-ins answered {dict(sorted(statuses.items()))} "
            f"(5xx but 503: {({s: c for s, c in fivexx.items() if s != 503}) or 'none'}); "
            f"bystander meanwhile: {len(every)} requests {dict(bystander)}; settings GET worst "
            f"{max(gets):.1f} ms, p99 {percentile(gets, 0.99):.1f} ms; all requests worst "
            f"{max(every):.1f} ms, p99 {percentile(every, 0.99):.1f} ms, p50 "
            f"{statistics.median(every):.1f} ms"
        )


if __name__ == "__main__":
    main()
