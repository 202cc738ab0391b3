from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select

from family_safety.db import changes
from family_safety.db.account_records import AnyAccount
from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Notification
from family_safety.db.writes import Announce, Fetch, Step, new_id
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.notifications.kinds import NotificationKind


def party(account: AnyAccount) -> dict[str, str]:
    """How a notification names the other party."""
    return {"id": str(account.id), "handle": account.handle, "display_name": account.display_name}


def notify(
    session: AsyncSession,
    account_id: UUID,
    kind: NotificationKind,
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Queue a notification in the caller's transaction."""
    changes.note(session, account_id, ChangeKind.NOTIFICATION)
    session.add(Notification(account_id=account_id, kind=kind.value, created_at=at, data=data))


_INSERT = HotQuery(
    insert(Notification).values(
        {name: bindparam(name) for name in ("id", "account_id", "kind", "created_at", "data")}
    )
)


def notified(
    account_id: UUID, kind: NotificationKind, data: dict[str, Any], at: datetime
) -> Iterator[Step]:
    """``notify`` in a lean write (``db.writes``): ``yield from`` it."""
    yield Announce(changes.Change(account_id, ChangeKind.NOTIFICATION))
    row = {"account_id": account_id, "kind": kind.value, "created_at": at, "data": data}
    yield Fetch(_INSERT, {**row, "id": new_id()})


async def page_for(
    session: AsyncSession, account_id: UUID, limit: int, cursor: str | None
) -> Page[Notification]:
    query = select(Notification).where(Notification.account_id == account_id)
    if (after := decode_cursor(cursor, UUID)) is not None:
        query = query.where(Notification.id > after)
    rows = list(await session.scalars(query.order_by(Notification.id).limit(limit + 1)))
    return page_of(rows, limit, lambda row: row.id)


async def latest(session: AsyncSession, account_id: UUID, count: int) -> list[Notification]:
    """The account's ``count`` newest notifications, newest first."""
    return list(
        await session.scalars(
            select(Notification)
            .where(Notification.account_id == account_id)
            .order_by(Notification.id.desc())
            .limit(count)
        )
    )
