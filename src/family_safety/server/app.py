"""The application factory: ``create_app`` builds the app of ``core.ApplicationCore`` (every
component, route, middleware and lifespan), with the request log and the lane in front of
Litestar (``ServedApp``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components as OpenAPIComponents
from litestar.openapi.spec import SecurityScheme

from family_safety.lib.config import Settings
from family_safety.lib.problem_plugin import PROBLEM_DETAILS
from family_safety.lib.request_body import MAX_BODY_BYTES
from family_safety.server.core import ApplicationCore
from family_safety.server.openapi import SCHEMA_PLUGINS, OfflineSwaggerUI, keep_the_contract
from family_safety.server.tuning import tune_gc_for_a_server, tune_malloc_for_a_server

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from litestar.types import ASGIApp, Receive, Scope, Send
    from opentelemetry.sdk.trace.export import SpanExporter

    from family_safety.lib.security.passwords import PasswordHasher


class ServedApp(Litestar):
    """Litestar with ASGI layers in front of it: ``front`` wraps the app's own entry point, and
    the app is served through what it returns (every scope: HTTP, websocket, lifespan)."""

    def __init__(self, *, front: Callable[[ASGIApp], ASGIApp], **config: Any) -> None:
        super().__init__(**config)
        self._front = front(super().__call__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # type: ignore[override]
        await self._front(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    hasher: PasswordHasher | None = None,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """The service for these settings; ``hasher`` replaces the argon2id parameters the settings
    name (tests use a cheap one), ``span_exporter`` where spans go with ``settings.otel``."""
    core = ApplicationCore(settings, hasher=hasher, span_exporter=span_exporter)
    app = ServedApp(
        front=core.front,
        plugins=[core, *SCHEMA_PLUGINS, PROBLEM_DETAILS],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="family_safety",
            version="1",
            description="Age-based defaults, family pairing and one effective settings object.",
            path="/schema",
            render_plugins=[OfflineSwaggerUI("/schema")],
            components=OpenAPIComponents(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
        logging_config=None,  # logs.py configures every logger, Litestar's too
    )
    return keep_the_contract(app, core.pack)


def app_from_environment() -> Litestar:
    """The uvicorn factory used by ``family-safety serve``: settings come from the environment."""
    tune_malloc_for_a_server()
    app = create_app(Settings())
    tune_gc_for_a_server()
    return app
