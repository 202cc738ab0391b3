from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel


class AuditActor(BaseModel):
    id: UUID | None
    handle: str | None
    role: Literal["self", "guardian", "system"]


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: AuditActor
    action: str
    changes: dict[str, dict[str, Any]]
    link_id: UUID | None
