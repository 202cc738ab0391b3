"""Guardian links and the limits each carries: one aggregate."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import ColumnElement, ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue, KeylessBase


class LinkStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    ENDED_AT_18 = "ended_at_18"


# The values the status column holds, as the wire names them (family_safety.domain.links.schemas).
LinkStatusValue = Literal["active", "ended", "ended_at_18"]


class GuardianLink(Base):
    """A guardian and a teen, linked by the teen's consent."""

    __tablename__ = "guardian_link"
    __table_args__ = (
        # One live link per pair; ended links stay for the record.
        Index(
            "uq_guardian_link_active_pair",
            "guardian_id",
            "teen_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    guardian_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    teen_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    status: Mapped[LinkStatusValue] = mapped_column(String(16), default=LinkStatus.ACTIVE.value)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_by_id: Mapped[UUID | None] = mapped_column(default=None)
    limits_version: Mapped[int] = mapped_column(default=1)
    # The teen's 18th birthday: from that day on the link is no longer active, whatever has or has
    # not been written about it yet (see family_safety.domain.ages.birthdays).
    ends_on: Mapped[date]

    @classmethod
    def active_on(cls, today: date | ColumnElement[date]) -> ColumnElement[bool]:
        """The one definition of an active link, for every query that needs one (today: a date,
        or a bound parameter holding one)."""
        return and_(cls.status == LinkStatus.ACTIVE.value, cls.ends_on > today)

    def is_active_on(self, today: date) -> bool:
        return self.status == LinkStatus.ACTIVE.value and self.ends_on > today


class GuardianLimit(KeylessBase):
    """One guardian's bound on one of the teen's settings, in wire form."""

    __tablename__ = "guardian_limit"

    link_id: Mapped[UUID] = mapped_column(
        ForeignKey("guardian_link.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)
