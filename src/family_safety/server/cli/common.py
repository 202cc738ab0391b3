"""What the commands share: how one says it cannot go on, in one line."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import make_url

from family_safety.lib.config import Settings


class CommandFailed(Exception):
    """A command cannot go on; its message says why in one line."""


def existing_database(settings: Settings) -> None:
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


def fail(message: str, code: int = 1) -> int:
    """Says what went wrong in one line on standard error; returns the exit code."""
    print(f"family-safety: {message}", file=sys.stderr)
    return code
