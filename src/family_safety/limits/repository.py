"""Reading links and the limits they carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from family_safety.db.models import Account, GuardianLimit, GuardianLink, LinkStatus

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.hot_reads import HotPathReader


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


_LIMITS_OF_ACTIVE_LINKS = (
    select(GuardianLink.id, Account.id, Account.handle, GuardianLimit.key, GuardianLimit.value)
    .join(Account, Account.id == GuardianLink.guardian_id)
    .outerjoin(GuardianLimit, GuardianLimit.link_id == GuardianLink.id)
    .where(
        GuardianLink.teen_id == bindparam("teen_id"),
        GuardianLink.status == LinkStatus.ACTIVE.value,
    )
    .order_by(GuardianLink.created_at, GuardianLink.id)
)


class GuardianWireLimits(NamedTuple):
    guardian_id: UUID
    handle: str
    limits: dict[str, Any]  # setting key -> wire value, as stored


async def guardian_limits(reader: HotPathReader, teen_id: UUID) -> list[GuardianWireLimits]:
    """The teen's active links in one hot-path read: each guardian, oldest link first, with its
    limits as stored."""
    by_link: dict[UUID, GuardianWireLimits] = {}
    for link_id, guardian_id, handle, key, value in await reader.all(
        _LIMITS_OF_ACTIVE_LINKS, {"teen_id": teen_id}
    ):
        limits = by_link.setdefault(link_id, GuardianWireLimits(guardian_id, handle, {})).limits
        if key is not None:
            limits[key] = value
    return list(by_link.values())


async def limits_by_link(session: AsyncSession, link_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    found: dict[UUID, dict[str, Any]] = {}
    for limit in await session.scalars(
        select(GuardianLimit).where(GuardianLimit.link_id.in_(link_ids))
    ):
        found.setdefault(limit.link_id, {})[limit.key] = limit.value
    return found


def links_of(account_id: UUID) -> Select[tuple[GuardianLink, Account, Account]]:
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
