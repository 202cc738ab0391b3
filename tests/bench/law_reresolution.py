"""A law's status change re-resolves every account it touches, on every instance, without
stopping reads: how long until both instances serve the new answers.

    python -m tests.bench.law_reresolution \
        --database-url postgresql://postgres@127.0.0.1:5432/test --accounts 100000

Seeds a fresh PostgreSQL database with ``--accounts`` accounts, half in Australia (aged 17) and
half in Germany (aged 14), one sign-in session each (tokens minted, as ``load`` does), and a
staff account; starts two real servers (``notify`` freshness), fetches every account's settings
once through each (the answers are in memory), then, while a reader keeps fetching settings
through both instances, staff enjoin ``EU-DSA-28`` through the first. It prints:

- the window until the second instance first serves a German account's new answer;
- the time until every German account has had its new answer from both instances (each fetched
  with its old ETag until it is fresh: a 304 is a stale answer), and the Australian ones still
  answer 304 (their laws did not change);
- what the reader saw meanwhile: its reads, failures, p50, p99 and worst latency;
- the time one sweep of the holds takes over the accounts (``ages.holds.review_holds``).

A measurement, never a test; its figures go in BENCHMARKS.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tests.bench.load import (
    ISSUER,
    PASSWORD,
    account_rows,
    insert_rows,
    mint_access_tokens,
    postgres_admin,
    progress,
    server_environment,
    years_before,
)
from tests.e2e.conftest import start_server
from uuid_utils.compat import uuid7

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.domain.ages import holds
from family_safety.domain.laws.repository import read_book
from family_safety.domain.safety import services as safety_services
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.passwords import PasswordHasher
from family_safety.lib.security.tokens import TokenSigner

LAW = "EU-DSA-28"
STAFF_HANDLE = "bench_staff"
CONCURRENCY = 16
READER_PAUSE_SECONDS = 0.002


@dataclass
class Seeded:
    au_ids: list[UUID]
    de_ids: list[UUID]
    staff_id: UUID
    session_of: dict[UUID, UUID]


@dataclass
class Reads:
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _session_rows(session_of: dict[UUID, UUID], now: datetime) -> Iterator[dict[str, Any]]:
    for account_id, session_id in session_of.items():
        yield {
            "id": uuid7(),
            "account_id": account_id,
            "family_id": session_id,
            "token_hash": secrets.token_hex(32),
            "created_at": now,
            "expires_at": now + timedelta(days=30),
            "spent_at": None,
            "revoked_at": None,
        }


async def seed(database_url: str, accounts: int) -> Seeded:
    password_hash = await PasswordHasher(memory_kib=19 * 1024, time_cost=2).hash(PASSWORD)
    now = datetime.now(UTC)
    today = now.date()
    au_ids = [uuid7() for _ in range(accounts // 2)]
    de_ids = [uuid7() for _ in range(accounts - accounts // 2)]
    staff_id = uuid7()
    session_of = {account_id: uuid7() for account_id in (*au_ids, *de_ids, staff_id)}
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.begin() as connection:
            for ids, country, age, prefix in (
                (au_ids, "AU", 17, "bench_au_"),
                (de_ids, "DE", 14, "bench_de_"),
                ([staff_id], None, 40, STAFF_HANDLE),
            ):
                birthdate = years_before(today, age) - timedelta(days=100)
                rows = account_rows(
                    ids,
                    (lambda i, p=prefix: p if p == STAFF_HANDLE else f"{p}{i}"),
                    birthdate,
                    password_hash,
                    now,
                )
                await insert_rows(
                    connection, "account", ({**row, "country": country} for row in rows)
                )
            await insert_rows(connection, "refresh_token", _session_rows(session_of, now))
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, STAFF_HANDLE, "staff", now)
    finally:
        await engine.dispose()
    return Seeded(au_ids, de_ids, staff_id, session_of)


async def fetch_all(
    base_url: str, tokens: Sequence[str], etags: Sequence[str | None] | None = None
) -> list[httpx.Response]:
    """Each token's settings, CONCURRENCY at a time (with its If-None-Match, when given)."""
    results: list[httpx.Response | None] = [None] * len(tokens)
    queue = iter(range(len(tokens)))

    async def worker(client: httpx.AsyncClient) -> None:
        for index in queue:
            headers = {"Authorization": f"Bearer {tokens[index]}"}
            if etags is not None and etags[index] is not None:
                headers["If-None-Match"] = str(etags[index])
            results[index] = await client.get("/v1/me/settings", headers=headers)

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return [result for result in results if result is not None]


async def reader(
    bases: Sequence[str], tokens: Sequence[str], reads: Reads, stop: asyncio.Event
) -> None:
    """Fetch settings of random accounts through both instances until stopped."""
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for base in bases]
    try:
        while not stop.is_set():
            client = random.choice(clients)
            started = time.perf_counter()
            try:
                response = await client.get(
                    "/v1/me/settings",
                    headers={"Authorization": f"Bearer {random.choice(tokens)}"},
                )
                if response.status_code != 200:
                    reads.failures.append(str(response.status_code))
            except httpx.TransportError as exc:
                reads.failures.append(type(exc).__name__)
            reads.latencies_ms.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(READER_PAUSE_SECONDS)
    finally:
        for client in clients:
            await client.aclose()


