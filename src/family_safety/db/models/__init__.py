"""Every table of the service; Alembic autogenerates from this metadata."""

from family_safety.db.models.accounts import Account
from family_safety.db.models.audit import AuditEntry
from family_safety.db.models.auth import RefreshToken, SignInFailure
from family_safety.db.models.base import Base, metadata
from family_safety.db.models.pairing import (
    GuardianLimit,
    GuardianLink,
    IdempotentRequest,
    LinkStatus,
    Notification,
    PairingCodeFailure,
    PairingInvitation,
)
from family_safety.db.models.settings import SettingChoice

__all__ = [
    "Account",
    "AuditEntry",
    "Base",
    "GuardianLimit",
    "GuardianLink",
    "IdempotentRequest",
    "LinkStatus",
    "Notification",
    "PairingCodeFailure",
    "PairingInvitation",
    "RefreshToken",
    "SettingChoice",
    "SignInFailure",
    "metadata",
]
