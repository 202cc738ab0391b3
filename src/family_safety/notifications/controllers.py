from __future__ import annotations

from litestar import Controller, get

from family_safety.clock import utc_now
from family_safety.dependencies import AppComponents, CurrentAccount, DbSession
from family_safety.errors import problem_responses
from family_safety.notifications import services
from family_safety.notifications.schemas import NotificationOut
from family_safety.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from family_safety.pairing import lifecycle


class NotificationController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/notifications",
        summary="My notifications, oldest first",
        responses=problem_responses(401, 422),
    )
    async def mine(
        self,
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
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
