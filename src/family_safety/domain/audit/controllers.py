from __future__ import annotations

from litestar import Controller

from family_safety.domain.audit import services
from family_safety.domain.audit.schemas import AuditEntryOut
from family_safety.domain.dependencies import DbSession
from family_safety.lib.pagination import Page, RequestedPage, list_route


class AuditController(Controller):
    tags = ["transparency"]

    @list_route("/v1/me/audit", summary="Every change to my settings, limits and links")
    async def mine(self, db_session: DbSession, page: RequestedPage) -> Page[AuditEntryOut]:
        return await services.page_for(db_session, page.account_id, page.limit, page.cursor)
