"""The lean writes alone, without HTTP: how many PUTs of limits one process's ``Writer`` runs a
second (one at a time, and 32 at once), and on SQLite where a write's own time goes (its steps
driven on a plain connection under cProfile).

    python -m tests.bench.lean_writes [--writes 2000] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from tests.bench import load

from family_safety.db.account_records import load_account_record
from family_safety.db.engine import create_engine, sqlite_pragmas
from family_safety.db.writes import _drive_sqlite
from family_safety.domain.guardians.limits import replace_limits
from family_safety.lib.config import Settings
from family_safety.server.app import create_app

TEENS = 200


async def main(writes: int, server_url: str | None) -> None:
    directory = Path(tempfile.mkdtemp())
    population = load.Population.of(TEENS)
    if server_url:
        url = await load.create_postgres_database(server_url)
    else:
        url = f"sqlite+aiosqlite:///{directory}/family_safety.db"
    await load.prepare_database(url, population)
    settings = Settings(data_dir=directory, database_url=url, log_level="WARNING")
    app = create_app(settings)
    components = app.state.components
    bodies = [msgspec.json.decode(body)["limits"] for body in load.PUT_BODIES]
    async with app.lifespan():
        guardians = {
            guardian_id: await load_account_record(components.reader, guardian_id)
            for guardian_id in {population.guardian_of(i) for i in range(TEENS)}
        }

        def write(n: int):  # every write changes something: the two bodies alternate per teen
            teen = n % TEENS
            guardian = guardians[population.guardian_of(teen)]
            body = bodies[(n // TEENS) % 2]
            now = datetime.now(UTC)
            return replace_limits(guardian, population.teen_ids[teen], body, "*", now)

        for at_once in (1, 32):
            gate = asyncio.Semaphore(at_once)

            async def one(n: int, gate: asyncio.Semaphore = gate) -> None:
                async with gate:
                    await components.writer.run(write(n))

            started = time.perf_counter()
            await asyncio.gather(*(one(n) for n in range(writes)))
            seconds = time.perf_counter() - started
            print(
                f"{at_once} at once: {writes / seconds:,.0f} writes a second, "
                f"{seconds / writes * 1e6:,.0f} us each"
            )
    if server_url:
        await load.drop_postgres_database(server_url)
        return
    # SQLite: the steps of a write on a plain connection in this thread, profiled.
    connection = sqlite3.connect(directory / "family_safety.db", isolation_level=None)
    sqlite_pragmas(connection, None, foreign_keys=True)
    dialect = create_engine(settings).sync_engine.dialect

    def transaction(n: int) -> None:
        connection.execute("BEGIN IMMEDIATE")
        _drive_sqlite(write(n), connection, dialect)
        connection.execute("COMMIT")

    started = time.perf_counter()
    for n in range(writes):
        transaction(n)
    print(
        f"one write's own time, unprofiled: {(time.perf_counter() - started) / writes * 1e6:.0f} us"
    )
    profile = cProfile.Profile()
    profile.enable()
    for n in range(writes):
        transaction(n)
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(own for _cc, _nc, own, _cum, _callers in stats.stats.values())  # type: ignore[attr-defined]
    in_sqlite = sum(
        own
        for (_file, _line, name), (_cc, _nc, own, _cum, _c) in stats.stats.items()  # type: ignore[attr-defined]
        if "sqlite3.Connection" in name
    )
    print(f"profiled: {100 * in_sqlite / total:.0f}% in SQLite's own calls")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.bench.lean_writes")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.writes, args.database_url))
