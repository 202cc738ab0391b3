"""``family-safety``: serve, migrate, rotate keys."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.config import Settings
from family_safety.db import migrations
from family_safety.db.engine import create_engine
from family_safety.logs import configure_logging
from family_safety.security.keyring import (
    KeyringError,
    create_keyring,
    load_keyring,
    save_keyring,
)

_log = structlog.get_logger("family_safety")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from family_safety.app import ensure_keyring

    # The database first, then the keyring: a start that fails writes nothing.
    first_run = False
    if settings.is_embedded_database:
        first_run = not (settings.data_dir / "family_safety.db").exists()
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(migrations.upgrade(settings))
        except Exception as exc:  # an unwritable data dir, a broken file: one line says so
            raise migrations.DatabaseNotReady(
                f"cannot prepare the embedded database in {settings.data_dir}: {exc}"
            ) from exc
    else:
        asyncio.run(migrations.ensure_ready(settings))
    generated_keys = ensure_keyring(settings)
    if settings.is_embedded_database and (first_run or generated_keys):
        _log.info(
            "first run: prepared the data dir",
            data_dir=str(settings.data_dir.resolve()),
            database="migrated embedded SQLite" if first_run else "kept",
            signing_keys="generated" if generated_keys else "kept",
        )
    elif generated_keys:
        _log.info("generated a signing keyring", path=str(settings.resolved_keyring_path))
    # uvicorn re-raises the stop signal once it has drained in-flight requests; a stop that was
    # asked for is a clean exit, so the re-raised signal is ignored and `serve` returns 0.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: None)
    # No proxy is trusted unless named: uvicorn's own default believes X-Forwarded-For from
    # 127.0.0.1, which would let anything on the host choose the address rate limits count.
    trusted_proxies = (
        args.forwarded_allow_ips
        if args.forwarded_allow_ips is not None
        else settings.forwarded_allow_ips
    ).strip()
    uvicorn.run(
        "family_safety.app:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        log_level=settings.log_level.lower(),
        # Our logging config (logs.py) renders uvicorn's lines too; RequestLog is the access log.
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    return 0


def _db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        asyncio.run(migrations.upgrade(settings, args.revision))
    else:
        asyncio.run(migrations.downgrade(settings, args.revision))
    _log.info("database migrated", action=args.action, revision=args.revision)
    return 0


def _keys_rotate(settings: Settings, _args: argparse.Namespace) -> int:
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
    from family_safety.audit.services import verify_all

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


def _audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    return asyncio.run(_verify_audit_chains(settings))


async def _change_role(settings: Settings, action: str, handle: str, role: str) -> int:
    from family_safety.safety.services import UnknownHandle, grant_role, revoke_role

    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            if action == "grant":
                changed = await grant_role(session, handle, role, datetime.now(UTC))
            else:
                changed = await revoke_role(session, handle, role)
    except UnknownHandle:
        print(f"no account has the handle {handle!r}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if action == "grant":
        print(f"{handle}: {role} granted" if changed else f"{handle}: already {role}")
    else:
        print(f"{handle}: {role} revoked" if changed else f"{handle}: was not {role}")
    return 0


def _roles(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_role(settings, args.action, args.handle, args.role))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="family-safety", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="proxies whose X-Forwarded-For is believed, comma-separated (default: "
        "FAMILY_SAFETY_FORWARDED_ALLOW_IPS, else none)",
    )
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database migrations")
    db_actions = db.add_subparsers(dest="action", required=True)
    upgrade = db_actions.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_actions.add_parser("downgrade", help="migrate down to a revision")
    downgrade.add_argument("revision")
    db.set_defaults(run=_db)

    keys = commands.add_parser("keys", help="signing keys")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("rotate", help="add a new active key; retire the old one")
    keys.set_defaults(run=_keys_rotate)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_actions = audit.add_subparsers(dest="action", required=True)
    audit_actions.add_parser("verify", help="report the first broken entry of each chain")
    audit.set_defaults(run=_audit_verify)

    roles = commands.add_parser("roles", help="staff and partner roles (safety)")
    role_actions = roles.add_subparsers(dest="action", required=True)
    for action, help_text in (("grant", "grant an account a role"), ("revoke", "take it back")):
        role_action = role_actions.add_parser(action, help=help_text)
        role_action.add_argument("handle")
        role_action.add_argument("role", choices=["staff", "partner"])
    roles.set_defaults(run=_roles)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    try:
        return args.run(settings, args)
    except (KeyringError, RuntimeError) as exc:
        _log.error(str(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())
