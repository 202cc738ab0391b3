"""PostgreSQL without SQLAlchemy's engine, for the hot path's reads and the lean writes: an
asyncpg pool per event loop (asyncpg's connections belong to the loop that opened them).

Its connections run no pre-ping: a connection the server closed while it sat idle (a restart,
``pg_terminate_backend``) fails the first thing sent on it, and a single read (``fetch``) or a
transaction's BEGIN (``transaction``) is then retried once on another connection, nothing having
been done on the dead one. They are not reset when they go back (the hot path leaves no state on
them: no SET, no LISTEN, no open cursor). JSON and JSONB are decoded as SQLAlchemy's asyncpg
dialect decodes them, so a statement compiled from the models (``HotQuery``) reads back exactly
what the ORM reads.
Driver errors surface as SQLAlchemy's (``IntegrityError``, ``OperationalError``, its pool's
``TimeoutError``), which become the same problems (409, 503) as the ORM's.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from asyncpg.pool import PoolConnectionProxy
    from sqlalchemy.ext.asyncio import AsyncEngine

WAIT_SECONDS = 5.0
"""How long a request waits for a free connection before it is told 503."""

CONNECTION_LOST = (
    asyncpg.ConnectionDoesNotExistError,  # closed while the statement was on its way
    asyncpg.AdminShutdownError,  # the server ended the session (a restart, pg_terminate_backend)
    asyncpg.InterfaceError,  # already known closed
    asyncpg.InternalClientError,  # the protocol's state, broken by the closing mid-operation
    OSError,
)
"""Errors of a connection that was gone before its statement ran."""


async def _json_codecs(connection: asyncpg.Connection) -> None:
    # SQLAlchemy's JSON types hand over JSON text and, on asyncpg, take decoded values back.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=str, decoder=json.loads, schema="pg_catalog", format="text"
        )


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    return None


class PostgresPool:
    """Connections to one PostgreSQL database, at most ``size`` per event loop."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self._size = size
        self._pools: dict[asyncio.AbstractEventLoop, asyncio.Task[asyncpg.Pool]] = {}

    @classmethod
    def for_engine(cls, engine: AsyncEngine, size: int) -> PostgresPool:
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(dsn, size)

    async def _open(self) -> asyncpg.Pool:
        return await asyncpg.create_pool(
            self.dsn,
            min_size=0,  # connections open as requests need them
            max_size=self._size,
            init=_json_codecs,
            reset=_nothing_to_reset,
        )

    async def _pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        opening = self._pools.get(loop)
        if opening is None:
            opening = self._pools[loop] = loop.create_task(self._open())
        try:
            return await opening  # done after the first request: no suspension
        except BaseException:
            self._pools.pop(loop, None)
            raise

    def connects_at_once(self) -> bool:
        """Whether a connection of this event loop's pool can be had now, without waiting for
        another request to release one (False before the pool is open)."""
        opening = self._pools.get(asyncio.get_running_loop())
        if opening is None or not opening.done() or opening.cancelled() or opening.exception():
            return False
        pool = opening.result()
        return pool.get_idle_size() > 0 or pool.get_size() < pool.get_max_size()

    def usage(self) -> tuple[int, int, int]:
        """This event loop's pool now: connections in use, idle, and the most it opens."""
        opening = self._pools.get(asyncio.get_running_loop())
        if opening is None or not opening.done() or opening.cancelled() or opening.exception():
            return 0, 0, self._size
        pool = opening.result()
        idle = pool.get_idle_size()
        return pool.get_size() - idle, idle, pool.get_max_size()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[PoolConnectionProxy]:
        """A connection for the block; what goes wrong with the database in it is raised as
        SQLAlchemy's errors."""
        try:
            pool = await self._pool()
            # asyncio.timeout, not acquire(timeout=...): asyncpg applies that with wait_for,
            # a task of its own for every acquisition.
            async with asyncio.timeout(WAIT_SECONDS):
                connection = await pool.acquire()
            try:
                yield connection
            finally:
                await pool.release(connection)
        except TimeoutError as exc:
            raise PoolTimeoutError("no database connection free within its wait") from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(None, None, exc) from exc
        except (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # e.g. a rollback tried on a connection that was killed
            OSError,
        ) as exc:
            raise OperationalError(None, None, exc) from exc

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> list[asyncpg.Record]:
        """One statement on a pooled connection; a connection found closed is replaced once."""
        try:
            return await self._fetch_once(sql, arguments)
        except OperationalError as exc:
            if not isinstance(exc.orig, CONNECTION_LOST):
                raise
        return await self._fetch_once(sql, arguments)

    async def _fetch_once(self, sql: str, arguments: Sequence[Any]) -> list[asyncpg.Record]:
        async with self.connection() as connection:
            return await connection.fetch(sql, *arguments)

    @asynccontextmanager
    async def transaction(self, **options: Any) -> AsyncIterator[PoolConnectionProxy]:
        """A transaction (asyncpg's ``options``) on a pooled connection for the block. A
        connection found closed when the transaction begins, as after a database restart, is
        replaced once: nothing was done on it, and the pool has no pre-ping to find it first."""
        for attempt in range(2):
            async with self.connection() as connection:
                transaction = connection.transaction(**options)
                try:
                    await transaction.start()
                except CONNECTION_LOST:
                    if attempt:
                        raise
                    continue
                try:
                    yield connection
                except BaseException:
                    if not connection.is_closed():
                        await transaction.rollback()
                    raise
                await transaction.commit()
                return

    async def close(self) -> None:
        opening = self._pools.pop(asyncio.get_running_loop(), None)
        if opening is None:
            return
        try:
            pool = await opening
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return  # it never opened: nothing to close
        await pool.close()
