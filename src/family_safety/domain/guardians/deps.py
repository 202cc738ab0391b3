from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from family_safety.domain.dependencies import session_service
from family_safety.domain.guardians.limits import LimitsService

LIMITS_SERVICE = session_service("limits_service", LimitsService)
LimitsServiceDep = NamedDependency[SkipValidation[LimitsService]]
