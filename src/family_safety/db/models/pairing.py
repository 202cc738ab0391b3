from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue, KeylessBase


class PairingInvitation(Base):
    """A guardian's single-use invitation. Its code is stored only as a hash; its token is not
    stored at all: it is a signed JWT naming this row, re-signed whenever the QR code is drawn."""

    __tablename__ = "pairing_invitation"

    guardian_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    spent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class PairingCodeFailure(Base):
    """A wrong pairing code typed by a teen, counted within a sliding window."""

    __tablename__ = "pairing_code_failure"
    __table_args__ = (Index("ix_pairing_code_failure_teen_at", "teen_id", "at"),)

    teen_id: Mapped[UUID] = mapped_column(GUID, ForeignKey("account.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class LinkStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    ENDED_AT_18 = "ended_at_18"


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
        GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    teen_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=LinkStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    ended_by_id: Mapped[UUID | None] = mapped_column(GUID, default=None)
    limits_version: Mapped[int] = mapped_column(Integer, default=1)


class GuardianLimit(KeylessBase):
    """One guardian's bound on one of the teen's settings, in wire form."""

    __tablename__ = "guardian_limit"

    link_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("guardian_link.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonValue)


class Notification(Base):
    __tablename__ = "notification"

    account_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JsonValue)


class IdempotentRequest(KeylessBase):
    """The first answer to a request sent with an Idempotency-Key, replayed to its retries.

    The answer is encrypted with a key derived from the Idempotency-Key itself, which only the
    client knows: an invitation's code is never readable from the database.
    """

    __tablename__ = "idempotent_request"

    account_id: Mapped[UUID] = mapped_column(
        GUID, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    route: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)  # None: in progress
    sealed_answer: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
