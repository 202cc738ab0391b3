"""What happened to an account that it should hear about."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue


class Notification(Base):
    __tablename__ = "notification"
    # For the retention sweep (domain/retention).
    __table_args__ = (Index("ix_notification_created_at", "created_at"),)

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(JsonValue)
