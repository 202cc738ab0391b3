from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.screen_time.grants import GrantService
from family_safety.domain.screen_time.requests import TimeRequestService
from family_safety.domain.screen_time.usage import UsageService


def provide_usage_service(db_session: DbSession, components: AppComponents) -> UsageService:
    return UsageService(db_session, components.pack)


def provide_time_request_service(db_session: DbSession) -> TimeRequestService:
    return TimeRequestService(db_session)


def provide_grant_service(db_session: DbSession) -> GrantService:
    return GrantService(db_session)


USAGE_SERVICE = {"usage_service": Provide(provide_usage_service, sync_to_thread=False)}
UsageServiceDep = NamedDependency[SkipValidation[UsageService]]
TIME_REQUEST_SERVICE = {
    "time_request_service": Provide(provide_time_request_service, sync_to_thread=False)
}
TimeRequestServiceDep = NamedDependency[SkipValidation[TimeRequestService]]
GRANT_SERVICE = {"grant_service": Provide(provide_grant_service, sync_to_thread=False)}
GrantServiceDep = NamedDependency[SkipValidation[GrantService]]
