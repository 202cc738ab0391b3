"""Engine construction: SQLite tuned for a laptop, PostgreSQL pooled for production."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from family_safety.config import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool) -> None:
    # Let SQLAlchemy's "begin" event open transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


READ_ONLY = {"sqlite_begin": "DEFERRED"}
"""Execution options for connections that only read: on SQLite they take no write lock."""


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then writes
    # fails with "database is locked" when another connection wrote in between, whereas
    # busy_timeout makes BEGIN IMMEDIATE wait. Readers (READ_ONLY) need no lock in WAL mode.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(settings: Settings, *, for_migrations: bool = False) -> AsyncEngine:
    """The service's engine; ``for_migrations`` turns SQLite's foreign keys off, as Alembic's
    batch mode needs when it copies a table (dropping the old one must not cascade)."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, pool_pre_ping=False)
        event.listen(
            engine.sync_engine,
            "connect",
            partial(_sqlite_pragmas, foreign_keys=not for_migrations),
        )
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    if for_migrations:
        return create_async_engine(url)
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=5,
    )
