"""Wire shapes of setting requests: the teen's ask, a guardian's decision, a request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from family_safety.domain.policy.schemas import SettingKey
from family_safety.domain.requests.schemas import Decision, Note

SettingRequestStatus = Literal["pending", "approved", "declined", "withdrawn"]


class SettingRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: SettingKey
    value: Annotated[
        JsonValue, Field(description="The value asked for, in the setting's wire form.")
    ]
    note: Note = None


class SettingDecisionIn(Decision):
    pass


class SettingRequestOut(msgspec.Struct):
    id: UUID
    key: str
    value: Any
    note: str | None
    status: SettingRequestStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: UUID | None
