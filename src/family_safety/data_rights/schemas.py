from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from family_safety.accounts.schemas import OwnAccount
from family_safety.audit.schemas import AuditEntryOut
from family_safety.links.schemas import Link
from family_safety.notifications.schemas import NotificationOut


class ExportedLink(Link):
    limits: dict[str, Any]


class ExportedInvitation(BaseModel):
    id: UUID
    created_at: datetime
    expires_at: datetime
    spent: bool
    revoked: bool


class Export(BaseModel):
    """Everything held about an account, as its holder may take it away."""

    account: OwnAccount
    settings_chosen: dict[str, Any]
    links: list[ExportedLink]
    pairing_invitations: list[ExportedInvitation]
    notifications: list[NotificationOut]
    audit: list[AuditEntryOut]
