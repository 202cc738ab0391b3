"""What ``create_app`` mounts: the pages (with their session, CSRF and problem pages) and their
static assets, and the template configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Router

from family_safety.domain.dependencies import PUBLIC_ROUTE_OPT
from family_safety.domain.family_center.controllers import CONTROLLERS
from family_safety.domain.family_center.deps import VISIT
from family_safety.domain.family_center.pages import EXCEPTION_HANDLERS
from family_safety.domain.family_center.web import (
    PAGE_HEADERS,
    page_middleware,
    static_router,
    template_config,
)

if TYPE_CHECKING:
    from family_safety.lib.config import Settings
    from family_safety.lib.security.keyring import Keyring

__all__ = ["family_center_routers", "template_config"]


def family_center_routers(settings: Settings, keyring: Keyring) -> list[Router]:
    pages = Router(
        path="/",
        route_handlers=list(CONTROLLERS),
        middleware=page_middleware(settings, keyring),
        exception_handlers=EXCEPTION_HANDLERS,
        # No bearer token: the pages are signed in by their own session cookie (session.py).
        opt={PUBLIC_ROUTE_OPT: True},
        dependencies=VISIT,
        response_headers=PAGE_HEADERS,
        include_in_schema=False,
    )
    return [pages, static_router()]
