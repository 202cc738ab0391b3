"""Notifications: written in the writer's transaction (an ORM session's, or a lean write's), and
read as pages or the newest few."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select

from family_safety.db import changes
from family_safety.db.account_records import AnyAccount
from family_safety.db.changes import Change, ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Notification
from family_safety.db.writes import Announce, Fetch, Step, new_id
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.notifications.kinds import NotificationKind


def party(account: AnyAccount) -> dict[str, str]:
    """How a notification names every party: ``{id, handle, display_name}``, never a bare id."""
    return {"id": str(account.id), "handle": account.handle, "display_name": account.display_name}


def moment(at: datetime) -> str:
    """How a notification's data writes a time: RFC 3339 in UTC with ``Z``, as every answer does."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _written(value: Any) -> Any:
    return moment(value) if isinstance(value, datetime) else value


_INSERT = HotQuery(
    insert(Notification).values(
        {name: bindparam(name) for name in ("id", "account_id", "kind", "created_at", "data")}
    )
)


def _new(
    account_id: UUID, kind: NotificationKind, data: dict[str, Any], at: datetime
) -> tuple[Change, dict[str, Any]]:
    """A notification as either way writes it: the change it announces, and its row."""
    row = {"id": new_id(), "account_id": account_id, "kind": kind.value, "created_at": at}
    data = {key: _written(value) for key, value in data.items()}  # a time: moment()
    return Change(account_id, ChangeKind.NOTIFICATION), {**row, "data": data}


def notify(
    session: AsyncSession,
    account_id: UUID,
    kind: NotificationKind,
    data: dict[str, Any],
    at: datetime,
) -> None:
    """Queue a notification in the caller's transaction (an ORM session)."""
    change, row = _new(account_id, kind, data, at)
    changes.note(session, change.account_id, change.kind)
    session.add(Notification(**row))


def notified(
    account_id: UUID, kind: NotificationKind, data: dict[str, Any], at: datetime
) -> Iterator[Step]:
    """``notify`` in a lean write (``db.writes``): ``yield from`` it."""
    change, row = _new(account_id, kind, data, at)
    yield Announce(change)
    yield Fetch(_INSERT, row)


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
