"""Reading an account's audit trail, and verifying every chain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast
from uuid import UUID

from sqlalchemy import exists, func, or_, select

from family_safety.db.models import Account, AuditEntry
from family_safety.domain.audit.chain import first_broken
from family_safety.domain.audit.schemas import AuditActor, AuditEntryOut
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
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
        # A plain str column; the pydantic model checks the role when it is built.
        actor=AuditActor(
            id=entry.actor_id,
            handle=actor_handle,
            role=cast("Literal['self', 'guardian', 'system']", entry.actor_role),
        ),
        action=entry.action,
        changes=entry.changes,
        link_id=entry.link_id,
    )


@dataclass(frozen=True, slots=True)
class BrokenChain:
    """Where an account's chain stops holding: the entry at ``seq`` was changed, moved or
    deleted (``problem`` says which)."""

    account_id: UUID
    seq: int
    problem: str


async def verify_all(session: AsyncSession) -> list[BrokenChain]:
    """Where each account's chain breaks (empty when every chain holds): the first entry whose
    link or hash does not match, or, when the chain holds but does not end at the head kept on
    the account, the newest entries deleted."""
    broken = []
    heads = await session.execute(
        select(Account.id, Account.audit_head_seq, Account.audit_head_hash).where(
            or_(
                Account.audit_head_seq > 0,
                exists().where(AuditEntry.account_id == Account.id),
            )
        )
    )
    for account_id, head_seq, head_hash in list(heads):
        entries = list(
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.account_id == account_id)
                .order_by(AuditEntry.seq)
            )
        )
        if (entry := first_broken(entries)) is not None:
            broken.append(BrokenChain(account_id, entry.seq, f"{entry.action} altered or missing"))
            continue
        last_seq, last_hash = (entries[-1].seq, entries[-1].entry_hash) if entries else (0, None)
        if (last_seq, last_hash) != (head_seq, head_hash if head_seq else None):
            broken.append(
                BrokenChain(
                    account_id,
                    last_seq + 1,
                    f"entries {last_seq + 1} to {head_seq} deleted from the end"
                    if head_seq > last_seq
                    else f"the chain does not end at its head, entry {head_seq}",
                )
            )
    return broken
