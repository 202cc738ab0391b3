"""The roles an operator grants (``family-safety roles``): staff work the moderation queue;
a partner's reports are filed on the partner channel, at high priority; a service account (a
platform's back end) manages webhooks and asks for decisions. A grant or a revoke is noted on the
change bus (``roles.changed``), so running instances forget the roles they keep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.models import AccountRole
from family_safety.domain.safety.services.accounts import account_by_handle

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.models import Account

ROLES = ("staff", "partner", "service")
STAFF = "staff"
PARTNER = "partner"
SERVICE = "service"


class UnknownHandle(LookupError):
    """No account has this handle."""


async def roles_of(session: AsyncSession, account_id: UUID) -> frozenset[str]:
    return frozenset(
        await session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    )


async def _holder(session: AsyncSession, handle: str, role: str) -> Account:
    if role not in ROLES:
        raise ValueError(f"not a role: {role!r}")
    account = await account_by_handle(session, handle)
    if account is None:
        raise UnknownHandle(handle)
    return account


async def grant_role(session: AsyncSession, handle: str, role: str, now: datetime) -> bool:
    """An operator grants a role (``family-safety roles grant``); False when it already stood."""
    account = await _holder(session, handle, role)
    if await session.get(AccountRole, (account.id, role)) is not None:
        return False
    session.add(AccountRole(account_id=account.id, role=role, granted_at=now))
    changes.note(session, account.id, ChangeKind.ROLES)
    await session.commit()
    return True


async def revoke_role(session: AsyncSession, handle: str, role: str) -> bool:
    """An operator takes a role back; False when the account did not have it."""
    account = await _holder(session, handle, role)
    result = await session.execute(
        delete(AccountRole).where(AccountRole.account_id == account.id, AccountRole.role == role)
    )
    changes.note(session, account.id, ChangeKind.ROLES)
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]
