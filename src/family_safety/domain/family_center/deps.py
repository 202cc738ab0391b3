"""What the pages are given beyond the services' own ``deps``: the visit of a signed-in account
(its request, its account from session.py, the components), the teen of a guardian's page and a
guardian's overview of one teen."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.family_center.pages import Visit
from family_safety.domain.family_center.session import PAGE_ACCOUNT, PageAccount
from family_safety.domain.family_center.teen_overview import TeenOverview
from family_safety.domain.guardians.deps import LIMITS_SERVICE, LimitsServiceDep
from family_safety.domain.links.access import GuardedTeen, guarded_teen
from family_safety.domain.screen_time.deps import (
    TIME_REQUEST_SERVICE,
    USAGE_SERVICE,
    TimeRequestServiceDep,
    UsageServiceDep,
)
from family_safety.domain.setting_requests.deps import (
    SETTING_REQUEST_SERVICE,
    SettingRequestServiceDep,
)


def provide_visit(
    request: Request[Any, Any, Any], page_account: PageAccount, components: AppComponents
) -> Visit:
    return Visit(request, page_account, components)


VISIT = {**PAGE_ACCOUNT, "visit": Provide(provide_visit, sync_to_thread=False)}
"""On every page's router: a handler that takes ``visit`` is for signed-in accounts only."""
VisitDep = NamedDependency[SkipValidation[Visit]]


async def provide_guarded_teen(
    teen_id: FromPath[UUID], visit: VisitDep, db_session: DbSession
) -> GuardedTeen:
    return await guarded_teen(db_session, visit.account.id, teen_id)


GUARDED_TEEN = {"guarded": Provide(provide_guarded_teen)}
"""The teen of a guardian's page (``/teens/{teen_id}...``): this guardian's active link to them,
as every /v1/teens/{id} path checks it (404 alike for no such teen and another's teen)."""


def provide_teen_overview(
    db_session: DbSession,
    settings_service: SettingsServiceDep,
    limits_service: LimitsServiceDep,
    usage_service: UsageServiceDep,
    time_request_service: TimeRequestServiceDep,
    setting_request_service: SettingRequestServiceDep,
) -> TeenOverview:
    return TeenOverview(
        db_session,
        settings_service,
        limits_service,
        usage_service,
        time_request_service,
        setting_request_service,
    )


TEEN_OVERVIEW = {
    **SETTINGS_SERVICE,
    **LIMITS_SERVICE,
    **USAGE_SERVICE,
    **TIME_REQUEST_SERVICE,
    **SETTING_REQUEST_SERVICE,
    "teen_overview": Provide(provide_teen_overview, sync_to_thread=False),
}
"""The overview, with the services it reads (a dependency comes with its own dependencies)."""
TeenOverviewDep = NamedDependency[SkipValidation[TeenOverview]]
