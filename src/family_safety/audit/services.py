"""Reading an account's audit trail, and verifying every chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from family_safety.audit.chain import first_broken
from family_safety.audit.schemas import AuditActor, AuditEntryOut
from family_safety.db.models import Account, AuditEntry
from family_safety.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession


async def page_for(
    session: AsyncSession,
    account_id: UUID,
    limit: int,
    cursor: str | None,
    *,
    since_link: UUID | None = None,
) -> Page[AuditEntryOut]:
    """A page of the account's chain; with ``since_link``, only the entries from that link's
    creation on (what its guardian may see: nothing from before, nor earlier guardians')."""
    query = (
        select(AuditEntry, Account.handle)
        .outerjoin(Account, Account.id == AuditEntry.actor_id)
        .where(AuditEntry.account_id == account_id)
    )
    if since_link is not None:
        created = (
            select(func.min(AuditEntry.seq))
            .where(AuditEntry.account_id == account_id, AuditEntry.link_id == since_link)
            .scalar_subquery()
        )
        query = query.where(AuditEntry.seq >= created)
    if (after := decode_cursor(cursor, int)) is not None:
        query = query.where(AuditEntry.seq > after)
    rows = (await session.execute(query.order_by(AuditEntry.seq).limit(limit + 1))).all()
    page = page_of(list(rows), limit, lambda row: row[0].seq)
    return Page(
        items=[_view(entry, handle) for entry, handle in page.items],
        next_cursor=page.next_cursor,
    )


def _view(entry: AuditEntry, actor_handle: str | None) -> AuditEntryOut:
    return AuditEntryOut(
        seq=entry.seq,
        at=entry.at,
        actor=AuditActor(id=entry.actor_id, handle=actor_handle, role=entry.actor_role),
        action=entry.action,
        changes=entry.changes,
        link_id=entry.link_id,
    )


async def verify_all(session: AsyncSession) -> list[AuditEntry]:
    """The first broken entry of each account's chain (empty when every chain holds)."""
    broken = []
    account_ids = await session.scalars(select(AuditEntry.account_id).distinct())
    for account_id in list(account_ids):
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.account_id == account_id).order_by(AuditEntry.seq)
        )
        if (entry := first_broken(entries)) is not None:
            broken.append(entry)
    return broken
