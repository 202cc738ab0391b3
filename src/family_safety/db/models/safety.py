"""Safety: reports (with their evidence), blocks between accounts, and operator-granted roles.

Three aggregates of one capability. A report outlives its reporter: when the reporter's account
is deleted, ``reporter_id`` becomes null (ON DELETE SET NULL) and the report stays for staff,
anonymised. Blocks and roles go with either account (ON DELETE CASCADE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue, KeylessBase


class Report(Base):
    """A report of an account, content, comment, message or live, by one account."""

    __tablename__ = "report"
    __table_args__ = (
        # The staff queue: most urgent first, oldest first within each priority.
        Index("ix_report_queue", "priority_rank", "created_at"),
        # A reporter's own reports, duplicates within 24 hours and the hourly limit.
        Index("ix_report_reporter_created", "reporter_id", "created_at"),
        # Closed reports past their retention period (domain/retention).
        Index("ix_report_status_updated", "status", "updated_at"),
    )

    reporter_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), nullable=True
    )
    category: Mapped[str] = mapped_column(String(64))
    subject: Mapped[dict[str, Any]] = mapped_column(JsonValue)
    # A digest of the subject, for finding the same report again within 24 hours.
    subject_key: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JsonValue)
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    priority_rank: Mapped[int]  # 0 urgent, 1 high, 2 normal
    next_steps: Mapped[list[dict[str, Any]]] = mapped_column(JsonValue)
    tells_guardians: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_status: Mapped[str | None] = mapped_column(String(16), default=None)
    resolution: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Block(Base):
    """One account blocking another; the id (UUIDv7) orders a blocker's blocks, oldest first."""

    __tablename__ = "block"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    blocker_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    blocked_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]


class AccountRole(KeylessBase):
    """A role an operator granted an account: ``staff`` or ``partner``."""

    __tablename__ = "account_role"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime]
