from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession, session_service
from family_safety.domain.screen_time.grants import GrantService
from family_safety.domain.screen_time.requests import TimeRequestService
from family_safety.domain.screen_time.usage import UsageService


def provide_usage_service(db_session: DbSession, components: AppComponents) -> UsageService:
    return UsageService(db_session, components.pack)


USAGE_SERVICE = {"usage_service": Provide(provide_usage_service, sync_to_thread=False)}
UsageServiceDep = NamedDependency[SkipValidation[UsageService]]
TIME_REQUEST_SERVICE = session_service("time_request_service", TimeRequestService)
TimeRequestServiceDep = NamedDependency[SkipValidation[TimeRequestService]]
GRANT_SERVICE = session_service("grant_service", GrantService)
GrantServiceDep = NamedDependency[SkipValidation[GrantService]]
