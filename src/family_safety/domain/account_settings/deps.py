from __future__ import annotations

from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.dependencies import AppComponents, DbSession


def provide_settings_service(
    db_session: DbSession, components: AppComponents
) -> AccountSettingsService:
    return AccountSettingsService(db_session, components.pack)


SETTINGS_SERVICE = {"settings_service": Provide(provide_settings_service, sync_to_thread=False)}
SettingsServiceDep = NamedDependency[SkipValidation[AccountSettingsService]]
