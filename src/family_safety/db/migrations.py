"""Running Alembic from the service: upgrade, downgrade, and "is this database migrated?"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import make_url

from family_safety.db.engine import create_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

    from family_safety.lib.config import Settings

_PACKAGED = Path(__file__).resolve().parents[1] / "_migrations"
_SOURCE_TREE = Path(__file__).resolve().parents[3] / "migrations"


def migrations_directory() -> Path:
    """The packaged copy in a wheel, else ``migrations/`` of the source tree."""
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE_TREE


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(settings: Settings, revision: str = "head") -> None:
    await _run(settings, lambda config: command.upgrade(config, revision))


async def downgrade(settings: Settings, revision: str) -> None:
    await _run(settings, lambda config: command.downgrade(config, revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


class DatabaseNotReady(RuntimeError):
    """The service cannot start on this database; the message says why in one line."""


NOT_MIGRATED = (
    "the database is not migrated to the current schema; run `family-safety db upgrade` first"
)


async def ensure_ready(settings: Settings) -> None:
    """Refuse, in one clear line, a database that is unreachable or not at the current schema."""
    where = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    engine = create_engine(settings)
    try:
        revision = await current_revision(engine)
    except Exception as exc:  # any failure to connect or read: the message names it
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise DatabaseNotReady(f"cannot reach the database at {where}: {reason}") from exc
    finally:
        await engine.dispose()
    if revision != head_revision():
        raise DatabaseNotReady(f"{NOT_MIGRATED} (database: {where})")


async def _run(settings: Settings, operation: Callable[[Config], None]) -> None:
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        operation(config)

    engine = create_engine(settings, for_migrations=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()
