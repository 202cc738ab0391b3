"""``family-safety``: serve, migrate, rotate keys, verify the audit, grant roles, write the OpenAPI
document.

Every command says what went wrong in one line on standard error (``family-safety: ...``) and
exits non-zero, never with a traceback: 2 when it cannot know where the data is (see
``Settings.unplaced``) or the configuration is wrong, 1 when the work itself failed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from family_safety.domain.safety.services.roles import ROLES
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import KeyringError
from family_safety.server.cli import data, openapi, serve, trust
from family_safety.server.cli.common import CommandFailed, fail
from family_safety.server.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="family-safety", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serving = commands.add_parser("serve", help="serve the HTTP API")
    serving.add_argument("--host", default="127.0.0.1")
    serving.add_argument("--port", type=int, default=8000)
    serving.add_argument("--workers", type=int, default=1)
    serving.add_argument(
        "--server",
        choices=["uvicorn", "granian"],
        default="uvicorn",
        help="the ASGI server that serves the app (default: uvicorn)",
    )
    serving.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="proxies whose X-Forwarded-For is believed, comma-separated (default: "
        "FAMILY_SAFETY_FORWARDED_ALLOW_IPS, else none)",
    )
    serving.set_defaults(run=serve.serve, needs=(True, True))

    db = commands.add_parser("db", help="database migrations")
    db_actions = db.add_subparsers(dest="action", required=True)
    upgrade = db_actions.add_parser("upgrade", help="migrate to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_actions.add_parser("downgrade", help="migrate down to a revision")
    downgrade.add_argument("revision")
    db.set_defaults(run=data.db, needs=(True, False))

    keys = commands.add_parser("keys", help="signing keys")
    key_actions = keys.add_subparsers(dest="action", required=True)
    key_actions.add_parser("rotate", help="add a new active key; retire the old one")
    keys.set_defaults(run=data.keys_rotate, needs=(False, True))

    audit = commands.add_parser("audit", help="the audit trail")
    audit_actions = audit.add_subparsers(dest="action", required=True)
    audit_actions.add_parser("verify", help="report the first broken entry of each chain")
    audit.set_defaults(run=data.audit_verify, needs=(True, False))

    roles = commands.add_parser("roles", help="staff, partner and service roles")
    role_actions = roles.add_subparsers(dest="action", required=True)
    for action, help_text in (("grant", "grant an account a role"), ("revoke", "take it back")):
        role_action = role_actions.add_parser(action, help=help_text)
        role_action.add_argument("handle")
        role_action.add_argument("role", choices=ROLES)
    roles.set_defaults(run=trust.roles, needs=(True, False))

    retention = commands.add_parser("retention", help="what is kept, and for how long")
    retention_actions = retention.add_subparsers(dest="action", required=True)
    retention_actions.add_parser("show", help="print the pack's retention table").set_defaults(
        needs=(False, False)
    )
    retention_actions.add_parser(
        "sweep", help="delete now what no period covers any more"
    ).set_defaults(needs=(True, False))
    retention.set_defaults(run=data.retention)

    webhooks = commands.add_parser("webhooks", help="webhook delivery")
    webhook_actions = webhooks.add_subparsers(dest="action", required=True)
    webhook_actions.add_parser(
        "work", help="deliver webhooks until stopped (beside serve, or instead of its worker)"
    )
    webhooks.set_defaults(run=data.webhooks_work, needs=(True, False))

    issuers = commands.add_parser("issuers", help="trusted issuers of age signals")
    issuer_actions = issuers.add_subparsers(dest="action", required=True)
    add = issuer_actions.add_parser("add", help="trust an issuer; prints the key id it signs with")
    add.add_argument("name", type=trust.issuer_name)
    add.add_argument(
        "--public-key", type=Path, required=True, help="a PEM Ed25519 or P-256 public key"
    )
    issuer_actions.add_parser("list", help="name, algorithm and key id of each issuer")
    remove = issuer_actions.add_parser("remove", help="stop trusting an issuer")
    remove.add_argument("name")
    issuers.set_defaults(run=trust.issuers, needs=(True, False))

    document = commands.add_parser("openapi", help="write the OpenAPI document the app serves")
    document.add_argument("path", nargs="?", help="the file to write (default: standard output)")
    document.set_defaults(run=openapi.openapi, needs=(False, False))
    return parser


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
        return fail(f"{name}: {first['msg']}", 2)
    database, keys = args.needs
    unplaced = settings.unplaced(database=database, keys=keys)
    if unplaced is not None:
        return fail(unplaced, 2)
    configure_logging(settings.log_level, as_json=settings.log_json)
    try:
        code: int = args.run(settings, args)
        return code
    except KeyboardInterrupt:
        return 130
    except ConnectionError as exc:  # a database server that does not answer
        return fail(f"cannot reach the database at {_where(settings)}: {_one_line(exc)}")
    except (CommandFailed, KeyringError, RuntimeError, OSError) as exc:
        return fail(_one_line(exc))
    except SQLAlchemyError as exc:
        return fail(f"the database at {_where(settings)} cannot be used: {_one_line(exc)}")
    except Exception as exc:  # a bug: still one line, with its kind, never a traceback
        return fail(f"unexpected {type(exc).__name__}: {_one_line(exc)}")


if __name__ == "__main__":
    sys.exit(main())
