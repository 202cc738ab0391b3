from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.dependencies import pack_service

SETTINGS_SERVICE = pack_service("settings_service", AccountSettingsService)
SettingsServiceDep = NamedDependency[SkipValidation[AccountSettingsService]]
