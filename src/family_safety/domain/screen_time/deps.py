from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from family_safety.domain.dependencies import (
    pack_service,
    session_service,
)
from family_safety.domain.screen_time.grants import GrantService
from family_safety.domain.screen_time.requests import TimeRequestService
from family_safety.domain.screen_time.usage import UsageService

USAGE_SERVICE = pack_service("usage_service", UsageService)
UsageServiceDep = NamedDependency[SkipValidation[UsageService]]
TIME_REQUEST_SERVICE = session_service("time_request_service", TimeRequestService)
TimeRequestServiceDep = NamedDependency[SkipValidation[TimeRequestService]]
GRANT_SERVICE = session_service("grant_service", GrantService)
GrantServiceDep = NamedDependency[SkipValidation[GrantService]]
