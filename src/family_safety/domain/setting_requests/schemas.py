"""Wire shapes of setting requests: the teen's ask, a guardian's decision, a request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from family_safety.domain.policy.schemas import SettingKey
from family_safety.lib.text import FreeText

SettingRequestStatus = Literal["pending", "approved", "declined", "withdrawn"]

Note = Annotated[
    FreeText | None,
    Field(min_length=1, max_length=200, description="Free text; nothing invisible or hidden."),
]


class SettingRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: SettingKey
    value: Annotated[
        JsonValue, Field(description="The value asked for, in the setting's wire form.")
    ]
    note: Note = None


class SettingDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool


class SettingRequestOut(msgspec.Struct):
    id: UUID
    key: str
    value: Any
    note: str | None
    status: SettingRequestStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: UUID | None
