"""Lean writes: the busiest writes (a guardian's limits, a device's usage report) without the
ORM's unit of work, each its whole transaction in one hand-off to the database's own driver.

A lean write is a generator (its logic knows no I/O): it yields steps, ``Fetch`` (a
``HotQuery`` and its parameters; it is sent the rows back), ``ExecuteMany`` (one statement, many
rows) and ``Announce`` (a change to publish once the transaction commits), and returns its
result. Problems it raises roll the transaction back. ``Writer.run`` drives it:

- SQLite: on one writer thread of the process, with a plain ``sqlite3`` connection: BEGIN
  IMMEDIATE, every step, the changes appended to the change feed (``db.change_feed``), COMMIT,
  in one hand-off from the event loop (aiosqlite hands off once a statement, and the ORM costs
  more than the statements). Jobs run in the order they arrive; one
  that waited longer than ``WRITER_WAIT_SECONDS`` is refused ("database is locked", 503)
  without running, as the ORM's writers are.
- PostgreSQL: on a connection of the process's asyncpg pool (``db.postgres``). A read is one
  round trip; writes whose rows nobody reads wait, and go together in one round trip (``_Batch``)
  before the next read or with the ``pg_notify`` of the changes, before COMMIT. A limits change
  is six round trips, BEGIN and COMMIT included, instead of eleven.

Driver errors surface as SQLAlchemy's (``IntegrityError``, ``OperationalError``, its pool's
``TimeoutError``), so they become the same problems (409, 503) as the ORM's.

``run_in_session`` runs a lean write inside an ORM session's transaction instead, on the
session's own connection: so a write that other use cases share (an audit entry, a
notification) has one implementation, whichever kind of transaction it is part of.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

# The models' own default; the module re-exports it (from uuid_utils or uuid) without declaring it.
from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]
from sqlalchemy.exc import DBAPIError, OperationalError

from family_safety.db import change_feed, outbox
from family_safety.db.changes import ChangeKind
from family_safety.db.changes import note as note_change
from family_safety.db.engine import WRITER_WAIT_SECONDS, sqlite_pragmas

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping, Sequence
    from uuid import UUID

    from asyncpg.pool import PoolConnectionProxy
    from sqlalchemy.engine import Dialect
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from family_safety.db.hot_reads import HotQuery, _Compiled
    from family_safety.db.postgres import PostgresPool

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetch:
    """Run one statement; the write is sent its rows (none for a DML without RETURNING)."""

    query: HotQuery
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ExecuteMany:
    """Run one statement once for each of ``rows``."""

    query: HotQuery
    rows: Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Announce:
    """Publish ``change`` once the transaction commits (never when it rolls back)."""

    change: Any


Step = Fetch | ExecuteMany | Announce


def new_id() -> UUID:
    """A new primary key, as the models' own default makes it (UUIDv7)."""
    new: UUID = uuid7()
    return new


class _Steps:
    """A lean write as its driver walks it: the next statement to run (the rows of the one before
    go back in ``reply``), the changes it announced on the way, and at the end its result."""

    __slots__ = ("_changes", "_result", "_write", "reply")

    def __init__(self, write: Generator[Step, Any, Any]) -> None:
        self._write = write
        self._changes: list[Any] = []
        self._result: Any = None
        self.reply: Any = None

    def next(self) -> Fetch | ExecuteMany | None:
        """The next statement, or None once the write has returned."""
        while True:
            try:
                step = self._write.send(self.reply)
            except StopIteration as done:
                self._result = done.value
                return None
            self.reply = None
            if not isinstance(step, Announce):
                return step
            self._changes.append(step.change)

    def outcome(self) -> tuple[Any, list[Any]]:
        """The write's result and its changes, each once."""
        return self._result, list(dict.fromkeys(self._changes))


@dataclass(frozen=True, slots=True)
class Announcer:
    """Where committed changes go: ``publish`` in this process, and for the other processes
    ``payload(changes)`` in the transaction: on PostgreSQL with ``pg_notify`` on ``channel``, on
    SQLite appended to the change feed."""

    channel: str
    payload: Callable[[Iterable[Any]], str]
    publish: Callable[[Iterable[Any]], None]


