"""Queries of links: every link of an account, and one guardian's active link to a teen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from family_safety.db.models import Account, GuardianLink, LinkStatus

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession


def links_of(account_id: UUID) -> Select[GuardianLink, Account, Account]:
    """Every link of an account, as guardian or as teen, ended ones included, oldest first, each
    with its guardian and its teen."""
    guardian, teen = aliased(Account), aliased(Account)
    return (
        select(GuardianLink, guardian, teen)
        .join(guardian, guardian.id == GuardianLink.guardian_id)
        .join(teen, teen.id == GuardianLink.teen_id)
        .where((GuardianLink.guardian_id == account_id) | (GuardianLink.teen_id == account_id))
        .order_by(GuardianLink.id)
    )


async def active_link_and_teen(
    session: AsyncSession, *, guardian_id: UUID, teen_id: UUID, today: date
) -> tuple[GuardianLink, Account] | None:
    """This guardian's active link to this teen, with the teen, in one statement."""
    row = (
        await session.execute(
            select(GuardianLink, Account)
            .join(Account, Account.id == GuardianLink.teen_id)
            .where(
                GuardianLink.guardian_id == guardian_id,
                GuardianLink.teen_id == teen_id,
                GuardianLink.active_on(today),
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def active_guardian_ids(session: AsyncSession, teen_id: UUID, today: date) -> list[UUID]:
    return list(
        await session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.teen_id == teen_id, GuardianLink.active_on(today)
            )
        )
    )


async def links_ending_by(session: AsyncSession, today: date, limit: int) -> list[GuardianLink]:
    """Links still marked active whose teen has turned 18: what is left to write about them."""
    return list(
        await session.scalars(
            select(GuardianLink)
            .where(GuardianLink.status == LinkStatus.ACTIVE.value, GuardianLink.ends_on <= today)
            .order_by(GuardianLink.ends_on)
            .limit(limit)
        )
    )
