"""The signed-in account as every request sees it: one row, read with one light query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import exists, select

from family_safety.db.models import Account, RefreshToken

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A read-only copy of an account row. Services read it; writes go through the ORM."""

    id: UUID
    handle: str
    display_name: str
    birthdate: date
    country: str | None
    timezone: str
    created_at: datetime
    settings_version: int
    notified_band: str | None


_COLUMNS = (
    Account.id,
    Account.handle,
    Account.display_name,
    Account.birthdate,
    Account.country,
    Account.timezone,
    Account.created_at,
    Account.settings_version,
    Account.notified_band,
)


async def load_account_record(engine: AsyncEngine, account_id: UUID) -> AccountRecord | None:
    async with engine.connect() as connection:
        row = (await connection.execute(select(*_COLUMNS).where(Account.id == account_id))).first()
    return AccountRecord(*row) if row else None


async def load_signed_in_account(
    engine: AsyncEngine, account_id: UUID, session_id: UUID
) -> AccountRecord | None:
    """The account of an access token, or None when the account is gone or the token's sign-in
    session has ended (logout, a password change, or a refresh token presented twice)."""
    session_ended = (
        exists()
        .where(RefreshToken.family_id == session_id, RefreshToken.revoked_at.is_not(None))
        .label("session_ended")
    )
    query = select(*_COLUMNS, session_ended).where(Account.id == account_id)
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    if row is None or row.session_ended:
        return None
    return AccountRecord(*row[:-1])


AnyAccount = Account | AccountRecord
"""Where either an ORM row or the signed-in account's record will do (both read the same)."""
