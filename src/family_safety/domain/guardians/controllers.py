"""Every guardian-facing path, `/v1/teens/{teen_id}/...`, and `/v1/me/guardians`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, put
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Link
from litestar.params import FromPath, JSONBody

from family_safety.db.account_records import AccountRecord
from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.account_settings.schemas import EffectiveSettingsOut
from family_safety.domain.audit import services as audit
from family_safety.domain.audit.schemas import AuditEntryOut
from family_safety.domain.components import Components
from family_safety.domain.dependencies import (
    OPENAPI_LINKS,
    CurrentAccount,
    DbSession,
    IfMatch,
    IfNoneMatch,
)
from family_safety.domain.guardians.deps import LIMITS_SERVICE, LimitsServiceDep
from family_safety.domain.guardians.limits import limits_etag, replace_limits
from family_safety.domain.guardians.schemas import GuardianControls, Limits
from family_safety.domain.links.access import GUARDED_TEEN, Guarded
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.guards import guardians_only
from family_safety.lib.http_caching import ETAG, unless_unchanged
from family_safety.lib.pagination import Page, RequestedPage, list_route
from family_safety.lib.problems import problem_responses
from family_safety.lib.security.token_cache import AccessGrant

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

NOT_MODIFIED = {304: ResponseSpec(None, description="Not modified: `If-None-Match` names the ETag")}


# The limits just read, or just written, carry the ETag that the next replacement sends.
THEN_REPLACE = {
    200: {
        "ReplaceLimits": Link(
            operation_ref="#/paths/~1v1~1teens~1{teen_id}~1limits/put",
            parameters={
                "teen_id": "$request.path.teen_id",
                "header.If-Match": "$response.header.ETag",
            },
        )
    }
}


def _conditional_get(
    path: str, *, summary: str, **kw: Any
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """A GET of something of a teen's that carries an ``ETag``: 304 for an ``If-None-Match``
    that names it."""
    return get(
        path,
        summary=summary,
        description="Send `If-None-Match` with the last `ETag` to get 304 when nothing changed.",
        responses={**NOT_MODIFIED, **problem_responses(401, 403, 404)},
        response_headers=[ETAG],
        **kw,
    )


class TeenController(Controller):
    """What a linked guardian sees and sets. Teens get 403 (guard); other adults 404 (the
    ``guarded`` dependency, the guardian's active link to this teen)."""

    path = "/v1/teens/{teen_id:uuid}"
    tags = ["limits"]
    guards = [guardians_only]
    dependencies = {**GUARDED_TEEN, **LIMITS_SERVICE, **SETTINGS_SERVICE}

    @_conditional_get(
        "/limits", summary="My limits on this teen", opt={OPENAPI_LINKS: THEN_REPLACE}
    )
    async def read_limits(
        self, guarded: Guarded, limits_service: LimitsServiceDep, if_none_match: IfNoneMatch = None
    ) -> Response[Limits]:
        limits = Limits(limits=await limits_service.limits(guarded))
        return unless_unchanged(limits, limits_etag(guarded.link), if_none_match)

    @put(
        "/limits",
        summary="Replace my limits on this teen",
        description="Needs `If-Match` with the ETag from GET (428 without, 412 when stale). A "
        "limit looser than the age gate is kept and takes effect when the gate lifts.",
        responses=problem_responses(400, 401, 403, 404, 412, 413, 422, 428),
        response_headers=[ETAG],
        opt={OPENAPI_LINKS: THEN_REPLACE},
    )
    async def replace_limits(
        self,
        request: Request[AccountRecord, AccessGrant, State],
        teen_id: FromPath[UUID],
        data: JSONBody[Limits],
        if_match: IfMatch = None,
    ) -> Response[Limits]:
        """A lean write (``db.writes``): no session, no injected dependency; the guardian's
        access to the teen is checked in its transaction."""
        components: Components = request.app.state.components
        replaced = await components.writer.run(
            replace_limits(request.user, teen_id, data.limits, if_match, utc_now())
        )
        return Response(Limits(limits=replaced.limits), headers={"ETag": replaced.etag})

    @_conditional_get("/settings", summary="This teen's effective settings")
    async def teen_settings(
        self,
        guarded: Guarded,
        settings_service: SettingsServiceDep,
        if_none_match: IfNoneMatch = None,
    ) -> Response[EffectiveSettingsOut]:
        snapshot = await settings_service.snapshot(guarded.teen, utc_today())
        return unless_unchanged(snapshot.answer(), snapshot.etag, if_none_match)

    @list_route(
        "/audit",
        summary="A linked teen's audit trail (guardians)",
        problems_of=(401, 403, 404, 422),
    )
    async def teen_audit(
        self, guarded: Guarded, db_session: DbSession, page: RequestedPage
    ) -> Page[AuditEntryOut]:
        return await audit.page_for(
            db_session, guarded.teen.id, page.limit, page.cursor, since_link=guarded.link.id
        )


class MyGuardiansController(Controller):
    tags = ["transparency"]
    dependencies = LIMITS_SERVICE

    @list_route(
        "/v1/me/guardians", summary="Who controls what: each linked guardian and its limits"
    )
    async def mine(
        self, current_account: CurrentAccount, limits_service: LimitsServiceDep, page: RequestedPage
    ) -> Page[GuardianControls]:
        return await limits_service.my_guardians(
            current_account, page.limit, page.cursor, utc_today()
        )
