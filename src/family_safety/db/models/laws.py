"""Laws' statuses as operational data: staff change a law's status (``PATCH /v1/laws/{id}``);
the law itself ships as a pack file (``domain/policy/packs/laws``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import KeylessBase


class LawStatusOverride(KeylessBase):
    """The status in force of one law, where staff changed it from the shipped one: the last
    change wins (each change is also an audit entry of the staff account that made it)."""

    __tablename__ = "law_status"

    law_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime]
    changed_by: Mapped[UUID | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), default=None
    )
