"""Every table, one module per aggregate; Alembic autogenerates from this metadata."""

from family_safety.db.models.accounts import Account, RegistrationAttempt
from family_safety.db.models.age_signals import AgeSignalIssuer, AgeSignalReceipt
from family_safety.db.models.audit import AuditEntry
from family_safety.db.models.auth import RefreshToken, SignInFailure
from family_safety.db.models.base import Base, metadata
from family_safety.db.models.change_feed import ChangeFeedEntry
from family_safety.db.models.idempotency import IdempotentRequest
from family_safety.db.models.invitations import PairingCodeFailure, PairingInvitation
from family_safety.db.models.laws import LawStatusOverride
from family_safety.db.models.links import GuardianLimit, GuardianLink, LinkStatus
from family_safety.db.models.notifications import Notification
from family_safety.db.models.safety import AccountRole, Block, Report
from family_safety.db.models.screen_time import ScreenTimeDay, TimeGrant, TimeRequest
from family_safety.db.models.settings import SettingChoice, SettingRequest
from family_safety.db.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookMessage

__all__ = [
    "Account",
    "AccountRole",
    "AgeSignalIssuer",
    "AgeSignalReceipt",
    "AuditEntry",
    "Base",
    "Block",
    "ChangeFeedEntry",
    "GuardianLimit",
    "GuardianLink",
    "IdempotentRequest",
    "LawStatusOverride",
    "LinkStatus",
    "Notification",
    "PairingCodeFailure",
    "PairingInvitation",
    "RefreshToken",
    "RegistrationAttempt",
    "Report",
    "ScreenTimeDay",
    "SettingChoice",
    "SettingRequest",
    "SignInFailure",
    "TimeGrant",
    "TimeRequest",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
    "metadata",
]
