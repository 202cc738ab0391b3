from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, SingleUse


class RefreshToken(SingleUse, Base):
    """One opaque refresh token, stored as a SHA-256 hash. Tokens of one sign-in share a family."""

    __tablename__ = "refresh_token"
    # For the retention sweep (domain/retention).
    __table_args__ = (Index("ix_refresh_token_expires_at", "expires_at"),)

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    family_id: Mapped[UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)


class SignInFailure(Base):
    """A failed sign-in, counted per handle (hashed: a mistyped password
    in the handle field must not be stored) and per client address, within a sliding window;
    and per device token when the client sent a valid one for that handle."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_handle_at", "handle_digest", "at"),
        Index("ix_sign_in_failure_address_at", "client_address", "at"),
        Index("ix_sign_in_failure_device_at", "device_digest", "at"),
        Index("ix_sign_in_failure_at", "at"),
    )

    handle_digest: Mapped[str] = mapped_column(String(64))
    client_address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    device_digest: Mapped[str | None] = mapped_column(String(64), default=None)
