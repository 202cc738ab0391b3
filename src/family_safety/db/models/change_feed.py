"""SQLite's change feed (``db.change_feed``): the changes each transaction announced."""

from __future__ import annotations

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import KeylessBase


class ChangeFeedEntry(KeylessBase):
    """One committed transaction's changes (``ChangeBus.notify_payload``), written in that
    transaction. Only SQLite's processes write and read it; on PostgreSQL the same payload
    travels by NOTIFY and this table stays empty."""

    __tablename__ = "change_feed"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    payload: Mapped[str] = mapped_column(Text)
