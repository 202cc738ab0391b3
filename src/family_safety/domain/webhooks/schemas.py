"""Wire shapes of webhooks: endpoints (with their secret only when it is new), secrets and
deliveries (API.md, "Webhooks")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from family_safety.lib.text import FreeText

EventName = Literal[
    "settings.changed",
    "link.created",
    "link.ended",
    "time_request.created",
    "time_request.decided",
    "report.filed",
    "age_band.changed",
    "account.held",
    "account.released",
    "account.deleted",
]
EndpointState = Literal["active", "disabled"]
DeliveryState = Literal["pending", "delivered", "failed"]


class NewEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    events: Annotated[list[EventName], Field(min_length=1, max_length=10)]
    description: Annotated[FreeText, Field(max_length=500)] | None = None


class EndpointOut(BaseModel):
    id: UUID
    url: str
    events: list[EventName]
    description: str | None
    state: EndpointState
    created_at: datetime


class NewEndpointOut(EndpointOut):
    """The endpoint as made, with its secret: shown this once."""

    secret: str = Field(description="`whsec_` and the base64 of 32 random bytes.")


class SecretOut(BaseModel):
    secret: str = Field(
        description="The new secret; the previous one signs beside it for 24 hours."
    )


class DeliveryOut(BaseModel):
    id: UUID
    message_id: UUID
    type: EventName
    state: DeliveryState
    attempts: int
    last_status: int | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
