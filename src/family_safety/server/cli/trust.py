"""Who is trusted with what: ``roles grant|revoke`` (staff, partner and service roles) and
``issuers add|list|remove`` (the trusted issuers of age signals)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.changes import ChangeBus, session_info
from family_safety.db.engine import create_engine
from family_safety.lib.config import Settings
from family_safety.server.cli.common import existing_database, fail


async def _change_role(settings: Settings, action: str, handle: str, role: str) -> int:
    from family_safety.domain.safety.services import UnknownHandle, grant_role, revoke_role

    engine = create_engine(settings)
    try:
        # A change noted here reaches running instances (PostgreSQL's NOTIFY, SQLite's change
        # feed): they forget the roles they keep.
        info = session_info(ChangeBus())
        async with AsyncSession(engine, expire_on_commit=False, info=info) as session:
            if action == "grant":
                changed = await grant_role(session, handle, role, datetime.now(UTC))
            else:
                changed = await revoke_role(session, handle, role)
    except UnknownHandle:
        return fail(f"no account has the handle {handle!r}")
    finally:
        await engine.dispose()
    if action == "grant":
        print(f"{handle}: {role} granted" if changed else f"{handle}: already {role}")
    else:
        print(f"{handle}: {role} revoked" if changed else f"{handle}: was not {role}")
    return 0


def roles(settings: Settings, args: argparse.Namespace) -> int:
    existing_database(settings)
    return asyncio.run(_change_role(settings, args.action, args.handle, args.role))


async def _change_issuers(settings: Settings, args: argparse.Namespace) -> int:
    from family_safety.domain.age_signals.repository import (
        IssuerExists,
        add_issuer,
        list_issuers,
        remove_issuer,
    )
    from family_safety.lib.security.public_keys import PublicKeyError

    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            if args.action == "add":
                issuer = await add_issuer(session, args.name, args.public_key.read_bytes())
                print(issuer.kid)
            elif args.action == "list":
                for issuer in await list_issuers(session):
                    print(f"{issuer.name}\t{issuer.algorithm}\t{issuer.kid}")
            elif not await remove_issuer(session, args.name):
                return fail(f"no issuer is named {args.name!r}")
    except OSError as exc:
        return fail(f"cannot read the public key: {exc.strerror or exc}")
    except PublicKeyError as exc:
        return fail(f"{args.public_key}: {exc}")
    except IssuerExists as exc:
        return fail(f"the issuer {exc.args[0]!r} has that name or that key already")
    finally:
        await engine.dispose()
    return 0


def issuers(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_issuers(settings, args))


def issuer_name(name: str) -> str:
    """An issuer's name is the ``iss`` of its signals: 1-64 printable characters, no spaces."""
    if not 1 <= len(name) <= 64 or not name.isprintable() or any(c.isspace() for c in name):
        raise argparse.ArgumentTypeError("1-64 printable characters without spaces")
    return name
