from __future__ import annotations

from uuid import UUID

from litestar import Controller, get
from litestar.params import FromPath

from family_safety.audit import services
from family_safety.audit.schemas import AuditEntryOut
from family_safety.clock import utc_now
from family_safety.dependencies import AppComponents, CurrentAccount, DbSession
from family_safety.errors import problem_responses
from family_safety.guards import guardians_only
from family_safety.limits.services import LimitsService
from family_safety.pagination import DEFAULT_LIMIT, Cursor, Limit, Page


class AuditController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/audit",
        summary="Every change to my settings, limits and links",
        responses=problem_responses(401, 422),
    )
    async def mine(
        self,
        current_account: CurrentAccount,
        db_session: DbSession,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[AuditEntryOut]:
        return await services.page_for(db_session, current_account.id, limit, cursor)

    @get(
        "/v1/teens/{teen_id:uuid}/audit",
        guards=[guardians_only],
        summary="A linked teen's audit trail (guardians)",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def teens(
        self,
        teen_id: FromPath[UUID],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[AuditEntryOut]:
        now = utc_now()
        limits = LimitsService(db_session, components.pack)
        guarded = await limits.guarded_teen(current_account, teen_id, now.date(), now)
        return await services.page_for(db_session, guarded.teen.id, limit, cursor)
