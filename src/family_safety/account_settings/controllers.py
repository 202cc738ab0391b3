from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, patch
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from family_safety.account_settings.schemas import EffectiveSettingsOut
from family_safety.account_settings.services import (
    AccountSettingsService,
    SettingsAnswer,
    etag_matches,
    read_answer,
    settings_etag,
)
from family_safety.accounts.records import load_account_record
from family_safety.auth.middleware import PUBLIC_ROUTE_OPT
from family_safety.clock import utc_now, utc_today
from family_safety.dependencies import (
    AppComponents,
    CurrentAccount,
    DbSession,
    IfMatch,
    IfNoneMatch,
    request_session,
)
from family_safety.errors import problem_responses
from family_safety.openapi import ETAG
from family_safety.pairing import lifecycle

JSON = "application/json"


def _answer(answer: SettingsAnswer) -> Response[bytes]:
    return Response(answer.body, media_type=JSON, headers={"ETag": answer.etag})


def _service(db_session: DbSession, components: AppComponents) -> AccountSettingsService:
    return AccountSettingsService(db_session, components.pack, components.settings_answers)


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
        response_headers=[ETAG],
        description="Each value says where it came from and who bounds it. Send `If-None-Match` "
        "with the last `ETag` to get 304 when nothing changed. Client apps call this on every "
        "start: it is served from a per-instance cache while the account's settings version, "
        "read from the database on every request, says the answer is current.",
        responses={
            200: ResponseSpec(EffectiveSettingsOut, description="Effective settings"),
            304: ResponseSpec(None, description="Not modified"),
            **problem_responses(401),
        },
    )
    async def read(
        self,
        request: Request,
        current_account: CurrentAccount,
        components: AppComponents,
        if_none_match: IfNoneMatch = None,
    ) -> Response[bytes]:
        """The hot path: one read of the account (by the authentication middleware), then the
        answer from the ETag alone (304), or from the cache, or from two more reads."""
        now = utc_now()
        pack, account = components.pack, current_account
        if lifecycle.band_change_due(pack, account, now.date()) and await lifecycle.catch_up(
            request_session(request), pack, account, now.date(), now
        ):
            account = await load_account_record(components.reader, account.id) or account
        band = pack.band_for(account.birthdate, now.date())
        etag = settings_etag(pack, account.id, account.settings_version, band)
        if etag_matches(if_none_match, etag):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        body = components.settings_answers.get(account.id, etag)
        if body is None:
            body = await read_answer(components.reader, pack, account, now.date())
            components.settings_answers.put(account.id, etag, body)
        return Response(body, media_type=JSON, headers={"ETag": etag})

    @patch(
        summary="Choose settings",
        response_headers=[ETAG],
        description="`{key: value}`; all apply or none. A value looser than a bound is 403 "
        "`setting-locked`; an unknown key or bad value is 422 (checked first).",
        responses={
            200: ResponseSpec(EffectiveSettingsOut, description="Effective settings"),
            **problem_responses(400, 401, 403, 412, 413, 422),
        },
    )
    async def update(
        self,
        data: JSONBody[dict[str, Any]],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        service = _service(db_session, components)
        snapshot = await service.update(current_account, data, utc_today(), if_match)
        return _answer(service.remember(snapshot))

    @delete(
        "/{key:str}",
        response_headers=[ETAG],
        status_code=200,
        summary="Forget my choice for a key: it follows the default again",
        responses={
            200: ResponseSpec(EffectiveSettingsOut, description="Effective settings"),
            **problem_responses(401, 412, 422),
        },
    )
    async def reset(
        self,
        key: FromPath[str],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        service = _service(db_session, components)
        snapshot = await service.reset(current_account, key, utc_today(), if_match)
        return _answer(service.remember(snapshot))
