"""The signed-in account as every request sees it: one row, read with one light query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import select

from family_safety.db.models import Account

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


AnyAccount = Account | AccountRecord
"""Where either an ORM row or the signed-in account's record will do (both read the same)."""
