"""``family-safety``: serve, migrate, rotate keys, verify the audit, grant roles, write the OpenAPI
document.

Every command says what went wrong in one line on standard error (``family-safety: ...``) and
exits non-zero, never with a traceback: 2 when it cannot know where the data is (see
``Settings.unplaced``) or the configuration is wrong, 1 when the work itself failed."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db import migrations
from family_safety.db.changes import ChangeBus, session_info
from family_safety.db.engine import create_engine
from family_safety.domain.safety.services.roles import ROLES
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import (
    KeyringError,
    create_keyring,
    load_keyring,
    save_keyring,
)
from family_safety.server.logs import configure_logging

_log = structlog.get_logger("family_safety")


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from family_safety.server.core import ensure_keyring

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
    # No proxy is trusted unless named: uvicorn's own default believes X-Forwarded-For from
    # 127.0.0.1, which would let anything on the host choose the address rate limits count.
    trusted_proxies = (
        args.forwarded_allow_ips
        if args.forwarded_allow_ips is not None
        else settings.forwarded_allow_ips
    ).strip()
    if args.server == "granian":
        _serve_with_granian(settings, args, trusted_proxies)
    else:
        _serve_with_uvicorn(settings, args, trusted_proxies)
    return 0


APP_FACTORY = "family_safety.server.app:app_from_environment"
GRACEFUL_STOP_SECONDS = 30
"""How long a stop waits for in-flight requests before it cuts them (both servers)."""
WORKER_HEALTHCHECK_SECONDS = 60
"""How long uvicorn waits for a worker to start and to answer a health check before it kills it."""


def _serve_with_uvicorn(settings: Settings, args: argparse.Namespace, trusted_proxies: str) -> None:
    import uvicorn

    # uvicorn re-raises the stop signal once it has drained in-flight requests; a stop that was
    # asked for is a clean exit, so the re-raised signal is ignored and `serve` returns 0.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: None)
    uvicorn.run(
        APP_FACTORY,
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
        timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS,
        # A worker still importing on a busy machine must not be taken for a hung one: uvicorn
        # kills a worker that misses one 5 s health check, and would kill every new one too.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _stop_with(parent_pid: int) -> None:
    """Linux: this worker is sent SIGTERM (and drains) when the ``serve`` process that started it
    dies, even killed with SIGKILL, which granian cannot hear: without this the worker lives on,
    holding the port, where uvicorn's single process would simply be gone."""
    if sys.platform != "linux":
        return
    import ctypes

    # Until granian sets the worker's own handlers, one inherited from the main process would
    # swallow the signal: meanwhile SIGTERM just ends the worker.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the line above: nothing will send the signal
        raise SystemExit(1)


def _granian_app(trusted_proxies: str, parent_pid: int) -> Any:
    """What each granian worker process serves: the app of ``APP_FACTORY``, behind the same
    proxy-headers middleware uvicorn puts in front of it when a proxy is named. Module-level and
    given only a string and a number, so that a worker started by spawning, not forking, can load
    it too (the factory sets logs.py's logging up itself)."""
    from family_safety.server.app import app_from_environment

    _stop_with(parent_pid)
    app: Any = app_from_environment()
    if trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app = ProxyHeadersMiddleware(app, trusted_hosts=trusted_proxies)
    return app


def _serve_with_granian(settings: Settings, args: argparse.Namespace, trusted_proxies: str) -> None:
    import importlib.util

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.log import LogLevels

    server = Granian(
        APP_FACTORY,  # named in the process title; the workers load the app with _granian_app
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,  # ASGI with lifespan: the app's start-up and shut-down run
        workers=args.workers,
        # What uvicorn[standard] runs: uvloop where it is installed, HTTP/1.1, its backlog.
        loop=Loops.uvloop if importlib.util.find_spec("uvloop") else Loops.asyncio,
        http=HTTPModes.http1,
        backlog=2048,
        # Like uvicorn's supervisor: with several workers one that dies is replaced; a single
        # worker that dies ends `serve` (non-zero) for whatever supervises the process.
        respawn_failed_workers=args.workers > 1,
        # A stop waits this long for a worker to finish its requests, then kills it.
        workers_kill_timeout=GRACEFUL_STOP_SECONDS,
        # granian's own lines go to the root logger, rendered by logs.py like every other line;
        # no access log of its own (log_access is off): RequestLog is the access log.
        log_enabled=True,
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig={"loggers": {"_granian": {"handlers": [], "propagate": True}}},
        log_access=False,
    )
    # granian handles SIGTERM and SIGINT itself: the workers drain, then serve() returns (it
    # exits 1 only when a worker died on its own); a stop that was asked for returns 0.
    server.serve(
        target_loader=partial(_granian_app, trusted_proxies, os.getpid()), wrap_loader=False
    )


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


