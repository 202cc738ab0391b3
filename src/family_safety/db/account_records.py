"""The signed-in account as every request sees it: one row, read with one light query."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import bindparam, exists, select

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Account, RefreshToken

if TYPE_CHECKING:
    from family_safety.db.hot_reads import HotPathReader


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A read-only copy of an account row. Services read it; writes go through the ORM."""

    id: UUID
    handle: str
    display_name: str
    birthdate: date
    country: str | None
    region: str | None  # ISO 3166-2, within country
    timezone: str
    created_at: datetime
    settings_version: int
    notified_band: str | None
    # A hold below a minimum age (``domain/ages/holds.py``): null ``held_since``, not held.
    held_law_id: str | None
    held_title: str | None
    held_since: datetime | None
    # The kept age signal (``domain/age_signals``): null ``assurance_at``, none.
    assurance_method: str | None
    assurance_issuer: str | None
    assurance_lower: int | None
    assurance_upper: int | None
    assurance_at: datetime | None
    assured_birthdate: date | None

    @property
    def age_birthdate(self) -> date:
        """The date this account's age counts from: the birthdate, moved by an age signal."""
        return self.assured_birthdate or self.birthdate


@dataclass(frozen=True, slots=True)
class SignedInAccount(AccountRecord):
    """The account as the requests of one sign-in session see it: the record and the session it
    was read for, one object (kept in memory for every signed-in account)."""

    session_id: UUID


_COLUMNS = (
    Account.id,
    Account.handle,
    Account.display_name,
    Account.birthdate,
    Account.country,
    Account.region,
    Account.timezone,
    Account.created_at,
    Account.settings_version,
    Account.notified_band,
    Account.held_law_id,
    Account.held_title,
    Account.held_since,
    Account.assurance_method,
    Account.assurance_issuer,
    Account.assurance_lower,
    Account.assurance_upper,
    Account.assurance_at,
    Account.assured_birthdate,
)


_INTERNED = tuple(
    index
    for index, column in enumerate(_COLUMNS)
    if column.key in {"country", "region", "timezone", "notified_band"}
)
"""The columns of few distinct values, kept once in memory (``sys.intern``)."""

_BY_ID = HotQuery(select(*_COLUMNS).where(Account.id == bindparam("account_id")))
_SIGNED_IN = HotQuery(
    select(
        *_COLUMNS,
        # A session is alive while a refresh token of its family, of this account, is unrevoked
        # (refreshing spends one and adds the next in one transaction; ending revokes them all).
        # A session id that was never issued has no such token.
        exists()
        .where(
            RefreshToken.family_id == bindparam("session_id"),
            RefreshToken.account_id == Account.id,
            RefreshToken.revoked_at.is_(None),
        )
        .label("session_alive"),
    ).where(Account.id == bindparam("account_id"))
)


async def load_account_record(reader: HotPathReader, account_id: UUID) -> AccountRecord | None:
    row = await reader.first(_BY_ID, {"account_id": account_id})
    return AccountRecord(*row) if row else None


async def load_signed_in_account(
    reader: HotPathReader, account_id: UUID, session_id: UUID
) -> SignedInAccount | None:
    """The account of an access token, or None when the account is gone or the token's sign-in
    session has ended (logout, a password change, or a refresh token presented twice) or never
    existed."""
    row = await reader.first(_SIGNED_IN, {"account_id": account_id, "session_id": session_id})
    if row is None or not row[-1]:  # gone, or the session ended or never was
        return None
    # Kept in memory for every signed-in account: the caller's id object, and one copy of each
    # time zone, country, region and band name, not one a record.
    values = [account_id, *row[1:-1], session_id]
    for index in _INTERNED:
        values[index] = values[index] and sys.intern(values[index])
    return SignedInAccount(*values)


AnyAccount = Account | AccountRecord
"""Where either an ORM row or the signed-in account's record will do (both read the same)."""
