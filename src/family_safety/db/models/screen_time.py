"""Screen time: each account's used time per local day, teens' requests for more, and grants."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, KeylessBase


class ScreenTimeDay(KeylessBase):
    """One local day of one account's usage: the merged spans of every device
    (``screen_time.intervals.encode``) and the seconds they cover."""

    __tablename__ = "screen_time_day"
    # For the retention sweep (domain/retention).
    __table_args__ = (Index("ix_screen_time_day_day", "day"),)

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    spans: Mapped[bytes] = mapped_column(LargeBinary)
    used_seconds: Mapped[int]


class TimeRequest(Base):
    """A teen's request for more time. A pending request whose ``expires_after`` (the teen's
    local date when it was made) is before the teen's today reads as expired."""

    __tablename__ = "time_request"
    __table_args__ = (
        Index("ix_time_request_account_id_status", "account_id", "status"),
        Index("ix_time_request_created_at", "created_at"),  # retention's sweep (domain/retention)
    )

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_after: Mapped[date]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[UUID | None] = mapped_column(default=None)
    granted_minutes: Mapped[int | None] = mapped_column(default=None)


class TimeGrant(Base):
    """A guardian's grant of time: ``extra_time`` minutes on ``day``, or time away lifted from
    ``starts`` until ``until``."""

    __tablename__ = "time_grant"
    __table_args__ = (
        Index("ix_time_grant_account_id_day", "account_id", "day"),
        Index("ix_time_grant_until", "until"),  # retention's sweep (domain/retention)
    )

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int]
    day: Mapped[date]
    starts: Mapped[datetime]
    until: Mapped[datetime]
    granted_by: Mapped[UUID]
    note: Mapped[str | None] = mapped_column(String(200), default=None)
    request_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("time_request.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
