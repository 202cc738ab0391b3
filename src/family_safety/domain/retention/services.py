"""Retention: the pack's ``retention`` table checked against what the service sweeps, shown
(``family-safety retention show``), and swept every hour (a lifespan task of the app).

A sweep deletes, item after item, the rows no period covers any more, in batches of at most
``BATCH`` rows, one short transaction each: on SQLite the one writer is held for a single
batch's ``DELETE`` and every other write waits at most that long. Between batches the sweep
yields to the event loop, so waiting requests go first. The sweep commits on its own, like the
birthday sweep: what it deletes belongs to no request. Deleting is idempotent, so instances
sweeping at once only repeat each other's work.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from family_safety.domain.retention.repository import ITEMS, Item, batch_delete

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from family_safety.domain.policy.pack import RetentionRule
    from family_safety.lib.config import Settings

BATCH = 500
"""Rows deleted in one transaction."""
FIRST_SWEEP_SECONDS = 60.0

_log = structlog.get_logger("family_safety.retention")


class RetentionError(ValueError):
    """The pack's retention table and what the service sweeps disagree; the start stops."""


@dataclass(frozen=True, slots=True)
class Swept:
    item: Item
    rule: RetentionRule


def retention_plan(
    rules: Mapping[str, RetentionRule], settings: Settings, extra: Iterable[Item] = ()
) -> tuple[Swept, ...]:
    """Each item swept with its rule. Every item needs a rule, no rule may be shorter than what
    the service needs (a window it counts within), and a rule names an item swept, except
    ``webhook_deliveries`` until the webhooks capability passes its item in ``extra``."""
    items = {item.name: item for item in (*ITEMS, *extra)}
    missing = [name for name in items if name not in rules]
    if missing:
        raise RetentionError(f"retention: no period for {', '.join(missing)}")
    unknown = [name for name in rules if name not in items and name not in _SWEPT_ELSEWHERE]
    if unknown:
        raise RetentionError(f"retention: nothing is swept as {', '.join(unknown)}")
    plan = []
    for name, item in items.items():
        rule = rules[name]
        needed = item.needs(settings)
        if rule.period < needed:
            raise RetentionError(
                f"retention: {name} is kept {rule.period.days} day(s), shorter than the "
                f"{needed} the service counts within"
            )
        plan.append(Swept(item, rule))
    return tuple(plan)


_SWEPT_ELSEWHERE = frozenset({"webhook_deliveries"})
"""Items of the pack whose sweep another capability brings (see repository.ITEMS)."""


def shown(rules: Mapping[str, RetentionRule], plan: Iterable[Swept]) -> str:
    """The retention table as ``family-safety retention show`` prints it."""
    what = {swept.item.name: swept.item.what for swept in plan}
    lines = []
    for name, rule in rules.items():
        days = rule.period.days
        lines.append(f"{name}: {days} day{'s' if days != 1 else ''}")
        lines.append(f"  what: {what.get(name, 'swept by its own capability')}")
        lines.append(f"  why: {rule.reason}")
    return "\n".join(lines)


async def sweep(
    sessions: async_sessionmaker[AsyncSession],
    plan: Iterable[Swept],
    now: datetime,
    *,
    batch: int = BATCH,
) -> dict[str, int]:
    """Delete what no period covers at ``now``; the rows deleted per item."""
    deleted: dict[str, int] = {}
    for swept in plan:
        statement = batch_delete(swept.item, now - swept.rule.period, batch)
        total = 0
        while True:
            async with sessions() as session, session.begin():
                result = await session.execute(statement)
            count: int = result.rowcount  # type: ignore[attr-defined]  # a DELETE's CursorResult
            total += count
            if count < batch:
                break
            await asyncio.sleep(0)  # waiting requests write first
        if total:
            deleted[swept.item.name] = total
    return deleted


async def sweep_periodically(
    sessions: async_sessionmaker[AsyncSession],
    plan: tuple[Swept, ...],
    now: Callable[[], datetime],
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Sweep a minute after the start (sooner with a shorter interval: a process restarted more
    often than hourly still sweeps), then every interval until ``stop`` is set; a failure is
    logged and retried next time. A sweep under way when ``stop`` is set ends first: it is never
    cancelled inside a transaction, where it would hold the writer's lock."""
    wait = min(FIRST_SWEEP_SECONDS, interval_seconds)
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
        if stop.is_set():
            return
        wait = interval_seconds
        try:
            deleted = await sweep(sessions, plan, now())
        except Exception as exc:  # the database may be down: try again next time
            _log.warning(
                "could not sweep what retention no longer covers", error=type(exc).__name__
            )
        else:
            if deleted:
                _log.info("swept what retention no longer covers", **deleted)
