"""Declarative bases: advanced-alchemy's UUIDv7 keys, UTC datetimes and naming convention."""

from advanced_alchemy.base import DefaultBase, UUIDv7AuditBase, UUIDv7Base
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

Base = UUIDv7Base
AuditedBase = UUIDv7AuditBase
KeylessBase = DefaultBase  # for tables whose primary key is composite
metadata = Base.metadata

__all__ = ["AuditedBase", "Base", "JsonValue", "KeylessBase", "metadata"]

# JSON everywhere, JSONB on PostgreSQL (advanced-alchemy's JsonB does not support SQLAlchemy 2.1).
JsonValue = JSON().with_variant(JSONB(), "postgresql")
