from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from family_safety.domain.dependencies import pack_service
from family_safety.domain.links.services import LinkService

LINK_SERVICE = pack_service("link_service", LinkService)
LinkServiceDep = NamedDependency[SkipValidation[LinkService]]
