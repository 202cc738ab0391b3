from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue


class AuditEntry(Base):
    """One change to an account's settings, limits or links, hash-chained per account.

    The hashed payload holds ids, the action and setting values, never personal data such as
    handles, so erasing an account's personal data leaves the chain verifiable.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("account_id", "seq"),)

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    seq: Mapped[int]
    at: Mapped[datetime]
    actor_id: Mapped[UUID | None] = mapped_column(default=None)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonValue)
    link_id: Mapped[UUID | None] = mapped_column(default=None)
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))
