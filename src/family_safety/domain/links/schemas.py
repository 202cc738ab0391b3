from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from family_safety.domain.accounts.schemas import AccountSummary


class Link(BaseModel):
    id: UUID
    guardian: AccountSummary
    teen: AccountSummary
    status: Literal["active", "ended", "ended_at_18"]
    created_at: datetime
    ended_at: datetime | None
