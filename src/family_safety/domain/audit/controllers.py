from __future__ import annotations

from litestar import Controller, get

from family_safety.domain.audit import services
from family_safety.domain.audit.schemas import AuditEntryOut
from family_safety.domain.dependencies import CurrentAccount, DbSession
from family_safety.lib.pagination import CURSOR_SCOPE, DEFAULT_LIMIT, Cursor, Limit, Page
from family_safety.lib.problems import problem_responses


class AuditController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/audit",
        summary="Every change to my settings, limits and links",
        responses=problem_responses(401, 422),
        middleware=CURSOR_SCOPE,
    )
    async def mine(
        self,
        current_account: CurrentAccount,
        db_session: DbSession,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[AuditEntryOut]:
        return await services.page_for(db_session, current_account.id, limit, cursor)
