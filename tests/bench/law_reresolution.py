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

The service re-resolves lazily: the change swaps each instance's law book (the first through
its own PATCH, the second when it hears the change), every touched account's ETag changes with
it, and each account's next read resolves its answer again from the database. So the second
figure is how fast both instances answer every touched account cold, as fast as the harness
asks (``--concurrency`` connections to each instance at once).

The harness keeps its own cost small, so that on a small machine the servers and PostgreSQL
have the CPU: rows are seeded with ``COPY``, tokens are minted while they are, requests go over
bare keep-alive connections (``plain_http``, not httpx), both instances are warmed at once, and
the reader runs in a process of its own (its latencies are the service's, not this event loop's
queue). Progress lines (stderr) time each phase. At 100,000 accounts on 2 shared cores, expect
the seeding and minting to take about a minute, the warming a few minutes.

A measurement, never a test; its figures go in BENCHMARKS.md with the machine they ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import httpx
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from tests.bench.load import (
    ISSUER,
    PASSWORD,
    account_rows,
    mint_access_tokens,
    postgres_admin,
    progress,
    server_environment,
    years_before,
)
from tests.bench.plain_http import Connection
from tests.e2e.conftest import Server, start_server, wait_until_live
from uuid_utils.compat import uuid7

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.db.models import metadata
from family_safety.domain.ages import holds
from family_safety.domain.laws.repository import read_book
from family_safety.domain.safety import services as safety_services
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.passwords import PasswordHasher
from family_safety.lib.security.tokens import TokenSigner

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

LAW = "EU-DSA-28"
STAFF_HANDLE = "bench_staff"
CONCURRENCY = 32  # connections to each instance while fetching every account
READER_PAUSE_SECONDS = 0.002
SETTINGS = "/v1/me/settings"


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


async def copy_rows(
    connection: AsyncConnection, table_name: str, rows: Iterable[dict[str, Any]]
) -> None:
    """``COPY`` the rows into the table (PostgreSQL), each value as SQLAlchemy would bind it."""
    listed = list(rows)
    if not listed:
        return
    table = metadata.tables[table_name]
    columns = list(listed[0])
    dialect = connection.dialect
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    records = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, (row[name] for name in columns), strict=True)
        )
        for row in listed
    ]
    driver = (await connection.get_raw_connection()).driver_connection  # asyncpg's own
    assert driver is not None
    await driver.copy_records_to_table(table_name, records=records, columns=columns)