async def until_fresh(base: str, tokens: list[str], old: list[str]) -> None:
    """Fetch each account with its old ETag until every one answers 200 (fresh)."""
    pending = list(range(len(tokens)))
    while pending:
        answers = await fetch_all(base, [tokens[i] for i in pending], [old[i] for i in pending])
        pending = [
            i for i, answer in zip(pending, answers, strict=True) if answer.status_code != 200
        ]


async def measure(bases: list[str], seeded: Seeded, signer: TokenSigner, database_url: str) -> None:
    au_tokens = mint_access_tokens(signer, seeded.au_ids, seeded.session_of)
    de_tokens = mint_access_tokens(signer, seeded.de_ids, seeded.session_of)
    [staff] = mint_access_tokens(signer, [seeded.staff_id], seeded.session_of)
    old: dict[str, tuple[list[str], list[str]]] = {}
    for base in bases:
        progress(f"warming {base}: every account's settings once")
        started = time.perf_counter()
        au = [answer.headers["etag"] for answer in await fetch_all(base, au_tokens)]
        de = [answer.headers["etag"] for answer in await fetch_all(base, de_tokens)]
        progress(f"  {len(au) + len(de):,} answers in {time.perf_counter() - started:.1f} s")
        old[base] = (au, de)
    reads, stop = Reads(), asyncio.Event()
    reading = asyncio.create_task(reader(bases, [*au_tokens, *de_tokens], reads, stop))
    await asyncio.sleep(1)
    async with httpx.AsyncClient(base_url=bases[0], timeout=60) as client:
        changed = await client.patch(
            f"/v1/laws/{LAW}",
            json={"status": "enjoined", "note": "benchmark"},
            headers={"Authorization": f"Bearer {staff}"},
        )
    committed = time.perf_counter()
    assert changed.status_code == 200, changed.text
    probe_token, probe_etag = de_tokens[0], old[bases[1]][1][0]
    async with httpx.AsyncClient(base_url=bases[1], timeout=30) as other:
        while True:
            seen = await other.get(
                "/v1/me/settings",
                headers={"Authorization": f"Bearer {probe_token}", "If-None-Match": probe_etag},
            )
            if seen.status_code == 200:
                first_window = time.perf_counter() - committed
                break
            await asyncio.sleep(0.001)
    await asyncio.gather(*(until_fresh(base, de_tokens, old[base][1]) for base in bases))
    every_window = time.perf_counter() - committed
    stop.set()
    await reading
    unchanged = [
        answer.status_code
        for base in bases
        for answer in await fetch_all(base, au_tokens, old[base][0])
    ]
    latencies = sorted(reads.latencies_ms)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"accounts: {len(au_tokens) + len(de_tokens):,} ({len(de_tokens):,} under {LAW})")
    print(f"status change -> second instance's first new answer: {first_window * 1000:.1f} ms")
    print(
        f"status change -> every {LAW} account's new answer from both instances: "
        f"{every_window:.2f} s"
    )
    print(
        f"Australian answers after the change: {unchanged.count(304):,} of {len(unchanged):,} "
        "still 304 (their laws did not change)"
    )
    print(
        f"reader meanwhile: {len(latencies):,} reads, {len(reads.failures)} failures "
        f"({sorted(set(reads.failures))}), p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms"
    )
    engine = create_engine(Settings(database_url=database_url))
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session:
            book = await read_book(session)
        now = datetime.now(UTC)
        laws = [law for law in book.laws if book.applies_now(law, now.date())]
        started = time.perf_counter()
        held, released = await holds.review_holds(sessions, laws, now)
        print(
            f"one sweep of the holds: {time.perf_counter() - started:.2f} s "
            f"({held} held, {released} released)"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--accounts", type=int, default=100_000)
    options = parser.parse_args()
    name = f"family_safety_laws_{secrets.token_hex(4)}"
    server_url = Settings(database_url=options.database_url).resolved_database_url
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(postgres_admin(server_url, [f"CREATE DATABASE {name}"]))
    servers = []
    try:
        asyncio.run(migrations.upgrade(Settings(database_url=url)))
        progress(f"seeding {options.accounts:,} accounts")
        seeded = asyncio.run(seed(url, options.accounts))
        data_dir = Path(tempfile.mkdtemp())
        keyring_path = Settings(data_dir=data_dir).resolved_keyring_path
        create_keyring(keyring_path)
        signer = TokenSigner(load_keyring(keyring_path), issuer=ISSUER)
        env = server_environment(data_dir, url, log_level="WARNING")
        servers = [start_server(env, data_dir / f"{n}.log") for n in ("a", "b")]
        asyncio.run(measure([s.base_url for s in servers], seeded, signer, url))
    finally:
        for server in servers:
            server.stop()
        asyncio.run(postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


if __name__ == "__main__":
    main()
