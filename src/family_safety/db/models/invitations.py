"""Pairing invitations, and wrong codes typed while redeeming them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, SingleUse


class PairingInvitation(SingleUse, Base):
    """A guardian's single-use invitation. Its code is stored only as a hash; its token is not
    stored at all: it is a signed JWT naming this row, re-signed whenever the QR code is drawn."""

    __tablename__ = "pairing_invitation"
    # For the retention sweep (domain/retention).
    __table_args__ = (Index("ix_pairing_invitation_expires_at", "expires_at"),)

    guardian_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class PairingCodeFailure(Base):
    """A wrong pairing code typed by a teen, counted within a sliding window."""

    __tablename__ = "pairing_code_failure"
    __table_args__ = (
        Index("ix_pairing_code_failure_teen_at", "teen_id", "at"),
        Index("ix_pairing_code_failure_at", "at"),  # retention's sweep (domain/retention)
    )

    teen_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    at: Mapped[datetime]
