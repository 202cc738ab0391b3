from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.dependencies import AppComponents, DbSession
from family_safety.domain.pairing.services import PairingService


def provide_pairing_service(db_session: DbSession, components: AppComponents) -> PairingService:
    return PairingService(db_session, components.pack, components.signer)


PAIRING_SERVICE = {"pairing_service": Provide(provide_pairing_service, sync_to_thread=False)}
PairingServiceDep = NamedDependency[SkipValidation[PairingService]]