class Writer:
    """Runs lean writes on one database; ``close`` at shutdown."""

    def __init__(
        self, engine: AsyncEngine, announcer: Announcer, postgres: PostgresPool | None = None
    ) -> None:
        """On PostgreSQL, ``postgres`` is the pool to write with (the hot path's reads share
        it); on SQLite, a writer thread is started with the first write."""
        self._dialect = engine.sync_engine.dialect
        self._announcer = announcer
        self._sqlite: _SQLiteThread | None = None
        self._postgres = postgres
        if engine.url.get_backend_name() == "sqlite":
            self._sqlite = _SQLiteThread(str(engine.url.database), self._dialect, announcer.payload)
        elif postgres is None:
            raise ValueError("a Writer on PostgreSQL needs its PostgresPool")

    async def run(self, write: Generator[Step, Any, T]) -> T:
        if self._sqlite is not None:
            result, changes = await self._sqlite.run(write)
        else:
            result, changes = await self._on_postgres(write)
        if changes:
            self._announcer.publish(changes)
        return result

    async def _on_postgres(self, write: Generator[Step, Any, T]) -> tuple[T, list[Any]]:
        assert self._postgres is not None
        async with self._postgres.transaction() as connection:
            batch = _Batch(connection)
            result, changes = await _drive(write, self._dialect, batch.run)
            if rows := _outbox_rows(changes):
                compiled = outbox.INSERT.compiled_for(self._dialect)
                assert compiled.table is not None
                parameters = [compiled.parameters(row) for row in rows]
                await batch.add_rows(compiled.table, compiled.sql, parameters)
            if changes:
                notify = (self._announcer.channel, self._announcer.payload(changes))
                await batch.send("SELECT pg_notify($1, $2)", notify)
            else:
                await batch.send()
        return result, changes

    def close(self) -> None:
        """Stops the SQLite writer thread (the PostgreSQL pool is closed by its owner)."""
        if self._sqlite is not None:
            self._sqlite.close()


def _outbox_rows(changes: Iterable[Any]) -> list[dict[str, Any]]:
    """The webhooks' outbox (``db.outbox``): one settings.changed message per account whose
    settings changed, written in the lean write's transaction."""
    accounts = [change.account_id for change in changes if change.kind == ChangeKind.SETTINGS]
    return outbox.settings_changed_rows(accounts) if accounts else []


# --- Inside an ORM session's transaction -----------------------------------------------------


async def run_in_session(session: AsyncSession, write: Generator[Step, Any, T]) -> T:
    """Run a lean write in the session's transaction, on its connection, as the drivers below
    run it (the same compiled statements and type processing); what the session holds is
    flushed first, and the changes it announces are published when the session commits."""
    await session.flush()
    connection = await session.connection()

    async def run(step: Fetch | ExecuteMany, compiled: _Compiled) -> list[tuple[Any, ...]]:
        if isinstance(step, ExecuteMany):
            rows = [compiled.parameters(row) for row in step.rows]
            await connection.exec_driver_sql(compiled.sql, rows)
            return []
        result = await connection.exec_driver_sql(
            compiled.sql, compiled.parameters(step.parameters)
        )
        return (
            [compiled.row(tuple(row)) for row in result.fetchall()] if result.returns_rows else []
        )

    result, changes = await _drive(write, connection.dialect, run)
    for change in changes:
        note_change(session, change.account_id, change.kind)
    return result


async def _drive(
    write: Generator[Step, Any, T],
    dialect: Dialect,
    run: Callable[[Fetch | ExecuteMany, _Compiled], Awaitable[list[tuple[Any, ...]]]],
) -> tuple[T, list[Any]]:
    """Walk a lean write: each of its statements ``run``, the rows sent back to it; its result
    and the changes it announced."""
    steps = _Steps(write)
    try:
        while (step := steps.next()) is not None:
            steps.reply = await run(step, step.query.compiled_for(dialect))
    finally:
        write.close()
    return steps.outcome()


# --- SQLite: one writer thread --------------------------------------------------------------


@dataclass(slots=True)
class _Job:
    write: Generator[Step, Any, Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[tuple[Any, list[Any]]]
    deadline: float


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the request that waited for it is gone (it still committed)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _drive_sqlite(
    write: Generator[Step, Any, T], connection: sqlite3.Connection, dialect: Dialect
) -> tuple[T, list[Any]]:
    steps = _Steps(write)
    try:
        while (step := steps.next()) is not None:
            compiled = step.query.compiled_for(dialect)
            if isinstance(step, Fetch):
                cursor = connection.execute(compiled.sql, compiled.parameters(step.parameters))
                steps.reply = [compiled.row(raw) for raw in cursor.fetchall()]
            else:
                connection.executemany(
                    compiled.sql, [compiled.parameters(row) for row in step.rows]
                )
    finally:
        write.close()  # where it ran: a statement that failed leaves it suspended
    return steps.outcome()


class _SQLiteThread:
    def __init__(
        self, path: str, dialect: Dialect, payload: Callable[[Iterable[Any]], str]
    ) -> None:
        self._path = path
        self._dialect = dialect
        self._payload = payload
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def run(self, write: Generator[Step, Any, T]) -> tuple[T, list[Any]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Any, list[Any]]] = loop.create_future()
        self._started().put(_Job(write, loop, future, time.monotonic() + WRITER_WAIT_SECONDS))
        return await future

    def _started(self) -> queue.SimpleQueue[_Job | None]:
        with self._lock:  # started on the first write: an app that never writes has no thread
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="family-safety-writer", daemon=True
                )
                self._thread.start()
        return self._jobs

    def _serve(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=True)
        sqlite_pragmas(connection, None, foreign_keys=True)
        try:
            while (job := self._jobs.get()) is not None:
                result, error = self._transaction(job, connection)
                job.loop.call_soon_threadsafe(_settle, job.future, result, error)
        finally:
            connection.close()

    def _transaction(
        self, job: _Job, connection: sqlite3.Connection
    ) -> tuple[Any, BaseException | None]:
        if time.monotonic() > job.deadline:
            job.write.close()
            locked = sqlite3.OperationalError("database is locked")
            return None, OperationalError("BEGIN IMMEDIATE", None, locked)
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = _drive_sqlite(job.write, connection, self._dialect)
                if rows := _outbox_rows(result[1]):
                    compiled = outbox.INSERT.compiled_for(self._dialect)
                    connection.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
                if changes := result[1]:
                    change_feed.append(connection.execute, self._payload(changes))
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            return None, DBAPIError.instance(None, None, exc, sqlite3.Error)
        except Exception as exc:  # a problem the write raised: it goes to the request
            return None, exc
        return result, None

    def close(self) -> None:
        with self._lock:
            if self._thread is not None:
                self._jobs.put(None)
                self._thread.join()
                self._thread = None


