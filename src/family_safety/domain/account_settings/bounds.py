"""What bounds a teen's settings: the limits of each guardian whose link is active today."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Select, bindparam, select

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Account, GuardianLimit, GuardianLink, SettingRequest

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.hot_reads import HotReads


@dataclass(frozen=True, slots=True)
class LinkedGuardian:
    link: GuardianLink
    guardian: Account
    limits: dict[str, Any]  # setting key -> wire value


async def linked_guardians(
    session: AsyncSession, teen_id: UUID, today: date
) -> list[LinkedGuardian]:
    """The teen's active links, oldest first, with each guardian and its limits."""
    rows = (
        await session.execute(
            select(GuardianLink, Account)
            .join(Account, Account.id == GuardianLink.guardian_id)
            .where(GuardianLink.teen_id == teen_id, GuardianLink.active_on(today))
            .order_by(GuardianLink.created_at, GuardianLink.id)
        )
    ).all()
    if not rows:
        return []
    limits = await limits_by_link(session, [link.id for link, _ in rows])
    return [LinkedGuardian(link, guardian, limits.get(link.id, {})) for link, guardian in rows]


async def limits_by_link(
    session: AsyncSession, link_ids: Iterable[UUID]
) -> dict[UUID, dict[str, Any]]:
    found: dict[UUID, dict[str, Any]] = {}
    for limit in await session.scalars(
        select(GuardianLimit).where(GuardianLimit.link_id.in_(list(link_ids)))
    ):
        found.setdefault(limit.link_id, {})[limit.key] = limit.value
    return found


_LIMITS_OF_ACTIVE_LINKS = HotQuery(
    select(GuardianLink.id, Account.id, Account.handle, GuardianLimit.key, GuardianLimit.value)
    .join(Account, Account.id == GuardianLink.guardian_id)
    .outerjoin(GuardianLimit, GuardianLimit.link_id == GuardianLink.id)
    .where(
        GuardianLink.teen_id == bindparam("teen_id"),
        GuardianLink.active_on(bindparam("today")),
    )
    .order_by(GuardianLink.created_at, GuardianLink.id)
)


class GuardianWireLimits(NamedTuple):
    guardian_id: UUID
    handle: str
    limits: dict[str, Any]  # setting key -> wire value, as stored


async def guardian_limits(reader: HotReads, teen_id: UUID, today: date) -> list[GuardianWireLimits]:
    """The teen's active links in one hot-path read: each guardian, oldest link first, with its
    limits as stored."""
    by_link: dict[UUID, GuardianWireLimits] = {}
    for link_id, guardian_id, handle, key, value in await reader.all(
        _LIMITS_OF_ACTIVE_LINKS, {"teen_id": teen_id, "today": today}
    ):
        limits = by_link.setdefault(link_id, GuardianWireLimits(guardian_id, handle, {})).limits
        if key is not None:
            limits[key] = value
    return list(by_link.values())


APPROVED = "approved"
"""The status of a setting request a guardian approved: an approval the settings read."""


class StoredApproval(NamedTuple):
    """A guardian's approval of a value looser than a ``needs_guardian`` bound, as stored."""

    guardian_id: UUID
    handle: str
    key: str
    value: Any  # wire value


def _approvals_query(teen_id: Any, today: Any) -> Select[tuple[UUID, str, str, Any]]:
    return (
        select(Account.id, Account.handle, SettingRequest.key, SettingRequest.value)
        .join(Account, Account.id == SettingRequest.decided_by)
        .join(
            GuardianLink,
            (GuardianLink.guardian_id == SettingRequest.decided_by)
            & (GuardianLink.teen_id == SettingRequest.account_id),
        )
        .where(
            SettingRequest.account_id == teen_id,
            SettingRequest.status == APPROVED,
            GuardianLink.active_on(today),
        )
        .order_by(SettingRequest.id)
    )


_APPROVALS_OF_ACTIVE_LINKS = HotQuery(_approvals_query(bindparam("teen_id"), bindparam("today")))


async def approvals_of(session: AsyncSession, teen_id: UUID, today: date) -> list[StoredApproval]:
    """The teen's approvals standing today: approved setting requests whose guardian's link is
    active, oldest first (an approval ends with its guardian's link, as a limit does)."""
    rows = await session.execute(_approvals_query(teen_id, today))
    return [StoredApproval(*row) for row in rows]


async def guardian_approvals(reader: HotReads, teen_id: UUID, today: date) -> list[StoredApproval]:
    """``approvals_of`` in one hot-path read."""
    rows = await reader.all(_APPROVALS_OF_ACTIVE_LINKS, {"teen_id": teen_id, "today": today})
    return [StoredApproval(*row) for row in rows]
