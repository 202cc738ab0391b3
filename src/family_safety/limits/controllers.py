from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, put
from litestar.openapi.spec import Link
from litestar.params import FromPath, JSONBody

from family_safety.account_settings.schemas import EffectiveSettingsOut
from family_safety.clock import utc_now
from family_safety.dependencies import AppComponents, CurrentAccount, DbSession, IfMatch
from family_safety.errors import problem_responses
from family_safety.guards import guardians_only
from family_safety.limits.schemas import GuardianControls, Limits
from family_safety.limits.services import LimitsService, limits_etag
from family_safety.openapi import ETAG, OPENAPI_LINKS
from family_safety.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from family_safety.pairing import lifecycle


def _service(db_session: DbSession, components: AppComponents) -> LimitsService:
    return LimitsService(db_session, components.pack)


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


class TeenController(Controller):
    """What a linked guardian sees and sets. Teens get 403; other adults 404."""

    path = "/v1/teens/{teen_id:uuid}"
    tags = ["limits"]
    guards = [guardians_only]

    @get(
        "/limits",
        summary="My limits on this teen",
        responses=problem_responses(401, 403, 404),
        response_headers=[ETAG],
        opt={OPENAPI_LINKS: THEN_REPLACE},
    )
    async def read_limits(
        self,
        teen_id: FromPath[UUID],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
    ) -> Response[Limits]:
        now = utc_now()
        service = _service(db_session, components)
        guarded = await service.guarded_teen(current_account, teen_id, now.date(), now)
        limits = Limits(limits=await service.limits(guarded))
        return Response(limits, headers={"ETag": limits_etag(guarded.link)})

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
        teen_id: FromPath[UUID],
        data: JSONBody[Limits],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        if_match: IfMatch = None,
    ) -> Response[Limits]:
        now = utc_now()
        service = _service(db_session, components)
        guarded = await service.guarded_teen(current_account, teen_id, now.date(), now)
        limits = await service.replace(current_account, guarded, data.limits, if_match, now)
        return Response(Limits(limits=limits), headers={"ETag": limits_etag(guarded.link)})

    @get(
        "/settings",
        summary="This teen's effective settings",
        responses=problem_responses(401, 403, 404),
        response_headers=[ETAG],
    )
    async def teen_settings(
        self,
        teen_id: FromPath[UUID],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
    ) -> Response[EffectiveSettingsOut]:
        now = utc_now()
        service = _service(db_session, components)
        guarded = await service.guarded_teen(current_account, teen_id, now.date(), now)
        snapshot = await service.teen_settings(guarded, now.date())
        return Response(snapshot.to_wire(), headers={"ETag": snapshot.etag})


class MyGuardiansController(Controller):
    tags = ["transparency"]

    @get(
        "/v1/me/guardians",
        summary="Who controls what: each linked guardian and its limits",
        responses=problem_responses(401, 422),
    )
    async def mine(
        self,
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[GuardianControls]:
        now = utc_now()
        await lifecycle.catch_up(db_session, components.pack, current_account, now.date(), now)
        return await _service(db_session, components).my_guardians(current_account, limit, cursor)
