from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from family_safety.domain.dependencies import pack_service
from family_safety.domain.setting_requests.services import SettingRequestService

SETTING_REQUEST_SERVICE = pack_service("setting_request_service", SettingRequestService)
SettingRequestServiceDep = NamedDependency[SkipValidation[SettingRequestService]]
