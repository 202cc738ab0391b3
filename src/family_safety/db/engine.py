"""Engine construction: SQLite tuned for a laptop, PostgreSQL pooled for production."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util.concurrency import await_, in_greenlet

if TYPE_CHECKING:
    from family_safety.lib.config import Settings


def sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool) -> None:
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


WRITER_WAIT_SECONDS = 5.0
"""How long a writer waits for this process's other writers, as busy_timeout waits for other
processes' (then the database is "locked": 503)."""

_HOLDS_WRITE_LOCK = "family_safety.holds_write_lock"


class _Writers:
    """This process's SQLite writers, queued in the event loop: each takes the lock before its
    BEGIN IMMEDIATE and gives it back as its transaction ends, so writers of one process never
    meet in SQLite's busy handler (which sleeps between retries: up to 100 ms at a time). Other
    processes' writers still wait in the busy handler."""

    def __init__(self) -> None:
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def acquire(self, connection: Any) -> None:
        info = connection.info
        if info.get(_HOLDS_WRITE_LOCK) or not in_greenlet():
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await_(asyncio.wait_for(lock.acquire(), WRITER_WAIT_SECONDS))
        except TimeoutError as exc:
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            ) from exc
        info[_HOLDS_WRITE_LOCK] = lock

    @staticmethod
    def release(connection: Any, *_args: Any) -> None:
        lock = connection.info.pop(_HOLDS_WRITE_LOCK, None)
        if lock is not None:
            lock.release()


def _sqlite_begin(connection: Any, *, writers: _Writers) -> None:
    # Writers take the write lock up front: a deferred transaction that reads and then writes
    # fails with "database is locked" when another connection wrote in between, whereas
    # busy_timeout makes BEGIN IMMEDIATE wait. Readers (READ_ONLY) need no lock in WAL mode.
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode == "IMMEDIATE":
        writers.acquire(connection)
    try:
        connection.exec_driver_sql(f"BEGIN {mode}")
    except BaseException:
        writers.release(connection)
        raise


def _release_record(writers: _Writers) -> Any:
    def release(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            writers.release(record)

    return release


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
            partial(sqlite_pragmas, foreign_keys=not for_migrations),
        )
        writers = _Writers()
        event.listen(engine.sync_engine, "begin", partial(_sqlite_begin, writers=writers))
        # The transaction ends: on commit or rollback, or (whatever happened) when the
        # connection goes back to the pool.
        event.listen(engine.sync_engine, "commit", writers.release)
        event.listen(engine.sync_engine, "rollback", writers.release)
        event.listen(engine.sync_engine.pool, "checkin", _release_record(writers))
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
