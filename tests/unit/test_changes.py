"""Change events: published once when a transaction commits, never when it rolls back; other
instances' payloads heard, this process's own skipped; a stream resumes or is told to reset;
SQLite's change feed written in the transaction, read by the other processes, pruned, and a gap
in it forgetting everything."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid

from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from family_safety.db import change_feed
from family_safety.db.changes import (
    ALL_ACCOUNTS,
    HISTORY,
    SUBSCRIBER_QUEUE,
    Change,
    ChangeBus,
    ChangeKind,
    MemoryTrust,
    note,
    session_info,
)
from family_safety.db.models import ChangeFeedEntry


def _session(bus: ChangeBus) -> Session:
    engine = create_engine("sqlite://")
    ChangeFeedEntry.__table__.create(engine)
    return Session(engine, info=session_info(bus))


def test_a_change_is_heard_once_when_its_transaction_commits_and_never_when_it_rolls_back():
    bus = ChangeBus()
    heard: list[Change] = []
    bus.on_change(heard.append)
    account = uuid.uuid4()
    with _session(bus) as session:
        session.execute(text("SELECT 1"))
        note(session, account, ChangeKind.SETTINGS)
        note(session, account, ChangeKind.SETTINGS)
        assert heard == []
        session.rollback()
        assert heard == []
        session.execute(text("SELECT 1"))
        note(session, account, ChangeKind.NOTIFICATION)
        note(session, account, ChangeKind.NOTIFICATION)
        session.commit()
        # The other processes on the file read it in the feed, written in the transaction.
        feed = session.scalars(select(ChangeFeedEntry.payload)).all()
    assert heard == [Change(account, ChangeKind.NOTIFICATION)]
    assert feed == [bus.notify_payload(heard)]


def test_another_instances_changes_are_heard_and_this_ones_own_are_not():
    here, there = ChangeBus(), ChangeBus()
    heard: list[Change] = []
    here.on_change(heard.append)
    changes = [Change(uuid.uuid4(), ChangeKind.SETTINGS), Change(uuid.uuid4(), ChangeKind.SESSIONS)]
    here.publish_payload(there.notify_payload(changes))
    assert heard == changes
    here.publish_payload(here.notify_payload(changes))
    assert heard == changes


def test_a_stream_resumes_after_its_last_event_or_is_told_to_start_again():
    bus = ChangeBus()
    mine, other = uuid.uuid4(), uuid.uuid4()
    queue = bus.subscribe(mine)
    bus.publish([Change(mine, ChangeKind.SETTINGS)])
    first = queue.get_nowait()
    bus.publish([Change(other, ChangeKind.SETTINGS), Change(mine, ChangeKind.NOTIFICATION)])
    missed = bus.since(first.id, mine)
    assert [item.change for item in missed] == [Change(mine, ChangeKind.NOTIFICATION)]
    assert bus.since("another-1", mine) is None  # another process's id
    bus.publish(Change(other, ChangeKind.SETTINGS) for _ in range(HISTORY))
    assert bus.since(first.id, mine) is None  # forgotten: too far back


def test_a_stream_that_cannot_keep_up_is_ended_not_buffered_forever():
    bus = ChangeBus()
    account = uuid.uuid4()
    queue = bus.subscribe(account)
    bus.publish(Change(account, ChangeKind.SCREEN_TIME) for _ in range(SUBSCRIBER_QUEUE + 5))
    items = [queue.get_nowait() for _ in range(queue.qsize())]
    assert len(items) <= SUBSCRIBER_QUEUE
    assert None in items
    bus.unsubscribe(account, queue)
    bus.publish([Change(account, ChangeKind.SCREEN_TIME)])
    assert queue.empty()


class _Feed:
    """An SQLite file as ``MemoryTrust`` sees it: a data version and the feed's entries."""

    def __init__(self) -> None:
        self.version = 1
        self.entries: list[tuple[int, str]] = []
        self.checks = 0

    def data_version(self) -> int:
        self.checks += 1
        return self.version

    def feed_end(self) -> int:
        return self.entries[-1][0] if self.entries else 0

    def feed_after(self, seq: int) -> list[tuple[int, str]]:
        return [entry for entry in self.entries if entry[0] > seq]

    def commit(self, payload: str) -> None:
        self.entries.append((self.feed_end() + 1, payload))
        self.version += 1


