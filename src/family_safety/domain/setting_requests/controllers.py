"""Setting request routes: the teen's own (`/v1/me/setting-requests`) and a linked guardian's
(`/v1/teens/{teen_id}/setting-requests`). Teens get 403 on a guardian's routes (guard); other
adults 404 (the ``guarded`` dependency)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from family_safety.domain.dependencies import CurrentAccount
from family_safety.domain.links.access import GUARDED_TEEN, Guarded
from family_safety.domain.requests.routes import ask_route, decision_route
from family_safety.domain.setting_requests.deps import (
    SETTING_REQUEST_SERVICE,
    SettingRequestServiceDep,
)
from family_safety.domain.setting_requests.schemas import (
    SettingDecisionIn,
    SettingRequestIn,
    SettingRequestOut,
)
from family_safety.lib.clock import utc_now
from family_safety.lib.guards import guardians_only
from family_safety.lib.pagination import Page, RequestedPage, list_route
from family_safety.lib.problems import problem_responses


class _SettingRequestsController(Controller):
    tags = ["setting requests"]


class MySettingRequestsController(_SettingRequestsController):
    path = "/v1/me/setting-requests"
    dependencies = SETTING_REQUEST_SERVICE

    @ask_route(
        summary="Ask my guardians for a value looser than I may choose alone (teens, 13-17)",
        description="`value` must be looser than the key's `needs_guardian` bound and break no "
        "gate or guardian limit (else 422); 409 `no-guardian` without a linked guardian. Each "
        "linked guardian gets `setting_request.created`.",
    )
    async def ask(
        self,
        data: JSONBody[SettingRequestIn],
        current_account: CurrentAccount,
        setting_request_service: SettingRequestServiceDep,
    ) -> SettingRequestOut:
        return await setting_request_service.ask(
            current_account, str(data.key), data.value, data.note, utc_now()
        )

    @list_route(summary="My setting requests, oldest first")
    async def mine(
        self,
        current_account: CurrentAccount,
        setting_request_service: SettingRequestServiceDep,
        page: RequestedPage,
    ) -> Page[SettingRequestOut]:
        return await setting_request_service.requests(
            current_account, page.limit, page.cursor, utc_now()
        )


class TeenSettingRequestsController(_SettingRequestsController):
    path = "/v1/teens/{teen_id:uuid}/setting-requests"
    guards = [guardians_only]
    dependencies = {**GUARDED_TEEN, **SETTING_REQUEST_SERVICE}

    @list_route(
        summary="This teen's setting requests, oldest first", problems_of=(401, 403, 404, 422)
    )
    async def requests(
        self,
        guarded: Guarded,
        setting_request_service: SettingRequestServiceDep,
        page: RequestedPage,
    ) -> Page[SettingRequestOut]:
        return await setting_request_service.requests(
            guarded.teen, page.limit, page.cursor, utc_now()
        )

    @decision_route(
        summary="Approve or decline a setting request",
        description="The first decision stands: 409 `already-decided` after it. Approving sets "
        "the teen's choice to the value at once; it shows in `bound.set_by` as "
        "`guardian_approval`. The teen gets `setting_request.decided`.",
    )
    async def decide(
        self,
        request_id: FromPath[UUID],
        data: JSONBody[SettingDecisionIn],
        current_account: CurrentAccount,
        guarded: Guarded,
        setting_request_service: SettingRequestServiceDep,
    ) -> SettingRequestOut:
        return await setting_request_service.decide(
            current_account,
            guarded.teen,
            guarded.link.id,
            request_id,
            approve=data.approve,
            now=utc_now(),
        )

    @delete(
        "/{request_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Withdraw an approval",
        description="The value returns to the `needs_guardian` bound; the teen gets "
        "`setting_request.withdrawn`. 404 for a request never approved.",
        responses=problem_responses(401, 403, 404),
    )
    async def withdraw(
        self,
        request_id: FromPath[UUID],
        current_account: CurrentAccount,
        guarded: Guarded,
        setting_request_service: SettingRequestServiceDep,
    ) -> None:
        await setting_request_service.withdraw(
            current_account, guarded.teen, guarded.link.id, request_id, utc_now()
        )
