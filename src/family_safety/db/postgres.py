"""PostgreSQL without SQLAlchemy's engine, for the hot path's reads and the lean writes: an
asyncpg pool per event loop (asyncpg's connections belong to the loop that opened them).

Its connections run no pre-ping (a dead one fails its statement: 503, and asyncpg drops it) and
are not reset when they go back (the hot path leaves no state on them: no SET, no LISTEN, no
open cursor). JSON and JSONB are decoded as SQLAlchemy's asyncpg dialect decodes them, so a
statement compiled from the models (``HotQuery``) reads back exactly what the ORM reads.
Driver errors surface as SQLAlchemy's (``IntegrityError``, ``OperationalError``, its pool's
``TimeoutError``), which become the same problems (409, 503) as the ORM's.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncEngine

WAIT_SECONDS = 5.0
"""How long a request waits for a free connection before it is told 503."""


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
        self._dsn = dsn
        self._size = size
        self._pools: dict[asyncio.AbstractEventLoop, asyncio.Task[asyncpg.Pool]] = {}

    @classmethod
    def for_engine(cls, engine: AsyncEngine, size: int) -> PostgresPool:
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(dsn, size)

    async def _open(self) -> asyncpg.Pool:
        return await asyncpg.create_pool(
            self._dsn,
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

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
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

    async def close(self) -> None:
        opening = self._pools.pop(asyncio.get_running_loop(), None)
        if opening is None:
            return
        try:
            pool = await opening
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return  # it never opened: nothing to close
        await pool.close()
