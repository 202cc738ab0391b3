"""The accounts safety reads: by handle (a block, a role), as the short summary its answers show,
and locked for the length of a use case that counts what an account has made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from family_safety.db.models import Account
from family_safety.domain.accounts.schemas import AccountSummary

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession


def account_summary(account: Account) -> AccountSummary:
    return AccountSummary(id=account.id, handle=account.handle, display_name=account.display_name)


async def account_by_handle(session: AsyncSession, handle: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.handle == handle.lower()))


async def lock_account(session: AsyncSession, account_id: UUID) -> None:
    """Hold the account's row until the transaction ends (FOR UPDATE; SQLite has no row locks
    and needs none: its writers take the database lock when they begin)."""
    await session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
