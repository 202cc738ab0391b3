from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from family_safety.db.account_records import AccountRecord
from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.account_settings.hot_path import Answer, NotModified
from family_safety.domain.account_settings.schemas import (
    EffectiveSettingsOut,
    PolicyOut,
    SettingValuesDict,
    example_answer,
    policy_out,
)
from family_safety.domain.dependencies import (
    AppComponents,
    CurrentAccount,
    IfMatch,
    IfNoneMatch,
    PublicController,
)
from family_safety.domain.policy.pack import load_default_pack
from family_safety.domain.policy.schemas import SettingKey
from family_safety.lib.clock import utc_today
from family_safety.lib.http_caching import ETAG, not_modified
from family_safety.lib.openapi_docs import DocumentedAs, real_answer
from family_safety.lib.problems import problem_responses

JSON = "application/json"
EFFECTIVE_SETTINGS = real_answer(
    EffectiveSettingsOut,
    "Effective settings",
    "A 14-year-old whose guardian limits screen time and turns search off",
    example_answer(load_default_pack()),
)


def _answer(answer: Answer | NotModified) -> Response[bytes]:
    if isinstance(answer, NotModified):
        return not_modified(answer.etag)
    return Response(answer.body, media_type=JSON, headers={"ETag": answer.etag})


class PolicyController(PublicController):
    tags = ["settings"]

    @get(
        "/v1/policy",
        summary="The settings catalogue, the bands, their defaults and gates",
        responses={
            200: real_answer(
                PolicyOut, "The policy", "The default policy", policy_out(load_default_pack())
            )
        },
    )
    async def policy(self, components: AppComponents) -> PolicyOut:
        return policy_out(components.pack)


class MySettingsController(Controller):
    path = "/v1/me/settings"
    tags = ["settings"]
    dependencies = SETTINGS_SERVICE

    @get(
        summary="My effective settings",
        response_headers=[ETAG],
        description="Each value says where it came from and who bounds it. Send `If-None-Match` "
        "with the last `ETag` to get 304 when nothing changed. Client apps call this on every "
        "start: it is served from a per-instance cache while the account's settings version says "
        "the answer is current (each instance hears every change to the account, and reads the "
        "database whenever it may have missed one).",
        responses={
            200: EFFECTIVE_SETTINGS,
            304: ResponseSpec(None, description="Not modified"),
            **problem_responses(401),
        },
    )
    async def read(
        self, request: Request[AccountRecord, Any, Any], if_none_match: IfNoneMatch = None
    ) -> Response[bytes]:
        """The hot path: no dependency is injected (each costs per request)."""
        answers = request.app.state.components.settings_answers
        return _answer(await answers.answer(request.user, utc_today(), if_none_match))

    @patch(
        summary="Choose settings",
        response_headers=[ETAG],
        description="`{key: value}`; all apply or none. A value looser than a bound is 403 "
        "`setting-locked`; an unknown key or bad value is 422 (checked first).",
        responses={
            200: EFFECTIVE_SETTINGS,
            **problem_responses(400, 401, 403, 412, 413, 422),
        },
    )
    async def update(
        self,
        data: JSONBody[SettingValuesDict],
        current_account: CurrentAccount,
        settings_service: SettingsServiceDep,
        components: AppComponents,
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        snapshot = await settings_service.update(current_account, data, utc_today(), if_match)
        return _answer(components.settings_answers.remember(snapshot))

    @delete(
        "/{key:str}",
        response_headers=[ETAG],
        status_code=200,
        summary="Forget my choice for a key: it follows the default again",
        responses={
            200: EFFECTIVE_SETTINGS,
            **problem_responses(401, 412, 422),
        },
    )
    async def reset(
        self,
        key: FromPath[Annotated[str, DocumentedAs(SettingKey)]],
        current_account: CurrentAccount,
        settings_service: SettingsServiceDep,
        components: AppComponents,
        if_match: IfMatch = None,
    ) -> Response[bytes]:
        snapshot = await settings_service.reset(current_account, key, utc_today(), if_match)
        return _answer(components.settings_answers.remember(snapshot))
