"""The webhooks' outbox: what its message row adds to a PUT of limits (the lean write alone,
rounds with and without the row interleaved, one at a time and 32 at once), and how many
messages a second one worker fans out and delivers to a local receiver answering 204.

    python -m tests.bench.webhooks [--writes 2000] [--rounds 3] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from tests.bench import load
from tests.helpers import Receiver

from family_safety.db import writes as lean_writes
from family_safety.db.account_records import load_account_record
from family_safety.db.models import WebhookEndpoint, WebhookMessage
from family_safety.domain.guardians.limits import replace_limits
from family_safety.domain.webhooks.repository import queue_counts
from family_safety.domain.webhooks.services import new_secret
from family_safety.domain.webhooks.worker import WebhookWorker
from family_safety.lib.config import Settings
from family_safety.server.app import create_app

TEENS = 200


async def main(writes: int, rounds: int, server_url: str | None) -> None:
    directory = Path(tempfile.mkdtemp())
    population = load.Population.of(TEENS)
    if server_url:
        url = await load.create_postgres_database(server_url)
    else:
        url = f"sqlite+aiosqlite:///{directory}/family_safety.db"
    await load.prepare_database(url, population)
    receiver = Receiver()
    settings = Settings(
        data_dir=directory,
        database_url=url,
        log_level="WARNING",
        webhook_worker=False,
        webhook_allow_hosts=f"127.0.0.1:{receiver.port}",
    )
    app = create_app(settings)
    components = app.state.components
    bodies = [msgspec.json.decode(body)["limits"] for body in load.PUT_BODIES]
    with_outbox = lean_writes._outbox_rows
    engine = app.state.alchemy.get_engine()
    async with app.lifespan():
        guardians = {
            guardian_id: await load_account_record(components.reader, guardian_id)
            for guardian_id in {population.guardian_of(i) for i in range(TEENS)}
        }
        counter = iter(range(10**9))

        def write():  # every write changes something: the two bodies alternate per teen
            n = next(counter)
            teen = n % TEENS
            guardian = guardians[population.guardian_of(teen)]
            body = bodies[(n // TEENS) % 2]
            return replace_limits(guardian, population.teen_ids[teen], body, "*", datetime.now(UTC))

        print("PUT of limits, the lean write alone (writes a second):")
        for at_once in (1, 32):
            rates: dict[str, list[float]] = {"with the outbox row": [], "without": []}
            for _ in range(rounds):
                for name in rates:
                    lean_writes._outbox_rows = (  # type: ignore[assignment]
                        with_outbox if name.startswith("with ") else lambda _changes: []
                    )
                    gate = asyncio.Semaphore(at_once)

                    async def one(gate: asyncio.Semaphore = gate) -> None:
                        async with gate:
                            await components.writer.run(write())

                    started = time.perf_counter()
                    await asyncio.gather(*(one() for _ in range(writes)))
                    rates[name].append(writes / (time.perf_counter() - started))
            lean_writes._outbox_rows = with_outbox  # type: ignore[assignment]
            summary = ", ".join(
                f"{name} {sorted(found)[len(found) // 2]:,.0f}" for name, found in rates.items()
            )
            print(f"  {at_once} at once, median of {rounds} rounds: {summary}")

        # The outbox now holds one message per write made with it: fan out and deliver them.
        async with AsyncSession(engine) as session:
            messages = (await queue_counts(session))["outbox"]
            session.add(
                WebhookEndpoint(
                    url=receiver.url,
                    events=["settings.changed"],
                    state="active",
                    secret=new_secret(),
                    created_at=datetime.now(UTC),
                )
            )
            await session.commit()
        worker = WebhookWorker(engine, components.pack, settings)
        started = time.perf_counter()
        while await worker.fan_out():
            pass
        fanned = time.perf_counter() - started
        started = time.perf_counter()
        while await worker.deliver_due():
            pass
        delivered = time.perf_counter() - started
        await worker.close()
        print(
            f"one worker: {messages:,} messages fanned out at {messages / fanned:,.0f} a second, "
            f"delivered (signed, sent, recorded) at {len(receiver.requests) / delivered:,.0f} "
            f"a second ({len(receiver.requests):,} requests)"
        )
        async with AsyncSession(engine) as session:
            await session.execute(delete(WebhookMessage))
            await session.commit()
    receiver.close()
    if server_url:
        await load.drop_postgres_database(server_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.bench.webhooks")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    asyncio.run(main(args.writes, args.rounds, args.database_url))
