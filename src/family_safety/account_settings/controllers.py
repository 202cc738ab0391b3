from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, patch
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.account_settings.schemas import EffectiveSettingsOut
from family_safety.account_settings.services import (
    AccountSettingsService,
    SettingsSnapshot,
    etag_matches,
)
from family_safety.auth.middleware import PUBLIC_ROUTE_OPT
from family_safety.clock import utc_now, utc_today
from family_safety.db.models import Account
from family_safety.dependencies import AppComponents
from family_safety.errors import problem_responses
from family_safety.pairing import lifecycle


def _answer(snapshot: SettingsSnapshot) -> Response[dict[str, Any]]:
    return Response(snapshot.to_wire(), headers={"ETag": snapshot.etag})


def _service(db_session: AsyncSession, components: AppComponents) -> AccountSettingsService:
    return AccountSettingsService(db_session, components.pack)


class PolicyController(Controller):
    tags = ["settings"]

    @get(
        "/v1/policy",
        opt={PUBLIC_ROUTE_OPT: True},
        summary="The settings catalogue, the bands, their defaults and gates",
    )
    async def policy(self, components: AppComponents) -> dict[str, Any]:
        return components.pack.describe()


class MySettingsController(Controller):
    path = "/v1/me/settings"
    tags = ["settings"]

    @get(
        summary="My effective settings",
        description="Each value says where it came from and who bounds it. Send `If-None-Match` "
        "with the last `ETag` to get 304 when nothing changed.",
        response_headers=[],
        responses={
            304: ResponseSpec(data_container=None, description="Not modified"),
            **problem_responses(401),
        },
    )
    async def read(
        self,
        current_account: Account,
        db_session: AsyncSession,
        components: AppComponents,
        if_none_match: str | None = Parameter(header="If-None-Match", default=None),
    ) -> Response[EffectiveSettingsOut]:
        now = utc_now()
        if lifecycle.band_change_due(components.pack, current_account, now.date()):
            await lifecycle.catch_up(db_session, components.pack, current_account, now.date(), now)
        snapshot = await _service(db_session, components).snapshot(current_account, now.date())
        if etag_matches(if_none_match, snapshot.etag):
            return Response(
                None, status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": snapshot.etag}
            )
        return _answer(snapshot)

    @patch(
        summary="Choose settings",
        description="`{key: value}`; all apply or none. A value looser than a bound is 403 "
        "`setting-locked`; an unknown key or bad value is 422 (checked first).",
        responses=problem_responses(400, 401, 403, 412, 413, 422),
    )
    async def update(
        self,
        data: dict[str, Any],
        current_account: Account,
        db_session: AsyncSession,
        components: AppComponents,
        if_match: str | None = Parameter(header="If-Match", default=None),
    ) -> Response[EffectiveSettingsOut]:
        service = _service(db_session, components)
        return _answer(await service.update(current_account, data, utc_today(), if_match))

    @delete(
        "/{key:str}",
        status_code=200,
        summary="Forget my choice for a key: it follows the default again",
        responses=problem_responses(401, 412, 422),
    )
    async def reset(
        self,
        key: str,
        current_account: Account,
        db_session: AsyncSession,
        components: AppComponents,
        if_match: str | None = Parameter(header="If-Match", default=None),
    ) -> Response[EffectiveSettingsOut]:
        service = _service(db_session, components)
        return _answer(await service.reset(current_account, key, utc_today(), if_match))
