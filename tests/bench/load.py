"""Load benchmark: a real ``family-safety serve`` (1 worker unless ``--workers``) on a fresh,
seeded database, driven by ``wrk`` from a separate process. Prints a markdown report; see
tests/bench/README.md.

Targets are reported, never asserted: the exit status is non-zero only when the harness itself
fails (seeding, the server not starting, a scenario that cannot be prepared).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import func, insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from uuid_utils.compat import uuid7

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.db.models import metadata
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.passwords import PasswordHasher
from family_safety.lib.security.tokens import TokenKind, TokenSigner

WRK_SCRIPT = Path(__file__).resolve().with_name("settings.lua")
BENCH_DATABASE = f"family_safety_bench_{secrets.token_hex(4)}"  # this run's own
PASSWORD = "bench password 1"
ISSUER = "family-safety"
TOKEN_TTL_SECONDS = 3600
TEENS_PER_GUARDIAN = 2
TEEN_AGE_YEARS = 14
GUARDIAN_AGE_YEARS = 40
SEED_BATCH_ROWS = 5_000
ETAG_SAMPLE = 5_000
FETCH_CONCURRENCY = 8
FETCH_ATTEMPTS = 5
FETCH_RETRY_DELAY_SECONDS = 0.5
STARTUP_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 10
LOG_TAIL_LINES = 20
MIB = 1024 * 1024

# What half of the guardians bound, in wire form.
SEEDED_LIMITS: dict[str, Any] = {
    "screen_time.daily_limit_minutes": dict.fromkeys(
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), 45
    ),
    "content.restricted_mode": True,
    "comments.who_can_comment": "friends",
}
# The PUT scenario alternates between these per teen; neither equals SEEDED_LIMITS or no limits,
# so every PUT is a real change that writes an audit entry.
PUT_BODIES = (
    json.dumps(
        {
            "limits": {
                "screen_time.daily_limit_minutes": 50,
                "content.restricted_mode": True,
                "comments.who_can_comment": "friends",
            }
        }
    ),
    json.dumps(
        {
            "limits": {
                "screen_time.daily_limit_minutes": 30,
                "content.restricted_mode": True,
                "comments.who_can_comment": "no_one",
            }
        }
    ),
)

# Issue 12's targets, one worker: (settings, 304) as shares of /health/live in the same run, by
# database (PostgreSQL in its default notify mode).
TARGET_SETTINGS_RATIO = {"sqlite": 0.60, "postgresql": 0.75}
TARGET_NOT_MODIFIED_RATIO = {"sqlite": 0.70, "postgresql": 0.80}
TARGET_SETTINGS_RATIO_READ_MODE = 0.40  # PostgreSQL, FAMILY_SAFETY_FRESHNESS=read
TARGET_SETTINGS_P99_MS = 10.0  # SQLite
TARGET_PUT_PER_SECOND = 1_000.0
TARGET_PUT_RATIO = 0.05  # of /health/live: the same target on a machine of another speed
TARGET_PUT_P99_MS = 100.0
TARGET_USAGE_PER_SECOND = 1_000.0  # issue 13, PostgreSQL
TARGET_USAGE_P99_MS = 50.0
TARGET_PEAK_RSS_MIB = 300.0
# Issue 26, decisions: one evaluation as a share of /health/live (both databases, notify), a
# batch's decisions a second per worker, and one evaluation's p99.
TARGET_EVALUATION_RATIO = 0.60
TARGET_BATCH_DECISIONS_PER_SECOND = 20_000.0
TARGET_EVALUATION_P99_MS = 10.0
# Issue 25, age signals: the settings GET beside a flood of forged signals, as a share of the
# settings GET beside a flood of /health/live at the same concurrency (what any flood costs a
# neighbour on the same cores).
TARGET_BESIDE_SIGNALS_RATIO = 0.90
EVALUATION_BODIES = 256  # one evaluation: the scenario cycles over this many questions
BATCH_BODIES = 8  # batches of 100: the scenario cycles over this many
BATCH_SIZE = 100
BLOCK_EVERY = 10  # every tenth teen blocks the next one
# The actions a client back end asks about most, in the mix the scenarios send.
DECISION_ACTIONS = (
    "message.send",
    "comment.create",
    "download",
    "group.invite",
    "suggest",
    "search",
    "notification.send",
    "app.use",
)

_REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_STATUS_COUNT = re.compile(r"^bench-status (\d+) (\d+)$", re.MULTILINE)
_MILLISECONDS_PER_UNIT = {"us": 0.001, "ms": 1.0, "s": 1_000.0, "m": 60_000.0}
_STARTED = time.monotonic()


class HarnessError(RuntimeError):
    """The benchmark could not be run; nothing was measured."""


# ---------------------------------------------------------------------------------------------
# Command line


@dataclass(frozen=True, slots=True)
class Options:
    database_url: str | None
    teens: int
    duration: int
    connections: int
    threads: int
    warm_all: bool
    port: int
    server: str
    workers: int
    freshness: str
    log_level: str = "INFO"
    signal_checks: float | None = None  # FAMILY_SAFETY_AGE_SIGNAL_CHECKS_PER_SECOND, if set


def parse_options(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.load", description=__doc__)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: the database family_safety_bench is (re)created on it; "
        "default: a fresh SQLite file",
    )
    parser.add_argument("--teens", type=int, default=1_000, help="teens to seed (default 1000)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--warm-all",
        action="store_true",
        help="fetch every teen's settings once before the settings scenario, and every teen's "
        "screen-time status once before the status scenario",
    )
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--server", choices=["uvicorn", "granian"], default="uvicorn", help="the ASGI server"
    )
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument(
        "--freshness",
        choices=["notify", "read"],
        default="notify",
        help="FAMILY_SAFETY_FRESHNESS of the server (default notify)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="FAMILY_SAFETY_LOG_LEVEL of the server (default INFO, the service's own default)",
    )
    parser.add_argument(
        "--signal-checks",
        type=float,
        help="FAMILY_SAFETY_AGE_SIGNAL_CHECKS_PER_SECOND of the server (default: the service's "
        "own); a large one measures what each forged signal's check costs, unbudgeted",
    )
    args = parser.parse_args(argv)
    if args.database_url and not make_url(args.database_url).get_backend_name().startswith(
        "postgres"
    ):
        parser.error("--database-url must be a PostgreSQL URL (SQLite is the default)")
    for name in ("teens", "duration", "connections", "threads", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return Options(
        database_url=args.database_url,
        teens=args.teens,
        duration=args.duration,
        connections=args.connections,
        threads=args.threads,
        warm_all=args.warm_all,
        port=args.port,
        server=args.server,
        workers=args.workers,
        freshness=args.freshness,
        log_level=args.log_level.upper(),
        signal_checks=args.signal_checks,
    )


def progress(message: str) -> None:
    elapsed = time.monotonic() - _STARTED
    print(f"bench [{elapsed:6.1f} s]: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Database: create, migrate, seed


async def postgres_admin(server_url: str, statements: Sequence[str]) -> None:
    """Run statements on the server's ``postgres`` database, outside any transaction."""
    url = make_url(Settings(database_url=server_url).resolved_database_url).set(database="postgres")
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_postgres_database(server_url: str) -> str:
    await postgres_admin(
        server_url,
        [
            f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)",
            f"CREATE DATABASE {BENCH_DATABASE}",
        ],
    )
    url = make_url(Settings(database_url=server_url).resolved_database_url)
    return url.set(database=BENCH_DATABASE).render_as_string(hide_password=False)


