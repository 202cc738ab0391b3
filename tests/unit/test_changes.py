"""Change events: published once when a transaction commits, never when it rolls back; other
instances' payloads heard, this process's own skipped; a stream resumes or is told to reset."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from family_safety.changes import (
    HISTORY,
    SUBSCRIBER_QUEUE,
    Change,
    ChangeBus,
    ChangeKind,
    note,
    session_info,
)


def _session(bus: ChangeBus) -> Session:
    return Session(create_engine("sqlite://"), info=session_info(bus))


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
    assert heard == [Change(account, ChangeKind.NOTIFICATION)]


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
