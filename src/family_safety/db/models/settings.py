from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue, KeylessBase


class SettingChoice(KeylessBase):
    """A value the account's holder chose for one key, in wire form. A key with no row follows
    the policy pack, so a changed default reaches everyone who kept it."""

    __tablename__ = "setting_choice"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)
    chosen_at: Mapped[datetime]


class SettingRequest(Base):
    """A teen's request that a guardian let it choose a value looser than a ``needs_guardian``
    bound: ``pending``, then ``approved`` or ``declined`` (the first decision stands), and an
    approval may later be ``withdrawn``. An approved one is an approval the engine reads."""

    __tablename__ = "setting_request"
    __table_args__ = (Index("ix_setting_request_account_id_status", "account_id", "status"),)

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JsonValue)  # wire form
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[UUID | None] = mapped_column(default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
