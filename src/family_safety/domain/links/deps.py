from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.links.services import LinkService


def provide_link_service(db_session: DbSession, components: AppComponents) -> LinkService:
    return LinkService(db_session, components.pack)


LINK_SERVICE = {"link_service": Provide(provide_link_service, sync_to_thread=False)}
LinkServiceDep = NamedDependency[SkipValidation[LinkService]]
