"""The commands that look after the data: ``db`` (migrations), ``keys rotate``, ``audit verify``,
``retention show|sweep`` and ``webhooks work``."""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import (
    KeyringError,
    create_keyring,
    load_keyring,
    save_keyring,
)
from family_safety.server.cli.common import existing_database

_log = structlog.get_logger("family_safety")


def db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        asyncio.run(migrations.upgrade(settings, args.revision))
    else:
        asyncio.run(migrations.downgrade(settings, args.revision))
    _log.info("database migrated", action=args.action, revision=args.revision)
    return 0


def keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
    path = settings.resolved_keyring_path
    now = datetime.now(UTC)
    try:
        keyring = load_keyring(path).rotated(
            now, keep_retired_for=timedelta(seconds=settings.access_token_ttl_seconds)
        )
    except KeyringError:
        if path.exists():
            raise
        keyring = create_keyring(path)
    save_keyring(path, keyring)
    _log.info("signing key rotated", active_kid=keyring.active.kid, keys=len(keyring.keys))
    return 0


async def _verify_audit_chains(settings: Settings) -> int:
    from family_safety.domain.audit.services import verify_all

    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            broken = await verify_all(session)
    finally:
        await engine.dispose()
    for chain in broken:
        print(f"broken: account {chain.account_id} entry seq {chain.seq} ({chain.problem})")
    if not broken:
        print("every audit chain verifies")
    return 1 if broken else 0


def audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    existing_database(settings)
    return asyncio.run(_verify_audit_chains(settings))


async def _sweep_retention(settings: Settings) -> int:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from family_safety.domain.policy.pack import load_default_pack
    from family_safety.domain.retention.services import sweep
    from family_safety.server.core import retention_plan

    plan = retention_plan(load_default_pack(), settings)
    engine = create_engine(settings)
    try:
        deleted = await sweep(
            async_sessionmaker(engine, expire_on_commit=False), plan, datetime.now(UTC)
        )
    finally:
        await engine.dispose()
    for swept in plan:
        print(f"{swept.item.name}: {deleted.get(swept.item.name, 0)} deleted")
    return 0


def retention(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "sweep":
        return asyncio.run(_sweep_retention(settings))
    from family_safety.domain.policy.pack import load_default_pack
    from family_safety.domain.retention.services import shown
    from family_safety.server.core import retention_plan

    pack = load_default_pack()
    print(shown(pack.retention, retention_plan(pack, settings)))
    return 0


async def _deliver_webhooks(settings: Settings) -> int:
    from family_safety.domain.policy.pack import load_default_pack
    from family_safety.domain.webhooks.worker import work

    await migrations.ensure_ready(settings)
    engine = create_engine(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)  # the round under way is finished first
    _log.info("delivering webhooks")
    try:
        await work(engine, load_default_pack(), settings, stop)
    finally:
        await engine.dispose()
    _log.info("stopped delivering webhooks")
    return 0


def webhooks_work(settings: Settings, _args: argparse.Namespace) -> int:
    return asyncio.run(_deliver_webhooks(settings))
