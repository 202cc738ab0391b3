from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.auth.services import AuthService
from family_safety.domain.dependencies import AppComponents, DbSession


def provide_auth_service(db_session: DbSession, components: AppComponents) -> AuthService:
    return AuthService(db_session, components.settings, components.hasher, components.signer)


AUTH_SERVICE = {"auth_service": Provide(provide_auth_service, sync_to_thread=False)}
AuthServiceDep = NamedDependency[SkipValidation[AuthService]]
