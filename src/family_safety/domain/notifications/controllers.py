from __future__ import annotations

from typing import cast

from litestar import Controller

from family_safety.domain.dependencies import DbSession
from family_safety.domain.notifications import services
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.schemas import NotificationOut
from family_safety.lib.pagination import Page, RequestedPage, list_route


class NotificationController(Controller):
    tags = ["transparency"]

    @list_route("/v1/me/notifications", summary="My notifications, oldest first")
    async def mine(self, db_session: DbSession, page: RequestedPage) -> Page[NotificationOut]:
        rows = await services.page_for(db_session, page.account_id, page.limit, page.cursor)
        # The stored kind is a plain str; the pydantic model reads it as a NotificationKind.
        return rows.map(
            lambda n: NotificationOut(
                id=n.id, kind=cast("NotificationKind", n.kind), created_at=n.created_at, data=n.data
            )
        )
