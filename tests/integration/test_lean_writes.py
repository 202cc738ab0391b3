"""Lean writes (``db.writes``), on each database: every statement sees the ones before it, even
where several are sent together (PostgreSQL), and a statement that fails takes the whole
transaction back, announcing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from family_safety.db.changes import Change, ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Account, Notification
from family_safety.db.writes import Announce, ExecuteMany, Fetch, new_id

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

_ADD = HotQuery(
    insert(Notification).values(
        id=bindparam("id"),
        account_id=bindparam("account_id"),
        kind=bindparam("kind"),
        created_at=bindparam("created_at"),
        data=bindparam("data"),
    )
)
_COUNT = HotQuery(
    select(func.count())
    .select_from(Notification)
    .where(Notification.account_id == bindparam("account_id"))
)
_CLEAR = HotQuery(delete(Notification).where(Notification.account_id == bindparam("account_id")))
_RENAME = HotQuery(
    update(Account)
    .where(Account.id == bindparam("account_id"))
    .values(display_name=bindparam("display_name"), updated_at=bindparam("at"))
)
_NAME = HotQuery(select(Account.display_name).where(Account.id == bindparam("account_id")))


def _row(account_id: UUID, kind: str, row_id: UUID | None = None) -> dict:
    return {
        "id": row_id or new_id(),
        "account_id": account_id,
        "kind": kind,
        "created_at": NOW,
        "data": {"n": kind},
    }


async def test_each_statement_sees_the_ones_before_it(client, register):
    teen = await register("teen", 14)
    account_id = UUID(teen.id)
    writer = client.app.state.components.writer

    def write():
        counted = []
        yield Fetch(_ADD, _row(account_id, "first"))
        yield Fetch(_RENAME, {"account_id": account_id, "display_name": "Renamed", "at": NOW})
        counted.append((yield Fetch(_COUNT, {"account_id": account_id}))[0][0])
        yield Fetch(_CLEAR, {"account_id": account_id})  # the same table twice: in order
        yield ExecuteMany(_ADD, [_row(account_id, kind) for kind in ("a", "b", "c")])
        yield Fetch(_CLEAR, {"account_id": account_id})
        yield ExecuteMany(_ADD, [_row(account_id, kind) for kind in ("d", "e")])
        counted.append((yield Fetch(_COUNT, {"account_id": account_id}))[0][0])
        return counted

    assert await writer.run(write()) == [1, 2]

    def read():
        count = (yield Fetch(_COUNT, {"account_id": account_id}))[0][0]
        name = (yield Fetch(_NAME, {"account_id": account_id}))[0][0]
        return count, name

    assert await writer.run(read()) == (2, "Renamed")


async def test_a_failing_statement_takes_the_whole_write_back_and_announces_nothing(
    client, register
):
    teen = await register("teen", 14)
    account_id = UUID(teen.id)
    components = client.app.state.components
    heard: list[Change] = []
    components.changes.on_change(heard.append)
    taken = new_id()

    def write():
        yield Announce(Change(account_id, ChangeKind.NOTIFICATION))
        yield Fetch(_RENAME, {"account_id": account_id, "display_name": "Never", "at": NOW})
        yield Fetch(_ADD, _row(account_id, "first", taken))
        yield Fetch(_ADD, _row(account_id, "again", taken))  # the same primary key

    with pytest.raises(IntegrityError):
        await components.writer.run(write())

    def read():
        count = (yield Fetch(_COUNT, {"account_id": account_id}))[0][0]
        name = (yield Fetch(_NAME, {"account_id": account_id}))[0][0]
        return count, name

    count, name = await components.writer.run(read())
    assert (count, heard) == (0, [])
    assert name != "Never"