def test_on_sqlite_other_processes_changes_are_heard_from_the_feed_and_nothing_else_forgotten():
    here, there, feed = ChangeBus(), ChangeBus(), _Feed()
    heard: list[Change] = []
    here.on_change(heard.append)
    trust = MemoryTrust(here, feed, keep=True)
    feed.commit(there.notify_payload([Change(uuid.uuid4(), ChangeKind.SETTINGS)]))
    trust.epoch()  # the first change: the feed is where it is, what came before is unknown
    kept = trust.epoch()
    heard.clear()
    mine, theirs = (
        Change(uuid.uuid4(), ChangeKind.SETTINGS),
        Change(uuid.uuid4(), ChangeKind.SETTINGS),
    )
    feed.commit(here.notify_payload([mine]))  # this process's own writer: published already
    feed.commit(there.notify_payload([theirs]))
    assert trust.epoch() == kept
    assert heard == [theirs]
    assert trust.epoch() == kept  # nothing new: the feed is not read again
    assert heard == [theirs]


def test_on_sqlite_a_gap_in_the_feed_forgets_everything():
    here, there, feed = ChangeBus(), ChangeBus(), _Feed()
    trust = MemoryTrust(here, feed, keep=True)
    feed.commit(there.notify_payload([Change(uuid.uuid4(), ChangeKind.SETTINGS)]))
    kept = trust.epoch()
    for _ in range(3):
        feed.commit(there.notify_payload([Change(uuid.uuid4(), ChangeKind.SESSIONS)]))
    del feed.entries[1]  # the first of the three, pruned before this process read it
    assert trust.epoch() != kept


def test_the_feed_keeps_its_last_entries(monkeypatch):
    monkeypatch.setattr(change_feed, "KEEP", 10)
    monkeypatch.setattr(change_feed, "PRUNE_EVERY", 5)
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE change_feed (seq INTEGER PRIMARY KEY, payload TEXT)")
    for n in range(1, 28):
        change_feed.append(connection.execute, f"payload {n}")
    seqs = [seq for (seq,) in connection.execute("SELECT seq FROM change_feed ORDER BY seq")]
    assert seqs == list(range(16, 28))  # pruned at 25: 15 and before are gone


async def test_on_sqlite_requests_of_one_turn_of_the_event_loop_share_one_check():
    here, there, feed = ChangeBus(), ChangeBus(), _Feed()
    heard: list[Change] = []
    here.on_change(heard.append)
    trust = MemoryTrust(here, feed, keep=True)
    feed.commit(there.notify_payload([Change(uuid.uuid4(), ChangeKind.SETTINGS)]))
    trust.epoch()  # the first change: where the feed is
    heard.clear()
    await asyncio.sleep(0)
    checks = feed.checks
    trust.epoch()
    change = Change(uuid.uuid4(), ChangeKind.SESSIONS)
    feed.commit(there.notify_payload([change]))  # committed after this turn's check
    trust.epoch()
    assert (feed.checks, heard) == (checks + 1, [])
    await asyncio.sleep(0)  # a request scheduled now: its bytes arrived after the commit
    trust.epoch()
    assert (feed.checks, heard) == (checks + 2, [change])


async def test_a_change_for_every_account_reaches_every_stream_and_travels_to_other_instances():
    bus, other = ChangeBus(), ChangeBus()
    one, two = uuid.uuid4(), uuid.uuid4()
    queues = [bus.subscribe(one), bus.subscribe(two)]
    laws_changed = Change(ALL_ACCOUNTS, ChangeKind.LAWS)
    bus.publish([laws_changed])
    heard = [queue.get_nowait() for queue in queues]
    assert [event.change for event in heard if event is not None] == [laws_changed] * 2
    assert [event.change for event in bus.since(f"{bus.epoch}-0", one) or []] == [laws_changed]
    received: list[Change] = []
    other.on_change(received.append)
    other.publish_payload(bus.notify_payload([laws_changed]))
    assert received == [laws_changed]
