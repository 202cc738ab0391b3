from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from family_safety.domain.notifications.kinds import NotificationKind


class NotificationOut(BaseModel):
    id: UUID
    kind: NotificationKind
    created_at: datetime
    data: dict[str, Any]