async def drop_postgres_database(server_url: str) -> None:
    await postgres_admin(server_url, [f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"])


@dataclass(frozen=True, slots=True)
class Population:
    teen_ids: list[UUID]
    guardian_ids: list[UUID]
    session_of: dict[UUID, UUID]  # account id -> its one sign-in session (refresh-token family)

    @classmethod
    def of(cls, teens: int) -> Population:
        teen_ids = [uuid7() for _ in range(teens)]
        guardian_ids = [uuid7() for _ in range(math.ceil(teens / TEENS_PER_GUARDIAN))]
        session_of = {account_id: uuid7() for account_id in (*teen_ids, *guardian_ids)}
        return cls(teen_ids, guardian_ids, session_of)

    def guardian_of(self, teen_index: int) -> UUID:
        return self.guardian_ids[teen_index // TEENS_PER_GUARDIAN]

    @property
    def service_id(self) -> UUID:
        """The account granted the ``service`` role (the first guardian)."""
        return self.guardian_ids[0]

    def is_bounded(self, teen_index: int) -> bool:
        """Half of the teens have a guardian bounding SEEDED_LIMITS."""
        return teen_index % 2 == 0


def teen_handle(index: int) -> str:
    return f"bench_teen_{index}"


def guardian_handle(index: int) -> str:
    return f"bench_guardian_{index}"


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def account_rows(
    ids: Sequence[UUID],
    handle: Callable[[int], str],
    birthdate: date,
    password_hash: str,
    now: datetime,
) -> Iterator[dict[str, Any]]:
    for index, account_id in enumerate(ids):
        yield {
            "id": account_id,
            "handle": handle(index),
            "display_name": handle(index),
            "password_hash": password_hash,
            "birthdate": birthdate,
            "country": None,
            "timezone": "UTC",
            "settings_version": 1,
            "notified_band": None,
            "created_at": now,
            "updated_at": now,
        }


def link_and_limit_rows(
    population: Population, now: datetime, ends_on: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    links: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    for index, teen_id in enumerate(population.teen_ids):
        link_id = uuid7()
        links.append(
            {
                "id": link_id,
                "guardian_id": population.guardian_of(index),
                "teen_id": teen_id,
                "status": "active",
                "created_at": now,
                "ended_at": None,
                "ended_by_id": None,
                "limits_version": 1,
                "ends_on": ends_on,
            }
        )
        if population.is_bounded(index):
            limits.extend(
                {"link_id": link_id, "key": key, "value": value}
                for key, value in SEEDED_LIMITS.items()
            )
    return links, limits


def refresh_token_rows(population: Population, now: datetime) -> Iterator[dict[str, Any]]:
    """One live sign-in session per account, as sign-in leaves it: the minted access tokens name
    these families in ``sid``. The refresh tokens themselves are never used."""
    for account_id, session_id in population.session_of.items():
        yield {
            "id": uuid7(),
            "account_id": account_id,
            "family_id": session_id,
            "token_hash": hashlib.sha256(session_id.bytes).hexdigest(),
            "created_at": now,
            "expires_at": now + timedelta(days=30),
            "spent_at": None,
            "revoked_at": None,
        }


def block_rows(population: Population, now: datetime) -> Iterator[dict[str, Any]]:
    teens = population.teen_ids
    for index in range(0, len(teens) - 1, BLOCK_EVERY):
        yield {
            "id": uuid7(),
            "blocker_id": teens[index],
            "blocked_id": teens[index + 1],
            "created_at": now,
        }


def batches(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, SEED_BATCH_ROWS)):
        yield batch


async def insert_rows(
    connection: AsyncConnection, table_name: str, rows: Iterable[dict[str, Any]]
) -> None:
    table = metadata.tables[table_name]
    for batch in batches(rows):
        await connection.execute(insert(table), batch)


async def seed(database_url: str, population: Population) -> None:
    """Guardians and teens with one shared password hash and one sign-in session each, a link
    per teen, limits on half of them."""
    hasher = PasswordHasher(memory_kib=19 * 1024, time_cost=2)
    password_hash = await hasher.hash(PASSWORD)
    now = datetime.now(UTC)
    today = now.date()
    teen_birthdate = years_before(today, TEEN_AGE_YEARS) - timedelta(days=100)
    guardian_birthdate = years_before(today, GUARDIAN_AGE_YEARS)
    links, limits = link_and_limit_rows(
        population, now, load_default_pack().adult_on(teen_birthdate)
    )
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.begin() as connection:
            await insert_rows(
                connection,
                "account",
                account_rows(
                    population.guardian_ids, guardian_handle, guardian_birthdate, password_hash, now
                ),
            )
            await insert_rows(
                connection,
                "account",
                account_rows(population.teen_ids, teen_handle, teen_birthdate, password_hash, now),
            )
            await insert_rows(connection, "guardian_link", links)
            await insert_rows(connection, "guardian_limit", limits)
            await insert_rows(connection, "refresh_token", refresh_token_rows(population, now))
            # The first guardian is also the platform's back end, asking for decisions.
            await insert_rows(
                connection,
                "account_role",
                [{"account_id": population.service_id, "role": "service", "granted_at": now}],
            )
            await insert_rows(connection, "block", block_rows(population, now))
    finally:
        await engine.dispose()


async def database_description(database_url: str) -> str:
    is_sqlite = database_url.startswith("sqlite")
    query = "SELECT sqlite_version()" if is_sqlite else "SHOW server_version"
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.connect() as connection:
            version = (await connection.execute(text(query))).scalar_one()
    finally:
        await engine.dispose()
    return f"SQLite {version} (file, WAL)" if is_sqlite else f"PostgreSQL {version}"


async def count_audit_entries(database_url: str, action: str) -> int:
    audit_entry = metadata.tables["audit_entry"]
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(audit_entry.c.action == action)
            return (await connection.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def prepare_database(database_url: str, population: Population) -> None:
    await migrations.upgrade(Settings(database_url=database_url))
    await seed(database_url, population)


SIGNAL_ISSUER = "bench-relay"
FORGED_SIGNALS = 64


async def register_signal_issuer(database_url: str) -> str:
    """Trust an issuer of age signals, as ``family-safety issuers add`` does; its key id."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.age_signals.repository import add_issuer

    pem = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with AsyncSession(engine) as session:
            return (await add_issuer(session, SIGNAL_ISSUER, pem)).kid
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True, slots=True)
class Seeded:
    """A seeded database, and an access token for each of its accounts."""

    database_url: str
    population: Population
    teen_tokens: list[str]
    guardian_tokens: list[str]
    signal_kid: str  # the key id of a trusted issuer of age signals


def mint_access_tokens(
    signer: TokenSigner, account_ids: Sequence[UUID], session_of: dict[UUID, UUID]
) -> list[str]:
    """What sign-in issues, minted directly: argon2 for every account would take minutes."""
    return [
        signer.sign(
            TokenKind.ACCESS,
            subject=str(account_id),
            ttl_seconds=TOKEN_TTL_SECONDS,
            sid=str(session_of[account_id]),
        )
        for account_id in account_ids
    ]


# ---------------------------------------------------------------------------------------------
# The server


@dataclass(frozen=True, slots=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(max(0, self.log_path.stat().st_size - 64 * 1024))
            tail = log.read().decode(errors="replace")
        return "\n".join(tail.splitlines()[-LOG_TAIL_LINES:])

    def log_line_count(self) -> int:
        """Lines written so far (at INFO, one per request: counted without decoding)."""
        return self.log_path.read_bytes().count(b"\n")

    def peak_rss_bytes(self) -> int:
        """The largest VmHWM of the server's processes: uvicorn with one worker serves in this
        very process; with several workers, or under granian, its children serve."""
        if self.process.poll() is not None:
            raise HarnessError(
                f"the server exited during the run ({self.process.returncode}):\n{self.log_tail()}"
            )
        peaks = [_vm_hwm(pid) for pid in _process_tree(self.process.pid)]
        if not any(peaks):
            raise HarnessError("no VmHWM in /proc/<server>/status")
        return max(peaks)


def _process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(child) for child in children.read_text().split()] if children.exists() else []
    return [pid, *(each for child in found for each in _process_tree(child))]


def _vm_hwm(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(
    data_dir: Path, database_url: str, freshness: str = "notify", log_level: str = "INFO"
) -> dict[str, str]:
    """The harness alone configures the server: inherited FAMILY_SAFETY_* variables are dropped."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("FAMILY_SAFETY_")}
    return {
        **inherited,
        "FAMILY_SAFETY_DATA_DIR": str(data_dir),
        "FAMILY_SAFETY_DATABASE_URL": database_url,
        "FAMILY_SAFETY_LOG_LEVEL": log_level,
        "FAMILY_SAFETY_FRESHNESS": freshness,
    }


def wait_until_live(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise HarnessError(f"the server exited on start:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise HarnessError(f"the server did not answer within {STARTUP_TIMEOUT_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_server(data_dir: Path, database_url: str, options: Options) -> Iterator[Server]:
    port = options.port or free_port()
    log_path = data_dir / f"server-{options.log_level.lower()}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "family_safety", "serve", "--port", str(port)),
                *("--workers", str(options.workers), "--server", options.server),
            ],
            env=server_environment(data_dir, database_url, options.freshness, options.log_level)
            | (
                {}
                if options.signal_checks is None
                else {"FAMILY_SAFETY_AGE_SIGNAL_CHECKS_PER_SECOND": str(options.signal_checks)}
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        progress(f"starting the server on port {port} (log level {options.log_level})")
        wait_until_live(server)
        progress("the server is live")
        yield server
    finally:
        stop(process)


# ---------------------------------------------------------------------------------------------
# Checks through the API


def check_sign_ins(base_url: str, handles: Sequence[str]) -> None:
    """Seeded accounts are real: the API signs them in with the shared password."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for handle in handles:
            answer = client.post("/v1/auth/token", json={"handle": handle, "password": PASSWORD})
            if answer.status_code != 200:
                raise HarnessError(
                    f"signing in {handle} answered {answer.status_code}: {answer.text}"
                )


@dataclass(frozen=True, slots=True)
class Fetched:
    etags: list[str]
    retries: int  # 5xx answers that were retried


async def fetch_each(base_url: str, path: str, tokens: Sequence[str]) -> Fetched:
    """GET ``path`` once per token, a few at a time; the ETag of each answer ("" for none). A 5xx
    answer is retried (the service answers 503 when its database is busy); any other failure is
    fatal."""
    etags = [""] * len(tokens)
    indexes = iter(range(len(tokens)))
    retries = 0

    async def fetch_one(client: httpx.AsyncClient, token: str) -> str:
        nonlocal retries
        attempt = 1
        while True:
            answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 200:
                return answer.headers.get("etag", "")
            if answer.status_code < 500 or attempt == FETCH_ATTEMPTS:
                raise HarnessError(f"GET {path} answered {answer.status_code}: {answer.text[:500]}")
            retries += 1
            await asyncio.sleep(FETCH_RETRY_DELAY_SECONDS * attempt)
            attempt += 1

    async def fetch(client: httpx.AsyncClient) -> None:
        for index in indexes:
            etags[index] = await fetch_one(client, tokens[index])

    limits = httpx.Limits(max_connections=FETCH_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        await asyncio.gather(*(fetch(client) for _ in range(FETCH_CONCURRENCY)))
    return Fetched(etags, retries)


async def fetch_settings_etags(base_url: str, tokens: Sequence[str]) -> Fetched:
    """GET /v1/me/settings once per token; the ETag of each."""
    fetched = await fetch_each(base_url, "/v1/me/settings", tokens)
    if not all(fetched.etags):
        raise HarnessError("GET /v1/me/settings answered 200 without an ETag")
    return fetched


# ---------------------------------------------------------------------------------------------
# Scenarios under wrk


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    method: str
    expected_status: int
    lines: list[str]  # path TAB bearer token TAB value of `header`
    header: str = ""
    bodies: tuple[str, ...] = ()
    also_expected: frozenset[int] = frozenset()  # answers as designed too (503 past a budget)


@dataclass(frozen=True, slots=True)
class Measurement:
    scenario: Scenario
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    socket_errors: int

    @property
    def answers(self) -> int:
        return sum(self.statuses.values())

    @property
    def expected_answers(self) -> int:
        return sum(self.statuses.get(status, 0) for status in self.expected_statuses)

    @property
    def expected_statuses(self) -> frozenset[int]:
        return self.scenario.also_expected | {self.scenario.expected_status}

    @property
    def errors(self) -> int:
        return self.answers - self.expected_answers + self.socket_errors

    def error_detail(self) -> str:
        unexpected = {
            status: count
            for status, count in sorted(self.statuses.items())
            if status not in self.expected_statuses
        }
        parts = [f"{count} x {status}" for status, count in unexpected.items()]
        if self.socket_errors:
            parts.append(f"{self.socket_errors} socket errors")
        return ", ".join(parts) if parts else "0"


def milliseconds(value: str, unit: str) -> float:
    return float(value) * _MILLISECONDS_PER_UNIT[unit]


def parse_wrk_output(scenario: Scenario, output: str) -> Measurement:
    rate = _REQUESTS_PER_SECOND.search(output)
    percentiles = {
        match[1]: milliseconds(match[2], match[3]) for match in _PERCENTILE.finditer(output)
    }
    if rate is None or set(percentiles) != {"50", "99"}:
        raise HarnessError(f"unexpected wrk output for {scenario.name}:\n{output}")
    socket_errors = _SOCKET_ERRORS.search(output)
    return Measurement(
        scenario=scenario,
        requests_per_second=float(rate[1]),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        statuses={int(match[1]): int(match[2]) for match in _STATUS_COUNT.finditer(output)},
        socket_errors=sum(map(int, socket_errors.groups())) if socket_errors else 0,
    )


def wrk_environment(scenario: Scenario, lines_path: Path, threads: int) -> dict[str, str]:
    bodies = {f"BENCH_BODY_{index}": body for index, body in enumerate(scenario.bodies)}
    return {
        **os.environ,
        "BENCH_FILE": str(lines_path),
        "BENCH_METHOD": scenario.method,
        "BENCH_HEADER": scenario.header,
        "BENCH_THREADS": str(threads),
        **bodies,
    }


def run_wrk(scenario: Scenario, options: Options, base_url: str, work_dir: Path) -> Measurement:
    lines_path = work_dir / "wrk-lines.tsv"
    lines_path.write_text("".join(f"{line}\n" for line in scenario.lines))
    command = [
        "wrk",
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{options.duration}s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        base_url,
    ]
    progress(f"wrk: {scenario.name} ({len(scenario.lines):,} request lines)")
    result = subprocess.run(
        command,
        env=wrk_environment(scenario, lines_path, options.threads),
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout, result.stderr, sep="", file=sys.stderr, flush=True)
    if result.returncode != 0:
        raise HarnessError(f"wrk failed ({result.returncode}) on {scenario.name}")
    return parse_wrk_output(scenario, result.stdout)


def health_scenario() -> Scenario:
    return Scenario("GET /health/live", "GET", 200, ["/health/live\t\t"])


def settings_scenario(teen_tokens: Sequence[str]) -> Scenario:
    lines = [f"/v1/me/settings\t{token}\t" for token in teen_tokens]
    return Scenario("GET /v1/me/settings", "GET", 200, lines)


def not_modified_scenario(teen_tokens: Sequence[str], etags: Sequence[str]) -> Scenario:
    lines = [
        f"/v1/me/settings\t{token}\t{etag}" for token, etag in zip(teen_tokens, etags, strict=True)
    ]
    return Scenario("GET /v1/me/settings, If-None-Match", "GET", 304, lines, "If-None-Match")


def forged(token: str) -> str:
    """The token with the last characters of its signature changed: refused, as a forgery."""
    return token[:-4] + ("BBBB" if token.endswith("AAAA") else "AAAA")


def forged_token_scenario(teen_tokens: Sequence[str]) -> Scenario:
    """A flood of forged tokens, each sent again and again (replayed): what refusing costs."""
    lines = [f"/v1/me/settings\t{forged(token)}\t" for token in teen_tokens]
    return Scenario("GET /v1/me/settings, forged tokens (401)", "GET", 401, lines)


def forged_signal_scenario(kid: str, teen_ids: Sequence[UUID]) -> Scenario:
    """A flood of forged age signals: each names the trusted issuer and its key id, and is
    signed by another key (a new one each), so each costs the server one signature check
    (401), within the server's budget of checks a second; past it, 503 ``overloaded``
    unchecked."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from tests.helpers import age_signal

    bodies = tuple(
        json.dumps(
            {
                "signal": age_signal(
                    Ed25519PrivateKey.generate(),
                    kid,
                    iss=SIGNAL_ISSUER,
                    sub=str(teen_ids[index % len(teen_ids)]),
                    lower=18,
                    upper=None,
                    method="verified",
                    exp=int(time.time()) + 600,
                )
            }
        )
        for index in range(FORGED_SIGNALS)
    )
    return Scenario(
        "POST /v1/age-signals, forged signals (401, 503 past the budget)",
        "POST",
        401,
        ["/v1/age-signals\t\t"],
        "",
        bodies,
        also_expected=frozenset({503}),
    )


def limits_scenario(population: Population, guardian_tokens: Sequence[str]) -> Scenario:
    token_of = dict(zip(population.guardian_ids, guardian_tokens, strict=True))
    lines = [
        f"/v1/teens/{teen_id}/limits\t{token_of[population.guardian_of(index)]}\t*"
        for index, teen_id in enumerate(population.teen_ids)
    ]
    return Scenario("PUT /v1/teens/{id}/limits", "PUT", 200, lines, "If-Match", PUT_BODIES)


def usage_bodies(now: datetime) -> tuple[str, ...]:
    """Five devices' reports, of one to five intervals each, all in the last two hours and none
    the same, so that every report adds time (a report sent again would add nothing)."""
    bodies = []
    for device in range(5):
        intervals = []
        for n in range(device + 1):
            start = now - timedelta(minutes=115 - 23 * device - 4 * n)
            intervals.append(
                {
                    "start": start.isoformat().replace("+00:00", "Z"),
                    "end": (start + timedelta(minutes=3)).isoformat().replace("+00:00", "Z"),
                }
            )
        bodies.append(json.dumps({"device_id": f"device-{device}", "intervals": intervals}))
    return tuple(bodies)


def usage_scenario(teen_tokens: Sequence[str]) -> Scenario:
    lines = [f"/v1/me/screen-time/usage\t{token}\t" for token in teen_tokens]
    bodies = usage_bodies(datetime.now(UTC))
    return Scenario("POST /v1/me/screen-time/usage", "POST", 200, lines, "", bodies)


def status_scenario(teen_tokens: Sequence[str]) -> Scenario:
    lines = [f"/v1/me/screen-time\t{token}\t" for token in teen_tokens]
    return Scenario("GET /v1/me/screen-time", "GET", 200, lines)


SEARCHES = (
    "cheap flights",
    "Human  Trafficking stories",
    "people-smuggling",
    "funny cats",
    "homework help",
    "TRAFFICKING",
    "how to make bread",
)


def match_scenario() -> Scenario:
    lines = [
        "/v1/safety/search-interventions/match?q=" + query.replace(" ", "%20") + "\t\t"
        for query in SEARCHES
    ]
    return Scenario("GET /v1/safety/search-interventions/match", "GET", 200, lines)


def question(population: Population, number: int) -> dict[str, Any]:
    """One evaluation of the mix: a teen acting on a teen or on a guardian, or alone."""
    teens, guardians = population.teen_ids, population.guardian_ids
    resource = (
        guardians[number % len(guardians)] if number % 2 else teens[(number + 1) % len(teens)]
    )
    return {
        "subject": {"type": "account", "id": str(teens[number % len(teens)])},
        "action": {"name": DECISION_ACTIONS[number % len(DECISION_ACTIONS)]},
        "resource": {"type": "account", "id": str(resource)},
        "context": {"relationship": "friend" if number % 3 == 0 else "none"},
    }


async def ask_each(base_url: str, token: str, path: str, bodies: Sequence[str]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for body in bodies:
            answer = await client.post(path, content=body, headers=headers)
            if answer.status_code != 200:
                raise HarnessError(f"{path} answered {answer.status_code}: {answer.text}")


def evaluation_scenario(population: Population, service_token: str) -> Scenario:
    bodies = tuple(json.dumps(question(population, n)) for n in range(EVALUATION_BODIES))
    lines = [f"/access/v1/evaluation\t{service_token}\t"]
    return Scenario("POST /access/v1/evaluation", "POST", 200, lines, "", bodies)


def evaluations_scenario(population: Population, service_token: str) -> Scenario:
    bodies = tuple(
        json.dumps(
            {
                "evaluations": [
                    question(population, batch * BATCH_SIZE + n) for n in range(BATCH_SIZE)
                ]
            }
        )
        for batch in range(BATCH_BODIES)
    )
    lines = [f"/access/v1/evaluations\t{service_token}\t"]
    return Scenario(
        f"POST /access/v1/evaluations ({BATCH_SIZE} each)", "POST", 200, lines, "", bodies
    )


# ---------------------------------------------------------------------------------------------
# The run


@dataclass(frozen=True, slots=True)
class Results:
    health: Measurement
    settings: Measurement
    not_modified: Measurement
    limits: Measurement
    usage: Measurement
    status: Measurement
    match: Measurement
    forged: Measurement
    evaluation: Measurement
    evaluations: Measurement
    forged_signals: Measurement
    settings_beside_health: Measurement
    settings_beside_forged_signals: Measurement
    limits_audit_entries: int
    preparation_retries: int
    peak_rss_bytes: int
    server_log_lines: int


def drive_load(options: Options, server: Server, seeded: Seeded, work_dir: Path) -> Results:
    population, teen_tokens = seeded.population, seeded.teen_tokens
    check_sign_ins(
        server.base_url,
        [teen_handle(0), teen_handle(len(population.teen_ids) - 1), guardian_handle(0)],
    )

    def measure(scenario: Scenario) -> Measurement:
        return run_wrk(scenario, options, server.base_url, work_dir)

    health = measure(health_scenario())
    warmed: Fetched | None = None
    if options.warm_all:
        progress(f"warming: GET /v1/me/settings for all {len(teen_tokens):,} teens")
        warmed = asyncio.run(fetch_settings_etags(server.base_url, teen_tokens))
    settings = measure(settings_scenario(teen_tokens))
    sample_tokens = teen_tokens[:ETAG_SAMPLE]
    if warmed is None:
        progress(f"fetching the ETags of {len(sample_tokens):,} teens")
        fetched = asyncio.run(fetch_settings_etags(server.base_url, sample_tokens))
    else:
        fetched = warmed
    not_modified = measure(not_modified_scenario(sample_tokens, fetched.etags[:ETAG_SAMPLE]))
    limits = measure(limits_scenario(population, seeded.guardian_tokens))
    usage = measure(usage_scenario(teen_tokens))
    if options.warm_all:
        # The usage reports forgot each teen's day, and the PUTs half of the settings answers.
        progress(f"warming: GET /v1/me/screen-time for all {len(teen_tokens):,} teens")
        asyncio.run(fetch_each(server.base_url, "/v1/me/screen-time", teen_tokens))
    status = measure(status_scenario(teen_tokens))
    match = measure(match_scenario())
    forged_tokens = measure(forged_token_scenario(teen_tokens))
    service_token = seeded.guardian_tokens[0]
    one, batch = (
        evaluation_scenario(population, service_token),
        evaluations_scenario(population, service_token),
    )
    # Decisions are read from memory: every account the scenarios ask about is read once first.
    progress("warming: every question of the decision scenarios asked once")
    asyncio.run(ask_each(server.base_url, service_token, "/access/v1/evaluations", batch.bodies))
    evaluation = measure(one)
    evaluations = measure(batch)
    # The settings GET while /health/live floods the same server at the same concurrency (what
    # any flood costs a neighbour on these cores), then while forged age signals do, then the
    # signals' flood alone.
    signals = forged_signal_scenario(seeded.signal_kid, population.teen_ids)

    def beside(flood: Scenario, name: str) -> Measurement:
        flood_dir = work_dir / "flood"
        flood_dir.mkdir(exist_ok=True)
        with ThreadPoolExecutor(1) as pool:
            longer = replace(options, duration=options.duration + 2)  # outlasts the measurement
            flooding = pool.submit(run_wrk, flood, longer, server.base_url, flood_dir)
            time.sleep(1)  # the flood under way first
            measured = measure(replace(settings_scenario(teen_tokens), name=name))
            flooding.result()
        return measured

    beside_health = beside(health_scenario(), "GET /v1/me/settings, beside a /health/live flood")
    beside_signals = beside(signals, "GET /v1/me/settings, beside a forged-signal flood")
    forged_signals = measure(signals)
    return Results(
        health=health,
        settings=settings,
        not_modified=not_modified,
        limits=limits,
        usage=usage,
        status=status,
        match=match,
        forged=forged_tokens,
        evaluation=evaluation,
        evaluations=evaluations,
        forged_signals=forged_signals,
        settings_beside_health=beside_health,
        settings_beside_forged_signals=beside_signals,
        limits_audit_entries=asyncio.run(
            count_audit_entries(seeded.database_url, "limits.updated")
        ),
        preparation_retries=fetched.retries,
        peak_rss_bytes=server.peak_rss_bytes(),
        server_log_lines=server.log_line_count(),
    )


def prepare(options: Options, database_url: str, data_dir: Path) -> tuple[Seeded, float]:
    """Migrate and seed the database, create the signing keyring and mint the tokens; the
    seeded database and the seconds seeding took."""
    population = Population.of(options.teens)
    progress(f"migrating and seeding {options.teens:,} teens")
    started = time.monotonic()
    asyncio.run(prepare_database(database_url, population))
    seed_seconds = time.monotonic() - started
    progress(f"seeded in {seed_seconds:.1f} s; minting access tokens")
    keyring_path = Settings(data_dir=data_dir).resolved_keyring_path
    create_keyring(keyring_path)
    signer = TokenSigner(load_keyring(keyring_path), issuer=ISSUER)
    seeded = Seeded(
        database_url=database_url,
        population=population,
        teen_tokens=mint_access_tokens(signer, population.teen_ids, population.session_of),
        guardian_tokens=mint_access_tokens(signer, population.guardian_ids, population.session_of),
        signal_kid=asyncio.run(register_signal_issuer(database_url)),
    )
    return seeded, seed_seconds


def run(options: Options, work_dir: Path) -> tuple[Results, str, float]:
    """Prepare the database, serve it and drive load; the results, the database's description
    and the seconds seeding took."""
    data_dir = work_dir / "data"
    data_dir.mkdir()
    if options.database_url:
        database_url = asyncio.run(create_postgres_database(options.database_url))
    else:
        database_url = f"sqlite+aiosqlite:///{data_dir / 'family_safety.db'}"
    try:
        seeded, seed_seconds = prepare(options, database_url, data_dir)
        description = asyncio.run(database_description(database_url))
        with running_server(data_dir, database_url, options) as server:
            try:
                results = drive_load(options, server, seeded, work_dir)
            finally:
                if server.log_line_count():
                    progress(f"server log (last {LOG_TAIL_LINES} lines):\n{server.log_tail()}")
    finally:
        if options.database_url:
            asyncio.run(drop_postgres_database(options.database_url))
    return results, description, seed_seconds


# ---------------------------------------------------------------------------------------------
# The report


def percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def table_row(measurement: Measurement, ceiling: float) -> str:
    return (
        f"| {measurement.scenario.name} | {measurement.requests_per_second:,.0f} "
        f"| {measurement.p50_ms:.2f} | {measurement.p99_ms:.2f} "
        f"| {percent(measurement.requests_per_second, ceiling)} | {measurement.error_detail()} |"
    )


def limits_target(results: Results) -> tuple[str, str, bool]:
    """Every acknowledged PUT wrote its audit entry (PUTs still in flight when wrk stops are
    committed too, uncounted by wrk), fast enough, with no 5xx and no timeouts."""
    limits, ceiling = results.limits, results.health.requests_per_second
    measured = (
        f"{limits.requests_per_second:,.0f}/s ({percent(limits.requests_per_second, ceiling)}), "
        f"p99 {limits.p99_ms:.2f} ms, {limits.error_detail()}, "
        f"{results.limits_audit_entries:,} entries for {limits.expected_answers:,} x 200"
    )
    met = (
        limits.requests_per_second >= TARGET_PUT_PER_SECOND
        and limits.requests_per_second >= TARGET_PUT_RATIO * ceiling
        and limits.p99_ms < TARGET_PUT_P99_MS
        and limits.errors == 0
        and results.limits_audit_entries >= limits.expected_answers
    )
    target = (
        "PUT limits >= 1,000/s and >= 5% of /health/live, p99 < 100 ms, no errors, "
        "each with its audit entry"
    )
    return target, measured, met


def target_rows(results: Results, options: Options) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of issues 12 and 13 that one run can check."""
    ceiling = results.health.requests_per_second
    settings, not_modified, usage = results.settings, results.not_modified, results.usage
    database = "sqlite" if options.database_url is None else "postgresql"
    settings_ratio, not_modified_ratio = (
        TARGET_SETTINGS_RATIO[database],
        TARGET_NOT_MODIFIED_RATIO[database],
    )
    if database == "postgresql" and options.freshness == "read":
        settings_ratio = TARGET_SETTINGS_RATIO_READ_MODE
    peak_mib = results.peak_rss_bytes / MIB
    rows = [
        (
            f"settings >= {settings_ratio:.0%} of /health/live",
            percent(settings.requests_per_second, ceiling),
            settings.requests_per_second >= settings_ratio * ceiling,
        ),
        (
            f"If-None-Match >= {not_modified_ratio:.0%} of /health/live, answered 304",
            f"{percent(not_modified.requests_per_second, ceiling)}, "
            f"{percent(not_modified.expected_answers, not_modified.answers)} 304",
            not_modified.requests_per_second >= not_modified_ratio * ceiling
            and not_modified.errors == 0,
        ),
        limits_target(results),
        (
            "usage reports >= 1,000/s, no errors, p99 < 50 ms",
            f"{usage.requests_per_second:,.0f}/s, {usage.error_detail()}, "
            f"p99 {usage.p99_ms:.2f} ms",
            usage.requests_per_second >= TARGET_USAGE_PER_SECOND
            and usage.errors == 0
            and usage.p99_ms < TARGET_USAGE_P99_MS,
        ),
        (
            "screen-time status within 10% of the settings GET",
            f"{results.status.requests_per_second:,.0f} vs {settings.requests_per_second:,.0f}",
            results.status.requests_per_second >= 0.9 * settings.requests_per_second,
        ),
        (
            "search-intervention match >= 70% of /health/live",
            percent(results.match.requests_per_second, ceiling),
            results.match.requests_per_second >= 0.7 * ceiling,
        ),
        *decision_rows(results, options),
        beside_signals_target(results),
        (
            "peak RSS < 300 MB a worker" + ("" if options.warm_all else " (without --warm-all)"),
            f"{peak_mib:.0f} MiB",
            peak_mib < TARGET_PEAK_RSS_MIB,
        ),
    ]
    if database == "sqlite":
        rows.insert(
            1,
            (
                f"settings p99 < 10 ms at {options.connections} connections",
                f"{settings.p99_ms:.2f} ms",
                settings.p99_ms < TARGET_SETTINGS_P99_MS,
            ),
        )
    return rows


def beside_signals_target(results: Results) -> tuple[str, str, bool]:
    """Issue 25: a flood of forged age signals slows the settings GET no more than a flood of
    the cheapest request at the same concurrency does (within 10%)."""
    signals = results.settings_beside_forged_signals.requests_per_second
    health = results.settings_beside_health.requests_per_second
    return (
        f"settings beside forged signals >= {TARGET_BESIDE_SIGNALS_RATIO:.0%} of settings "
        "beside /health/live",
        f"{signals:,.0f}/s vs {health:,.0f}/s ({percent(signals, health)})",
        signals >= TARGET_BESIDE_SIGNALS_RATIO * health,
    )


def statuses_line(measurement: Measurement) -> str:
    """What a scenario was answered, status by status."""
    counts = ", ".join(
        f"{count:,} x {status}" for status, count in sorted(measurement.statuses.items())
    )
    return f"{measurement.scenario.name}: {counts or 'no answers'}."


def decision_rows(results: Results, options: Options) -> list[tuple[str, str, bool]]:
    """Issue 26's targets: one evaluation's share of /health/live and its p99, a batch's
    decisions a second per worker; every answer a 200."""
    ceiling = results.health.requests_per_second
    one, batch = results.evaluation, results.evaluations
    decisions = batch.requests_per_second * BATCH_SIZE / options.workers
    return [
        (
            f"one evaluation >= {TARGET_EVALUATION_RATIO:.0%} of /health/live, no errors",
            f"{percent(one.requests_per_second, ceiling)}, {one.error_detail()}",
            one.requests_per_second >= TARGET_EVALUATION_RATIO * ceiling and one.errors == 0,
        ),
        (
            f"one evaluation p99 < 10 ms at {options.connections} connections",
            f"{one.p99_ms:.2f} ms",
            one.p99_ms < TARGET_EVALUATION_P99_MS,
        ),
        (
            f"a batch of {BATCH_SIZE}: >= 20,000 decisions/s a worker, no errors",
            f"{decisions:,.0f}/s, {batch.error_detail()}",
            decisions >= TARGET_BATCH_DECISIONS_PER_SECOND and batch.errors == 0,
        ),
    ]


def report(
    options: Options,
    results: Results,
    description: str,
    seed_seconds: float,
    load_average: float,
    argv: Sequence[str],
) -> str:
    ceiling = results.health.requests_per_second
    measurements = (
        results.health,
        results.settings,
        results.not_modified,
        results.limits,
        results.usage,
        results.status,
        results.match,
        results.forged,
        results.evaluation,
        results.evaluations,
        results.settings_beside_health,
        results.settings_beside_forged_signals,
        results.forged_signals,
    )
    lines = [
        f"### Load benchmark, {description}, {options.teens:,} teens",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{shlex.join(['python', '-m', 'tests.bench.load', *argv])}`",
        f"- database: {description}; seeded {options.teens:,} teens, "
        f"{math.ceil(options.teens / TEENS_PER_GUARDIAN):,} guardians (migrations included) "
        f"in {seed_seconds:.1f} s",
        f"- load: wrk, {options.threads} thread(s), {options.connections} connections, "
        f"{options.duration} s per scenario; "
        f"server: {options.server}, {options.workers} worker(s), freshness {options.freshness}"
        + (
            ""
            if options.signal_checks is None
            else f", {options.signal_checks:g} age-signal checks a second"
        )
        + "; "
        f"{os.cpu_count()} CPUs, "
        f"load average {load_average:.1f} at the start"
        + (
            "; every teen's settings fetched once before the settings scenario, and its "
            "screen-time status before the status scenario"
            if options.warm_all
            else ""
        ),
        "",
        "| scenario | req/s | p50 ms | p99 ms | vs /health/live | errors |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
        *(table_row(measurement, ceiling) for measurement in measurements),
        "",
        f"Server peak RSS (VmHWM): {results.peak_rss_bytes / MIB:.0f} MiB. "
        f"Server log at {options.log_level} and above: {results.server_log_lines:,} lines. "
        f"5xx answers retried while fetching ETags: {results.preparation_retries}.",
        "",
        statuses_line(results.forged_signals),
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
        *(
            f"| {target} | {measured} | {'yes' if met else 'no'} |"
            for target, measured, met in target_rows(results, options)
        ),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)
    if shutil.which("wrk") is None:
        progress("error: wrk is not on PATH")
        return 1
    load_average = os.getloadavg()[0]  # other work on the machine skews every figure
    try:
        with tempfile.TemporaryDirectory(prefix="family-safety-bench-") as work_dir:
            results, description, seed_seconds = run(options, Path(work_dir))
    except HarnessError as exc:
        progress(f"error: {exc}")
        return 1
    print(report(options, results, description, seed_seconds, load_average, arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
