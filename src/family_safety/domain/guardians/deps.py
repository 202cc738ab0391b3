from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import DbSession
from family_safety.domain.guardians.limits import LimitsService


def provide_limits_service(db_session: DbSession) -> LimitsService:
    return LimitsService(db_session)


LIMITS_SERVICE = {"limits_service": Provide(provide_limits_service, sync_to_thread=False)}
LimitsServiceDep = NamedDependency[SkipValidation[LimitsService]]
