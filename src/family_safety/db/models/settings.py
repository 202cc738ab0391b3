from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import JsonValue, KeylessBase


class SettingChoice(KeylessBase):
    """A value the account's holder chose for one key, in wire form. A key with no row follows
    the policy pack, so a changed default reaches everyone who kept it."""

    __tablename__ = "setting_choice"

    account_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)
    chosen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
