from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.screen_time.services import ScreenTimeService


def provide_screen_time_service(
    db_session: DbSession, components: AppComponents
) -> ScreenTimeService:
    return ScreenTimeService(db_session, components.pack)


SCREEN_TIME_SERVICE = {
    "screen_time_service": Provide(provide_screen_time_service, sync_to_thread=False)
}
ScreenTimeServiceDep = NamedDependency[SkipValidation[ScreenTimeService]]
