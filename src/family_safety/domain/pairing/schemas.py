from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from family_safety.domain.accounts.schemas import AccountSummary
from family_safety.domain.policy.schemas import SettingKey


class NewInvitation(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvitationCreated(BaseModel):
    id: UUID
    token: str = Field(description="A signed JWT, for the QR code.")
    code: str = Field(description="8 letters as XXXX-XXXX, for typing.", examples=["BCDF-GHJK"])
    expires_at: datetime


class InvitationProof(BaseModel):
    """The invitation as the teen presents it: the QR code's token or the typed code."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["token"],
                    "properties": {"token": {"type": "string"}, "code": {"type": "null"}},
                },
                {
                    "required": ["code"],
                    "properties": {"code": {"type": "string"}, "token": {"type": "null"}},
                },
            ]
        },
    )

    token: Annotated[str | None, Field(max_length=4096)] = None
    code: Annotated[str | None, Field(max_length=32, examples=["bcdf ghjk"])] = None

    @model_validator(mode="after")
    def _exactly_one(self) -> InvitationProof:
        if (self.token is None) == (self.code is None):
            raise ValueError("Send exactly one of token and code.")
        return self


class InvitationPreview(BaseModel):
    guardian: AccountSummary
    expires_at: datetime
    controls: list[SettingKey] = Field(description="Every setting key a guardian may bound.")
