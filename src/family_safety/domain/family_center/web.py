"""How the pages are served: templates, static assets, the session cookie, CSRF and the
Content-Security-Policy, all scoped to ``/family`` so the JSON API is untouched by them."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session import SessionMiddleware
from litestar.middleware.session.client_side import ClientSideSessionBackend, CookieBackendConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from family_safety.domain.dependencies import PUBLIC_ROUTE_OPT
from family_safety.lib.config import Environment as DeployEnvironment

if TYPE_CHECKING:
    from litestar import Router
    from litestar.types import ASGIApp

    from family_safety.lib.config import Settings
    from family_safety.lib.security.keyring import Keyring

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PREFIX = "/family"
STATIC_PATH = f"{PREFIX}/static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
PAGE_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]
SESSION_COOKIE = "family_session"
CSRF_COOKIE = "family_csrf"


def _derived_secret(keyring: Keyring, purpose: bytes) -> bytes:
    """A secret for the pages, derived from the active signing key, so every worker process
    and instance sharing the keyring derives the same one (rotating the keyring signs pages
    out, as it ends the cursors of lists)."""
    return hmac.new(keyring.active.private_key.private_bytes_raw(), purpose, "sha256").digest()


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def page_middleware(settings: Settings, keyring: Keyring) -> list[DefineMiddleware]:
    """The session cookie (HttpOnly, SameSite=Lax, Secure outside development) and CSRF, for
    the pages' router only: nothing of either runs for the JSON API."""
    secure = settings.environment != DeployEnvironment.DEVELOPMENT
    session = CookieBackendConfig(
        secret=_derived_secret(keyring, b"family-center session cookie")[:32],
        key=SESSION_COOKIE,
        path=PREFIX,
        max_age=settings.refresh_token_ttl_seconds,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
    csrf = CSRFConfig(
        secret=_derived_secret(keyring, b"family-center csrf").hex(),
        cookie_name=CSRF_COOKIE,
        cookie_path=PREFIX,
        cookie_secure=secure,
        cookie_httponly=True,
        cookie_samesite="lax",
        # The pages' router holds only pages; the JSON API never passes this middleware. This
        # also keeps it off anything mounted under /family that is not a page.
        exclude=[f"^{STATIC_PATH}"],
    )

    def session_middleware(app: ASGIApp) -> SessionMiddleware[ClientSideSessionBackend]:
        # Built on first use: a router's middleware definitions are deep-copied, and the
        # backend's cipher cannot be.
        return SessionMiddleware(app=app, backend=ClientSideSessionBackend(config=session))

    return [DefineMiddleware(session_middleware), DefineMiddleware(CSRFMiddleware, config=csrf)]


def static_router() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC],
        opt={PUBLIC_ROUTE_OPT: True},
        include_in_schema=False,
        send_as_attachment=False,
        cache_control=CacheControlHeader(public=True, max_age=3600),
    )