class CommandFailed(Exception):
    """A command cannot go on; its message says why in one line."""


def _existing_database(settings: Settings) -> None:
    """Commands that only read and change rows never create the embedded database: a missing
    file means the data dir is not the one the service uses, or it was never started."""
    if not settings.is_embedded_database:
        return
    database = make_url(settings.resolved_database_url).database
    if database and not Path(database).exists():
        raise CommandFailed(
            f"no database at {database}: check FAMILY_SAFETY_DATA_DIR, or run "
            "`family-safety db upgrade` (or `serve`) first"
        )


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


def _audit_verify(settings: Settings, _args: argparse.Namespace) -> int:
    _existing_database(settings)
    return asyncio.run(_verify_audit_chains(settings))


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
        print(f"family-safety: no account has the handle {handle!r}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if action == "grant":
        print(f"{handle}: {role} granted" if changed else f"{handle}: already {role}")
    else:
        print(f"{handle}: {role} revoked" if changed else f"{handle}: was not {role}")
    return 0


def _roles(settings: Settings, args: argparse.Namespace) -> int:
    _existing_database(settings)
    return asyncio.run(_change_role(settings, args.action, args.handle, args.role))


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


def _retention(settings: Settings, args: argparse.Namespace) -> int:
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


def _webhooks_work(settings: Settings, _args: argparse.Namespace) -> int:
    return asyncio.run(_deliver_webhooks(settings))


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
                return _fail(f"no issuer is named {args.name!r}")
    except OSError as exc:
        return _fail(f"cannot read the public key: {exc.strerror or exc}")
    except PublicKeyError as exc:
        return _fail(f"{args.public_key}: {exc}")
    except IssuerExists as exc:
        return _fail(f"the issuer {exc.args[0]!r} has that name or that key already")
    finally:
        await engine.dispose()
    return 0


def _issuers(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_issuers(settings, args))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document ``/schema/openapi.json`` serves, from an app built on a throwaway
    data dir (nothing is migrated or served)."""
    from litestar.serialization import encode_json

    from family_safety.server.app import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        database = Path(data_dir) / "unused.db"
        database.touch()  # opened read-only by the hot path reader, never queried
        app = create_app(
            Settings(
                data_dir=Path(data_dir),
                database_url=f"sqlite+aiosqlite:///{database}",
                log_level="WARNING",
            )
        )
        document: dict[str, Any] = json.loads(encode_json(app.openapi_schema.to_schema()))
        return document


def _openapi(_settings: Settings, args: argparse.Namespace) -> int:
    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
    if args.path:
        Path(args.path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _issuer_name(name: str) -> str:
    """An issuer's name is the ``iss`` of its signals: 1-64 printable characters, no spaces."""
    if not 1 <= len(name) <= 64 or not name.isprintable() or any(c.isspace() for c in name):
        raise argparse.ArgumentTypeError("1-64 printable characters without spaces")
    return name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="family-safety", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server that serves the app (default: uvicorn)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="proxies whose X-Forwarded-For is believed, comma-separated (default: "
        "FAMILY_SAFETY_FORWARDED_ALLOW_IPS, else none)",
    )
    serve.set_defaults(run=_serve, needs=(True, True))

    db = commands.add_parser("db", help="database migrations")
    db_actions = db.add_subparsers(dest="action", required=True)
    upgrade = db_actions.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_actions.add_parser("downgrade", help="migrate down to a revision")
    downgrade.add_argument("revision")
    db.set_defaults(run=_db, needs=(True, False))

    keys = commands.add_parser("keys", help="signing keys")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("rotate", help="add a new active key; retire the old one")
    keys.set_defaults(run=_keys_rotate, needs=(False, True))

    audit = commands.add_parser("audit", help="the audit trail")
    audit_actions = audit.add_subparsers(dest="action", required=True)
    audit_actions.add_parser("verify", help="report the first broken entry of each chain")
    audit.set_defaults(run=_audit_verify, needs=(True, False))

    roles = commands.add_parser("roles", help="staff, partner and service roles")
    role_actions = roles.add_subparsers(dest="action", required=True)
    for action, help_text in (("grant", "grant an account a role"), ("revoke", "take it back")):
        role_action = role_actions.add_parser(action, help=help_text)
        role_action.add_argument("handle")
        role_action.add_argument("role", choices=ROLES)
    roles.set_defaults(run=_roles, needs=(True, False))

    retention = commands.add_parser("retention", help="what is kept, and for how long")
    retention_actions = retention.add_subparsers(dest="action", required=True)
    retention_actions.add_parser("show", help="print the pack's retention table").set_defaults(
        needs=(False, False)
    )
    retention_actions.add_parser(
        "sweep", help="delete now what no period covers any more"
    ).set_defaults(needs=(True, False))
    retention.set_defaults(run=_retention)

    webhooks = commands.add_parser("webhooks", help="webhook delivery")
    webhook_actions = webhooks.add_subparsers(dest="action", required=True)
    webhook_actions.add_parser(
        "work", help="deliver webhooks until stopped (beside serve, or instead of its worker)"
    )
    webhooks.set_defaults(run=_webhooks_work, needs=(True, False))

    issuers = commands.add_parser("issuers", help="trusted issuers of age signals")
    issuer_actions = issuers.add_subparsers(dest="action", required=True)
    add = issuer_actions.add_parser("add", help="trust an issuer; prints the key id it signs with")
    add.add_argument("name", type=_issuer_name)
    add.add_argument(
        "--public-key", type=Path, required=True, help="a PEM Ed25519 or P-256 public key"
    )
    issuer_actions.add_parser("list", help="name, algorithm and key id of each issuer")
    remove = issuer_actions.add_parser("remove", help="stop trusting an issuer")
    remove.add_argument("name")
    issuers.set_defaults(run=_issuers, needs=(True, False))

    openapi = commands.add_parser("openapi", help="write the OpenAPI document the app serves")
    openapi.add_argument("path", nargs="?", help="the file to write (default: standard output)")
    openapi.set_defaults(run=_openapi, needs=(False, False))
    return parser


