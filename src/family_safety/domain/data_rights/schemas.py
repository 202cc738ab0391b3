from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from family_safety.domain.account_settings.schemas import SettingValuesDict
from family_safety.domain.accounts.schemas import OwnAccount
from family_safety.domain.audit.schemas import AuditEntryOut
from family_safety.domain.links.schemas import Link
from family_safety.domain.notifications.schemas import NotificationOut
from family_safety.domain.safety.schemas import BlockOut, ReportOut


class ExportedLink(Link):
    limits: SettingValuesDict


class ExportedInvitation(BaseModel):
    id: UUID
    created_at: datetime
    expires_at: datetime
    spent: bool
    revoked: bool


class Export(BaseModel):
    """Everything held about an account, as its holder may take it away."""

    account: OwnAccount
    settings_chosen: SettingValuesDict
    links: list[ExportedLink]
    pairing_invitations: list[ExportedInvitation]
    notifications: list[NotificationOut]
    audit: list[AuditEntryOut]
    reports: list[ReportOut] = Field(description="The reports this account filed, with evidence.")
    blocks: list[BlockOut] = Field(description="The accounts this account blocks.")
    roles: list[str] = Field(description="Roles an operator granted: `staff`, `partner`.")
    setting_requests: list[dict[str, Any]] = Field(
        description="The setting requests this account made, as `GET /v1/me/setting-requests` "
        "answers them."
    )
    screen_time: dict[str, list[dict[str, Any]]] = Field(
        description="`days` (`{date, used_minutes}` of each local day with reported use), "
        "`time_requests` and `time_grants`, as the screen-time routes answer them."
    )