def population(accounts: int) -> Seeded:
    au_ids = [uuid7() for _ in range(accounts // 2)]
    de_ids = [uuid7() for _ in range(accounts - accounts // 2)]
    staff_id = uuid7()
    session_of = {account_id: uuid7() for account_id in (*au_ids, *de_ids, staff_id)}
    return Seeded(au_ids, de_ids, staff_id, session_of)


async def seed(database_url: str, seeded: Seeded) -> None:
    password_hash = await PasswordHasher(memory_kib=19 * 1024, time_cost=2).hash(PASSWORD)
    now = datetime.now(UTC)
    today = now.date()
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.begin() as connection:
            for ids, country, age, prefix in (
                (seeded.au_ids, "AU", 17, "bench_au_"),
                (seeded.de_ids, "DE", 14, "bench_de_"),
                ([seeded.staff_id], None, 40, STAFF_HANDLE),
            ):
                birthdate = years_before(today, age) - timedelta(days=100)
                rows = account_rows(
                    ids,
                    (lambda i, p=prefix: p if p == STAFF_HANDLE else f"{p}{i}"),
                    birthdate,
                    password_hash,
                    now,
                )
                await copy_rows(
                    connection, "account", ({**row, "country": country} for row in rows)
                )
            await copy_rows(connection, "refresh_token", _session_rows(seeded.session_of, now))
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, STAFF_HANDLE, "staff", now)
    finally:
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    etag: str | None


def bearer(token: str, etag: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if etag is not None:
        headers["If-None-Match"] = etag
    return headers


async def fetch_all(
    base_url: str, tokens: Sequence[str], etags: Sequence[str | None] | None = None
) -> list[Fetched]:
    """Each token's settings, over CONCURRENCY keep-alive connections at once (with its
    If-None-Match, when given)."""
    results: list[Fetched | None] = [None] * len(tokens)
    queue = iter(range(len(tokens)))

    async def worker() -> None:
        connection = Connection(base_url)
        try:
            for index in queue:
                etag = None if etags is None else etags[index]
                answer = await connection.get(SETTINGS, bearer(tokens[index], etag))
                results[index] = Fetched(answer.status, answer.headers.get("etag"))
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return [result for result in results if result is not None]


async def warm(base_url: str, tokens: Sequence[str]) -> list[str]:
    """Every token's settings once (their answers are then in the instance's memory): the
    ETag of each."""
    started = time.perf_counter()
    answers = await fetch_all(base_url, tokens)
    failed = [answer.status for answer in answers if answer.status != 200 or not answer.etag]
    if failed:
        raise RuntimeError(f"warming {base_url}: {len(failed)} answers failed ({set(failed)})")
    progress(f"  {base_url}: {len(answers):,} answers in {time.perf_counter() - started:.1f} s")
    return [str(answer.etag) for answer in answers]


async def reader(bases: Sequence[str], tokens: Sequence[str], stop: Event, reading: Event) -> Reads:
    """Fetch settings of random accounts through both instances until stopped."""
    reads = Reads()
    connections = [Connection(base) for base in bases]
    try:
        while not stop.is_set():
            connection = random.choice(connections)
            started = time.perf_counter()
            try:
                answer = await connection.get(SETTINGS, bearer(random.choice(tokens)))
                if answer.status != 200:
                    reads.failures.append(str(answer.status))
            except (OSError, asyncio.IncompleteReadError) as exc:
                reads.failures.append(type(exc).__name__)
            reads.latencies_ms.append((time.perf_counter() - started) * 1000)
            reading.set()
            await asyncio.sleep(READER_PAUSE_SECONDS)
    finally:
        for connection in connections:
            await connection.close()
    return reads


def read_until_stopped(
    bases: Sequence[str], tokens: Sequence[str], stop: Event, reading: Event, out: Queue[Reads]
) -> None:
    """The reader, in a process of its own."""
    out.put(asyncio.run(reader(bases, tokens, stop, reading)))


async def until_fresh(base: str, tokens: list[str], old: list[str]) -> None:
    """Fetch each account with its old ETag until every one answers 200 (fresh)."""
    pending = list(range(len(tokens)))
    while pending:
        answers = await fetch_all(base, [tokens[i] for i in pending], [old[i] for i in pending])
        pending = [i for i, answer in zip(pending, answers, strict=True) if answer.status != 200]


async def first_new_answer(base: str, token: str, etag: str, committed: float) -> float:
    """Seconds from ``committed`` until ``base`` answers the account's settings afresh."""
    connection = Connection(base)
    try:
        while True:
            seen = await connection.get(SETTINGS, bearer(token, etag))
            if seen.status == 200:
                return time.perf_counter() - committed
            await asyncio.sleep(0.001)
    finally:
        await connection.close()


async def enjoin(base: str, staff_token: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        changed = await client.patch(
            f"/v1/laws/{LAW}",
            json={"status": "enjoined", "note": "benchmark"},
            headers={"Authorization": f"Bearer {staff_token}"},
        )
    assert changed.status_code == 200, changed.text


@dataclass(frozen=True, slots=True)
class Tokens:
    au: list[str]
    de: list[str]
    staff: str


def mint(signer: TokenSigner, seeded: Seeded) -> Tokens:
    au = mint_access_tokens(signer, seeded.au_ids, seeded.session_of)
    de = mint_access_tokens(signer, seeded.de_ids, seeded.session_of)
    [staff] = mint_access_tokens(signer, [seeded.staff_id], seeded.session_of)
    return Tokens(au, de, staff)


async def measure(bases: list[str], tokens: Tokens, database_url: str) -> None:
    progress(f"warming {' and '.join(bases)} at once: every account's settings once through each")
    started = time.perf_counter()
    warmed = await asyncio.gather(*(warm(base, [*tokens.au, *tokens.de]) for base in bases))
    progress(f"  both warm in {time.perf_counter() - started:.1f} s")
    split = len(tokens.au)
    old = {base: (etags[:split], etags[split:]) for base, etags in zip(bases, warmed, strict=True)}
    context = multiprocessing.get_context("spawn")
    stop, reading, out = context.Event(), context.Event(), context.Queue()
    process = context.Process(
        target=read_until_stopped, args=(bases, [*tokens.au, *tokens.de], stop, reading, out)
    )
    process.start()
    if not await asyncio.to_thread(reading.wait, 120):
        raise RuntimeError("the reader did not start reading")
    await asyncio.sleep(1)
    progress(f"enjoining {LAW} through {bases[0]}")
    await enjoin(bases[0], tokens.staff)
    committed = time.perf_counter()
    first_window = await first_new_answer(bases[1], tokens.de[0], old[bases[1]][1][0], committed)
    progress(f"  the second instance answers afresh after {first_window * 1000:.1f} ms")
    await asyncio.gather(*(until_fresh(base, tokens.de, old[base][1]) for base in bases))
    every_window = time.perf_counter() - committed
    progress(f"  every {LAW} account fresh from both after {every_window:.2f} s")
    stop.set()
    reads: Reads = await asyncio.to_thread(out.get, True, 120)
    await asyncio.to_thread(process.join, 30)
    unchanged = [
        answer.status for base in bases for answer in await fetch_all(base, tokens.au, old[base][0])
    ]
    latencies = sorted(reads.latencies_ms)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"accounts: {len(tokens.au) + len(tokens.de):,} ({len(tokens.de):,} under {LAW})")
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
    await sweep_holds(database_url)


async def sweep_holds(database_url: str) -> None:
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


async def seed_and_mint(url: str, seeded: Seeded, signer: TokenSigner) -> Tokens:
    """Seed the database while the tokens are minted (in a thread: the seeding waits on
    PostgreSQL)."""
    started = time.perf_counter()
    minting = asyncio.create_task(asyncio.to_thread(mint, signer, seeded))
    await seed(url, seeded)
    progress(f"  seeded in {time.perf_counter() - started:.1f} s")
    tokens = await minting
    progress(f"  seeded and minted in {time.perf_counter() - started:.1f} s")
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--accounts", type=int, default=100_000)
    options = parser.parse_args()
    name = f"family_safety_laws_{secrets.token_hex(4)}"
    server_url = Settings(database_url=options.database_url).resolved_database_url
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(postgres_admin(server_url, [f"CREATE DATABASE {name}"]))
    servers: list[Server] = []
    try:
        asyncio.run(migrations.upgrade(Settings(database_url=url)))
        data_dir = Path(tempfile.mkdtemp())
        keyring_path = Settings(data_dir=data_dir).resolved_keyring_path
        create_keyring(keyring_path)
        signer = TokenSigner(load_keyring(keyring_path), issuer=ISSUER)
        progress(f"seeding {options.accounts:,} accounts and minting their tokens")
        tokens = asyncio.run(seed_and_mint(url, population(options.accounts), signer))
        env = server_environment(data_dir, url, log_level="WARNING")
        progress("starting two servers at once")
        servers.append(start_server(env, data_dir / "a.log", wait=False))
        servers.append(start_server(env, data_dir / "b.log"))
        wait_until_live(servers[0])
        progress("  both are live")
        asyncio.run(measure([s.base_url for s in servers], tokens, url))
    finally:
        for server in servers:
            server.stop()
        asyncio.run(postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"]))


if __name__ == "__main__":
    main()