def _fail(message: str, code: int = 1) -> int:
    print(f"family-safety: {message}", file=sys.stderr)
    return code


def _one_line(exc: BaseException) -> str:
    """An error's own words, its first line (SQLAlchemy adds the SQL and a link below)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _where(settings: Settings) -> str:
    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "FAMILY_SAFETY_" + "_".join(str(part) for part in first["loc"]).upper()
        return _fail(f"{name}: {first['msg']}", 2)
    database, keys = args.needs
    unplaced = settings.unplaced(database=database, keys=keys)
    if unplaced is not None:
        return _fail(unplaced, 2)
    configure_logging(settings.log_level, as_json=settings.log_json)
    try:
        code: int = args.run(settings, args)
        return code
    except KeyboardInterrupt:
        return 130
    except ConnectionError as exc:  # a database server that does not answer
        return _fail(f"cannot reach the database at {_where(settings)}: {_one_line(exc)}")
    except (CommandFailed, KeyringError, RuntimeError, OSError) as exc:
        return _fail(_one_line(exc))
    except SQLAlchemyError as exc:
        return _fail(f"the database at {_where(settings)} cannot be used: {_one_line(exc)}")
    except Exception as exc:  # a bug: still one line, with its kind, never a traceback
        return _fail(f"unexpected {type(exc).__name__}: {_one_line(exc)}")


if __name__ == "__main__":
    sys.exit(main())
