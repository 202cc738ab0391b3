"""Changes travel: every committed change to an account's settings, limits, links, sessions,
notifications or screen time is one event, published after its transaction commits.

Code that changes such state notes the change in its session (`note`), in the same transaction.
When the transaction commits, the session's notes are published on this process's `ChangeBus`
(which invalidates its caches and feeds `GET /v1/me/events`). Other processes hear them through
the transaction itself, exactly when, and only if, it commits: on PostgreSQL they are sent with
``pg_notify``, on SQLite appended to the change feed (``db.change_feed``). A rolled-back
transaction publishes nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import deque
from contextlib import suppress
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol
from uuid import UUID

import asyncpg
import structlog
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from family_safety.db import change_feed, outbox

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy.ext.asyncio import AsyncSession

CHANNEL = "family_safety_changes"
LISTENER_NAME = "family_safety_listener"  # the listening connection's application_name
HISTORY = 1024  # events kept for Last-Event-ID resumption, per process
SUBSCRIBER_QUEUE = 256  # events waiting for one slow event stream before it is dropped

_BUS_KEY = "family_safety.bus"
_PENDING_KEY = "family_safety.pending_changes"

_log = structlog.get_logger("family_safety.db.changes")


class ChangeKind(StrEnum):
    SETTINGS = "settings.changed"  # the account's settings version moved (limits, links too)
    SESSIONS = "sessions.ended"  # some or every sign-in session of the account ended
    NOTIFICATION = "notification.created"
    SCREEN_TIME = "screen_time.changed"
    BLOCKS = "blocks.changed"  # the blocks the account made (decisions keep them in memory)
    ROLES = "roles.changed"  # the roles an operator granted the account
    # A law's status changed: every process reads the statuses again, and every event stream
    # hears it (its account's settings may follow other laws now: the ETag says whether).
    LAWS = "laws.changed"


ALL_ACCOUNTS = UUID(int=0)
"""The account of a change that concerns every account (``ChangeKind.LAWS``)."""


class Change(NamedTuple):
    account_id: UUID
    kind: ChangeKind


class Event(NamedTuple):
    id: str
    change: Change


def note(session: AsyncSession | Session, account_id: UUID, kind: ChangeKind) -> None:
    """Publish this change once the session's transaction commits (in the caller's transaction;
    nothing is published when it rolls back)."""
    session.info.setdefault(_PENDING_KEY, []).append(Change(account_id, kind))


def session_info(bus: ChangeBus) -> dict[str, object]:
    """What a sessionmaker's ``info`` needs for its sessions' changes to reach ``bus``."""
    return {_BUS_KEY: bus}


class ChangeBus:
    """One process's change events: its caches' invalidation and its event streams' source."""

    def __init__(self, *, connected: bool = True) -> None:
        self.epoch = secrets.token_hex(4)  # names this process: in its event ids and notifies
        self._counter = itertools.count(1)
        self._history: deque[Event] = deque(maxlen=HISTORY)
        self._listeners: list[Callable[[Change], None]] = []
        self._subscribers: dict[UUID, set[asyncio.Queue[Event | None]]] = {}
        # False while changes of other instances may go unheard (PostgreSQL: until the listener
        # is connected, and whenever it drops).
        self.connected = connected

    def notify_payload(self, changes: Iterable[Change]) -> str:
        """One transaction's changes as one ``pg_notify`` payload or change feed entry (at most
        8,000 bytes: a transaction notes a handful of changes)."""
        return self.epoch + "".join(
            f" {change.account_id.hex}:{change.kind.value}" for change in changes
        )

    def publish_payload(self, payload: str) -> None:
        """Changes another process sent with ``pg_notify`` or appended to the change feed (this
        process's own are skipped: they were published when they committed)."""
        epoch, *changes = payload.split(" ")
        if epoch != self.epoch:
            self.publish(
                Change(UUID(hex=account), ChangeKind(kind))
                for account, _, kind in (change.partition(":") for change in changes)
            )

    def on_change(self, listener: Callable[[Change], None]) -> None:
        """``listener`` hears every change, from this process or another instance."""
        self._listeners.append(listener)

    def publish(self, changes: Iterable[Change]) -> None:
        for change in changes:
            item = Event(f"{self.epoch}-{next(self._counter)}", change)
            self._history.append(item)
            for listener in self._listeners:
                listener(change)
            queues: Iterable[asyncio.Queue[Event | None]] = (
                [queue for every in self._subscribers.values() for queue in every]
                if change.account_id == ALL_ACCOUNTS
                else self._subscribers.get(change.account_id, ())
            )
            for queue in queues:
                if queue.full():  # a stream that cannot keep up is ended, not buffered forever
                    queue.get_nowait()
                    queue.put_nowait(None)
                else:
                    queue.put_nowait(item)

    def subscribe(self, account_id: UUID) -> asyncio.Queue[Event | None]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.setdefault(account_id, set()).add(queue)
        return queue

    def streams(self) -> int:
        """The event streams open now (subscribed queues)."""
        return sum(map(len, self._subscribers.values()))

    def unsubscribe(self, account_id: UUID, queue: asyncio.Queue[Event | None]) -> None:
        queues = self._subscribers.get(account_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[account_id]

    def since(self, last_event_id: str, account_id: UUID) -> list[Event] | None:
        """This account's events after ``last_event_id``; None when that id is not one this
        process still remembers (the client must then read everything again)."""
        epoch, _, number = last_event_id.partition("-")
        if epoch != self.epoch or not number.isdigit():
            return None
        after = int(number)
        if not self._history or int(self._history[0].id.partition("-")[2]) > after + 1:
            return None
        return [
            item
            for item in self._history
            if int(item.id.partition("-")[2]) > after
            and item.change.account_id in (account_id, ALL_ACCOUNTS)
        ]


class SQLiteFeed(Protocol):
    """What ``MemoryTrust`` reads of the SQLite file (``db.hot_reads.HotPathReader``);
    ``data_version`` is None on PostgreSQL."""

    def data_version(self) -> int | None: ...

    def feed_end(self) -> int: ...

    def feed_after(self, seq: int) -> list[tuple[int, str]]: ...


class MemoryTrust:
    """Whether what this process keeps in memory (signed-in accounts, screen time) may be served
    now: only in ``keep`` mode, while this process hears every change (on PostgreSQL, while the
    listener is connected). ``epoch()`` is None when nothing may be trusted, else a number that
    moves whenever everything kept must be forgotten (changes may have been missed).

    On SQLite, whenever ``PRAGMA data_version`` says another connection committed, the change
    feed's new entries are read and published here first: only a gap in the feed (entries
    pruned before this process read them) forgets everything."""

    def __init__(self, bus: ChangeBus, feed: SQLiteFeed, *, keep: bool):
        self._bus = bus
        self._feed = feed
        self._keep = keep
        self._epoch = 0
        self._seen_version = feed.data_version()
        self._feed_seq: int | None = None  # read with the first change (the app is built first)
        self._checked_this_turn = False
        self._was_connected = bus.connected

    def epoch(self) -> int | None:
        if not self._keep:
            return None
        connected = self._bus.connected
        if connected != self._was_connected:
            self._was_connected = connected
            self._epoch += 1  # what was missed while the listener was down is unknown
        if not connected:
            return None
        if self._seen_version is not None and not self._checked_this_turn:
            self._check_the_file()
        return self._epoch

    def _check_the_file(self) -> None:
        """SQLite: whether another connection committed, at most once per turn of the event loop.

        The check is shared until a ``call_soon`` callback it schedules runs. The loop runs its
        callbacks in the order they were scheduled, and a request's code runs in callbacks only,
        so whatever shares the check was scheduled before it: by a request whose bytes had
        already arrived. The check thus sees every commit that request's client could have seen
        acknowledged before sending it, as a check of its own would."""
        version = self._feed.data_version()
        if version != self._seen_version:
            self._seen_version = version
            if not self._hear_feed():
                self._epoch += 1
        with suppress(RuntimeError):  # outside an event loop every call checks
            asyncio.get_running_loop().call_soon(self._next_turn)
            self._checked_this_turn = True

    def _next_turn(self) -> None:
        self._checked_this_turn = False

    def _hear_feed(self) -> bool:
        """Publish what other processes appended to the feed since the last entry read; False
        when entries after it are gone (pruned), so what they said is unknown."""
        if self._feed_seq is None:
            self._feed_seq = self._feed.feed_end()
            return False
        entries = self._feed.feed_after(self._feed_seq)
        if not entries:
            return True
        complete = entries[0][0] == self._feed_seq + 1
        self._feed_seq = entries[-1][0]
        for _seq, payload in entries:
            self._bus.publish_payload(payload)
        return complete

    def watch(self, forget_everything: Callable[[], None]) -> Callable[[], bool]:
        """The check one memory makes before it serves what it keeps: True while it may;
        ``forget_everything`` is called first whenever what it keeps may have gone stale."""
        seen = self.epoch()

        def trusted() -> bool:
            nonlocal seen
            epoch = self.epoch()
            if epoch != seen:
                seen = epoch
                forget_everything()
            return epoch is not None

        return trusted


@event.listens_for(Session, "before_commit")
def _tell_other_processes(session: Session) -> None:
    pending = session.info.get(_PENDING_KEY)
    if not pending:
        return
    connection = session.connection()
    # The webhooks' outbox: one settings.changed message per account, in this transaction.
    if settings := [change.account_id for change in pending if change.kind == ChangeKind.SETTINGS]:
        connection.execute(outbox.INSERT.statement, outbox.settings_changed_rows(settings))
    bus = session.info.get(_BUS_KEY)
    if bus is None:
        return
    payload = bus.notify_payload(dict.fromkeys(pending))
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
        )
    else:
        change_feed.append(connection.exec_driver_sql, payload)


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    bus = session.info.get(_BUS_KEY)
    if pending and bus is not None:
        bus.publish(dict.fromkeys(pending))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


async def relay_other_instances(
    bus: ChangeBus, dsn: str, *, check_seconds: float = 5.0, retry_seconds: float = 1.0
) -> None:
    """LISTEN for other instances' changes and publish them here, until cancelled. While the
    connection is down ``bus.connected`` is False (caches trust nothing); it is checked every
    ``check_seconds`` so a silently dropped connection is noticed too."""
    while True:
        error = "connection closed"
        try:
            await _listen(bus, dsn, check_seconds)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            error = type(exc).__name__
        _log.warning("change listener lost; reading the database until it is back", error=error)
        await asyncio.sleep(retry_seconds)


async def _listen(bus: ChangeBus, dsn: str, check_seconds: float) -> None:
    connection = await asyncpg.connect(dsn, server_settings={"application_name": LISTENER_NAME})
    lost = asyncio.Event()
    try:
        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(
            CHANNEL, lambda _connection, _pid, _channel, payload: bus.publish_payload(payload)
        )
        bus.connected = True
        while not lost.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), check_seconds)
            if not lost.is_set():
                await asyncio.wait_for(connection.fetchval("SELECT 1"), check_seconds)
    finally:
        bus.connected = False
        if not connection.is_closed():
            connection.terminate()
