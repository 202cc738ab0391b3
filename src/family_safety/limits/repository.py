"""Reading links and the limits they carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from family_safety.db.models import Account, GuardianLimit, GuardianLink, LinkStatus

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class LinkedGuardian:
    link: GuardianLink
    guardian: Account
    limits: dict[str, Any]  # setting key -> wire value


async def linked_guardians(session: AsyncSession, teen_id: UUID) -> list[LinkedGuardian]:
    """The teen's active links, oldest first, with each guardian and its limits."""
    rows = (
        await session.execute(
            select(GuardianLink, Account)
            .join(Account, Account.id == GuardianLink.guardian_id)
            .where(GuardianLink.teen_id == teen_id, GuardianLink.status == LinkStatus.ACTIVE)
            .order_by(GuardianLink.created_at, GuardianLink.id)
        )
    ).all()
    if not rows:
        return []
    limits = await limits_by_link(session, [link.id for link, _ in rows])
    return [LinkedGuardian(link, guardian, limits.get(link.id, {})) for link, guardian in rows]


async def limits_by_link(session: AsyncSession, link_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    found: dict[UUID, dict[str, Any]] = {}
    for limit in await session.scalars(
        select(GuardianLimit).where(GuardianLimit.link_id.in_(link_ids))
    ):
        found.setdefault(limit.link_id, {})[limit.key] = limit.value
    return found


async def active_link(
    session: AsyncSession, *, guardian_id: UUID, teen_id: UUID
) -> GuardianLink | None:
    return await session.scalar(
        select(GuardianLink).where(
            GuardianLink.guardian_id == guardian_id,
            GuardianLink.teen_id == teen_id,
            GuardianLink.status == LinkStatus.ACTIVE,
        )
    )
