"""What the pages are given beyond the services' own ``deps``: the signed-in page account
(session.py) and a guardian's overview of one teen."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.account_settings.deps import SETTINGS_SERVICE, SettingsServiceDep
from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.family_center.teen_overview import TeenOverview
from family_safety.domain.guardians.deps import LIMITS_SERVICE, LimitsServiceDep
from family_safety.domain.screen_time.deps import SCREEN_TIME_SERVICE, ScreenTimeServiceDep


def provide_teen_overview(
    components: AppComponents,
    db_session: DbSession,
    settings_service: SettingsServiceDep,
    limits_service: LimitsServiceDep,
    screen_time_service: ScreenTimeServiceDep,
) -> TeenOverview:
    return TeenOverview(
        components, db_session, settings_service, limits_service, screen_time_service
    )


TEEN_OVERVIEW = {
    **SETTINGS_SERVICE,
    **LIMITS_SERVICE,
    **SCREEN_TIME_SERVICE,
    "teen_overview": Provide(provide_teen_overview, sync_to_thread=False),
}
"""The overview, with the services it reads (a dependency comes with its own dependencies)."""
TeenOverviewDep = NamedDependency[SkipValidation[TeenOverview]]
