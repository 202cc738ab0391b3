"""Declarative bases: advanced-alchemy's UUIDv7 keys, UTC datetimes and naming convention."""

from datetime import datetime

from advanced_alchemy.base import DefaultBase, UUIDv7AuditBase, UUIDv7Base
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

Base = UUIDv7Base
AuditedBase = UUIDv7AuditBase
KeylessBase = DefaultBase  # for tables whose primary key is composite
metadata = Base.metadata

__all__ = ["AuditedBase", "Base", "JsonValue", "KeylessBase", "SingleUse", "metadata"]

# JSON everywhere, JSONB on PostgreSQL (advanced-alchemy's JsonB does not support SQLAlchemy 2.1).
JsonValue = JSON().with_variant(JSONB(), "postgresql")


class SingleUse:
    """The life of a single-use secret's row (a refresh token, a pairing invitation): issued,
    valid until it expires, unless spent or revoked first."""

    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    spent_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
