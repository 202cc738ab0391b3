from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.clock import utc_now
from family_safety.db.models import Account
from family_safety.dependencies import AppComponents
from family_safety.errors import problem_responses
from family_safety.notifications import services
from family_safety.pagination import Cursor, Limit, Page
from family_safety.pairing import lifecycle


class NotificationOut(BaseModel):
    id: UUID
    kind: str
    created_at: datetime
    data: dict[str, Any]


class NotificationController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/notifications",
        summary="My notifications, oldest first",
        responses=problem_responses(401, 422),
    )
    async def mine(
        self,
        current_account: Account,
        db_session: AsyncSession,
        components: AppComponents,
        limit: Limit,
        cursor: Cursor,
    ) -> Page[NotificationOut]:
        now = utc_now()
        await lifecycle.catch_up(db_session, components.pack, current_account, now.date(), now)
        page = await services.page_for(db_session, current_account.id, limit, cursor)
        return Page(
            items=[
                NotificationOut(id=n.id, kind=n.kind, created_at=n.created_at, data=n.data)
                for n in page.items
            ],
            next_cursor=page.next_cursor,
        )
