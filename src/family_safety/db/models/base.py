"""Declarative base: advanced-alchemy's UUIDv7 keys, UTC datetimes and naming convention."""

from advanced_alchemy.base import UUIDv7AuditBase, UUIDv7Base

Base = UUIDv7Base
AuditedBase = UUIDv7AuditBase
metadata = Base.metadata

__all__ = ["AuditedBase", "Base", "metadata"]
