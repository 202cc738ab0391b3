"""First answers to requests sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import KeylessBase


class IdempotentRequest(KeylessBase):
    """The first answer to a request sent with an Idempotency-Key, replayed to its retries.

    The answer is encrypted with a key derived from the Idempotency-Key itself, which only the
    client knows: an invitation's code is never readable from the database.
    """

    __tablename__ = "idempotent_request"
    # For the retention sweep (domain/retention).
    __table_args__ = (Index("ix_idempotent_request_created_at", "created_at"),)

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    route: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(default=None)  # None: in progress
    sealed_answer: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime]
