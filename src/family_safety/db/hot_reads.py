"""Reads on the hot path, as cheap as each database allows.

A hot read is a ``HotQuery``: a statement built once (at module level) that compiles itself once
per dialect, through SQLAlchemy's public compiler and type APIs, so parameters and results keep the
models' own column types. On SQLite it runs synchronously in the calling (event loop) thread on a
read-only connection of its own: in WAL mode a reader never waits for writers, and a primary-key
read takes microseconds, far less than aiosqlite's hand-off to its worker thread and back. On
PostgreSQL it runs on asyncpg itself (``db.postgres``), one round trip, no transaction around a
single statement; results are decoded by the same SQLAlchemy types as the ORM's.
"""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Join

from family_safety.db import change_feed

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from asyncpg.pool import PoolConnectionProxy
    from sqlalchemy import Select
    from sqlalchemy.engine import Dialect
    from sqlalchemy.ext.asyncio import AsyncEngine

    from family_safety.db.postgres import PostgresPool


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    parameter_defaults: dict[str, Any]  # values the statement carries itself (literals)
    parameter_names: tuple[str, ...]
    parameter_processors: tuple[Callable[[Any], Any] | None, ...]
    # One a column; none when the statement returns no rows (a DML without RETURNING).
    column_processors: tuple[Callable[[Any], Any] | None, ...]
    table: str | None  # what a DML writes to

    def parameters(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        values = {**self.parameter_defaults, **given}
        return tuple(
            process(values[name]) if process else values[name]
            for name, process in zip(self.parameter_names, self.parameter_processors, strict=True)
        )

    def row(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            process(value) if process else value
            for value, process in zip(raw, self.column_processors, strict=True)
        )


class HotQuery:
    """A statement run on the hot path (a read, or one step of a lean write in
    ``db.writes``); it holds its own compiled form, one per dialect."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Select[*tuple[Any, ...]] | UpdateBase) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        compiled_form = self._compiled.get(dialect.name)
        if compiled_form is None:
            compiled = self.statement.compile(dialect=dialect)
            table: str | None = None  # what a DML writes to
            if isinstance(self.statement, UpdateBase):
                target = self.statement.table
                # A hot-path DML writes to a table (or an alias of one), never to a join.
                assert not isinstance(target, Join)
                table = target.name
            names = tuple(compiled.positiontup or ())
            compiled_form = self._compiled[dialect.name] = _Compiled(
                sql=compiled.string,
                parameter_defaults=compiled.params,
                parameter_names=names,
                parameter_processors=tuple(
                    compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                    for name in names
                ),
                column_processors=tuple(
                    column.type.dialect_impl(dialect).result_processor(dialect, None)
                    for column in self.statement.exported_columns  # a DML's RETURNING
                ),
                table=table,
            )
        return compiled_form


class HotReads(Protocol):
    async def all(self, query: HotQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]: ...


class _ConnectionReads:
    """Reads on one asyncpg connection, in one snapshot."""

    def __init__(self, connection: PoolConnectionProxy, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def all(self, query: HotQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        compiled = query.compiled_for(self._dialect)
        rows = await self._connection.fetch(compiled.sql, *compiled.parameters(parameters))
        return [compiled.row(tuple(row)) for row in rows]


class HotPathReader:
    def __init__(self, engine: AsyncEngine, postgres: PostgresPool | None = None) -> None:
        """On PostgreSQL, ``postgres`` is the pool to read with (the lean writes share it)."""
        self._dialect = engine.sync_engine.dialect
        self._postgres = postgres
        self._sqlite: sqlite3.Connection | None = None
        if engine.url.get_backend_name() == "sqlite":
            self._sqlite = sqlite3.connect(
                f"file:{engine.url.database}?mode=ro",
                uri=True,
                check_same_thread=False,  # used by the event loop's thread alone
                isolation_level=None,
            )
            self._sqlite.execute("PRAGMA busy_timeout=1000")
        elif postgres is None:
            raise ValueError("a HotPathReader on PostgreSQL needs its PostgresPool")

    def reads_at_once(self) -> bool:
        """Whether a read would start now, without waiting for a pooled connection (SQLite's
        reads always do: one connection of the event loop's own)."""
        return self._postgres is None or self._postgres.connects_at_once()

    async def first(self, query: HotQuery, parameters: dict[str, Any]) -> tuple[Any, ...] | None:
        rows = await self.all(query, parameters)
        return rows[0] if rows else None

    async def all(self, query: HotQuery, parameters: dict[str, Any]) -> list[tuple[Any, ...]]:
        if self._sqlite is None:
            assert self._postgres is not None
            compiled = query.compiled_for(self._dialect)
            rows = await self._postgres.fetch(compiled.sql, compiled.parameters(parameters))
            return [compiled.row(tuple(row)) for row in rows]
        compiled = query.compiled_for(self._dialect)
        cursor = self._sqlite.execute(compiled.sql, compiled.parameters(parameters))
        return [compiled.row(raw) for raw in cursor.fetchall()]

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[HotReads]:
        """Several reads that see one state of the database. On SQLite a read transaction on the
        read-only connection (WAL gives it a snapshot; the reads inside never suspend, so no other
        request's read can interleave on that connection); on PostgreSQL a repeatable-read,
        read-only transaction on one connection."""
        if self._sqlite is None:
            assert self._postgres is not None
            async with self._postgres.transaction(
                isolation="repeatable_read", readonly=True
            ) as connection:
                yield _ConnectionReads(connection, self._dialect)
            return
        self._sqlite.execute("BEGIN")
        try:
            yield self
        finally:
            self._sqlite.execute("COMMIT")

    def data_version(self) -> int | None:
        """SQLite's count of commits by other connections to the file (``PRAGMA data_version``):
        when it moves, something may have changed. None on PostgreSQL."""
        if self._sqlite is None:
            return None
        version: int = self._sqlite.execute("PRAGMA data_version").fetchone()[0]
        return version

    def feed_end(self) -> int:
        """The last entry of SQLite's change feed (``db.change_feed``); 0 when it is empty."""
        assert self._sqlite is not None
        end: int = self._sqlite.execute(change_feed.LAST).fetchone()[0]
        return end

    def feed_after(self, seq: int) -> list[tuple[int, str]]:
        """SQLite's change feed entries after ``seq``, in order."""
        assert self._sqlite is not None
        return self._sqlite.execute(change_feed.AFTER, {"after": seq}).fetchall()

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
