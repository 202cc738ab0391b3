from __future__ import annotations

from litestar import Controller, get

from family_safety.domain.dependencies import CurrentAccount, DbSession
from family_safety.domain.notifications import services
from family_safety.domain.notifications.schemas import NotificationOut
from family_safety.lib.pagination import CURSOR_SCOPE, DEFAULT_LIMIT, Cursor, Limit, Page
from family_safety.lib.problems import problem_responses


class NotificationController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/notifications",
        summary="My notifications, oldest first",
        responses=problem_responses(401, 422),
        middleware=CURSOR_SCOPE,
    )
    async def mine(
        self,
        current_account: CurrentAccount,
        db_session: DbSession,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[NotificationOut]:
        page = await services.page_for(db_session, current_account.id, limit, cursor)
        return Page(
            items=[
                NotificationOut(id=n.id, kind=n.kind, created_at=n.created_at, data=n.data)
                for n in page.items
            ],
            next_cursor=page.next_cursor,
        )
