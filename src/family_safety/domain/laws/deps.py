"""The laws' service, handed to handlers."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.laws.services import LawService


def provide_law_service(db_session: DbSession, components: AppComponents) -> LawService:
    return LawService(db_session, components.laws)


LAW_SERVICE = {"law_service": Provide(provide_law_service, sync_to_thread=False)}
LawServiceDep = NamedDependency[SkipValidation[LawService]]
