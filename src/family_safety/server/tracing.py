"""OpenTelemetry tracing, with ``FAMILY_SAFETY_OTEL=1`` only: this module is imported by
``core.ApplicationCore`` when the setting is on, and nothing of OpenTelemetry is imported, and no
layer added, when it is off.

One server span per HTTP request, made by OpenTelemetry's ASGI middleware in front of everything
(the request log and the lane inside it), so the two hot GETs the lane answers are traced as well
as Litestar's routes. (Litestar's own OpenTelemetry plugin is this middleware placed behind the
router, where the lane's requests never pass.) The span is named ``METHOD /route/{template}``
once the route is known, never with the raw path's ids; its attributes are the middleware's
standard ones. Spans go where the standard variables say: ``OTEL_TRACES_EXPORTER`` (``otlp``, the
default; ``console``; ``none``), ``OTEL_EXPORTER_OTLP_ENDPOINT`` /
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` and ``..._HEADERS`` (OTLP over HTTP/protobuf),
``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER`` and its argument,
``OTEL_BSP_*`` for the batching.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from family_safety.server.hot_routes import ROUTES
from family_safety.server.logs import HTTP_SCOPE

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_SERVICE_NAME = "family-safety"


def tracer_provider(exporter: SpanExporter | None = None) -> TracerProvider:
    """The provider of the service's spans: exported by ``exporter`` as each ends (tests), else
    as the ``OTEL_*`` variables say, in batches."""
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if chosen == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif chosen == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    elif chosen != "none":
        raise RuntimeError(f"OTEL_TRACES_EXPORTER={chosen!r}: this service exports otlp, console")
    return provider


def _method_only(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The span's first name: the method alone (the raw path may hold ids); see _NamedByRoute."""
    return str(scope.get("method") or scope["type"]), {}


class _NamedByRoute:
    """Names the request's span after its route template when the answer starts (the router's
    template, or the lane's own path: its routes have no parameters), before the span ends with
    the answer's last byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != HTTP_SCOPE:
            await self.app(scope, receive, send)
            return

        async def send_naming_the_span(message: Message) -> None:
            if message["type"] == "http.response.start":
                path = scope["path"]
                route = scope.get("path_template") or (path if path in ROUTES else None)
                if route is not None:
                    span = trace.get_current_span()
                    span.update_name(f"{scope['method']} {route}")
                    span.set_attribute("http.route", route)
            await send(message)

        await self.app(scope, receive, send_naming_the_span)


def traced(app: ASGIApp, provider: TracerProvider) -> ASGIApp:
    """``app`` with a server span per request."""
    middleware = OpenTelemetryMiddleware(
        _NamedByRoute(app),
        default_span_details=_method_only,
        tracer_provider=provider,
        exclude_spans=["receive", "send"],
    )
    return cast("ASGIApp", middleware)  # its scope is typed as any mapping