# --- PostgreSQL: asyncpg ---------------------------------------------------------------------


class _Batch:
    """Writes whose rows nobody reads, on one asyncpg connection, sent in one round trip: one
    statement as it is, several as the data-modifying parts of one ``WITH`` statement.

    PostgreSQL runs the parts of one statement on one snapshot and in no set order, so a batch
    holds at most one statement a table (a second one on the same table sends the batch first),
    and a read sends the batch first: each statement then sees every one before it, as when they
    are sent one by one. The statements are ``HotQuery`` ones, compiled by SQLAlchemy with
    numbered parameters (``$1``), and no ``$`` anywhere else."""

    __slots__ = ("_arguments", "_connection", "_parts", "_tables")

    def __init__(self, connection: PoolConnectionProxy) -> None:
        self._connection = connection
        self._parts: list[str] = []
        self._arguments: list[Any] = []
        self._tables: set[str] = set()

    async def run(self, step: Fetch | ExecuteMany, compiled: _Compiled) -> list[tuple[Any, ...]]:
        """One step of a lean write: a read (or a write that returns rows) at once, sent with
        what waits; other writes wait."""
        if isinstance(step, ExecuteMany):
            assert compiled.table is not None
            rows = [compiled.parameters(row) for row in step.rows]
            await self.add_rows(compiled.table, compiled.sql, rows)
        elif compiled.column_processors:  # a read, or a write that returns rows
            rows = await self.fetch(compiled.sql, compiled.parameters(step.parameters))
            return [compiled.row(tuple(row)) for row in rows]
        else:
            assert compiled.table is not None
            await self.add(compiled.table, compiled.sql, compiled.parameters(step.parameters))
        return []

    async def fetch(self, sql: str, arguments: Sequence[Any]) -> list[Any]:
        await self.send()
        return await self._connection.fetch(sql, *arguments)

    async def add(self, table: str, sql: str, arguments: Sequence[Any]) -> None:
        if table in self._tables:
            await self.send()
        self._parts.append(_numbered_from(sql, len(self._arguments)))
        self._arguments.extend(arguments)
        self._tables.add(table)

    async def add_rows(self, table: str, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One INSERT of all ``rows`` (``sql`` inserts one: ``INSERT ... VALUES (...)``)."""
        if not rows:
            return
        head, values, row = sql.rpartition(" VALUES ")
        if not (values and row.startswith("(") and row.endswith(")")):
            await self.send()
            await self._connection.executemany(sql, rows)
            return
        width = len(rows[0])
        tuples = ", ".join(_numbered_from(row, n * width) for n in range(len(rows)))
        await self.add(table, f"{head}{values}{tuples}", [value for row in rows for value in row])

    async def send(self, final: str | None = None, final_arguments: Sequence[Any] = ()) -> None:
        """Send what waits, with ``final`` (a statement numbered from ``$1`` of its own) as the
        statement whose parts they are."""
        writes, arguments = self._parts, self._arguments
        self._parts, self._arguments, self._tables = [], [], set()
        if final is not None:
            last = _numbered_from(final, len(arguments))
            arguments = [*arguments, *final_arguments]
        elif len(writes) > 1:
            last = "SELECT 1"
        elif writes:
            last, writes = writes[0], []
        else:
            return
        if writes:
            parts = ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(writes))
            last = f"WITH {parts} {last}"
        await self._connection.execute(last, *arguments)


_PARAMETER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=512)
def _numbered_from(sql: str, offset: int) -> str:
    """``sql`` with its parameters ``$1``, ``$2``... numbered from ``offset + 1``."""
    if not offset:
        return sql
    return _PARAMETER.sub(lambda match: f"${int(match.group(1)) + offset}", sql)
