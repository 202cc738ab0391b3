"""Keeping the OpenAPI document (and the OPTIONS answers) true where Litestar 2 leaves gaps.

- Public routes (``opt={PUBLIC_ROUTE_OPT: True}``) declare ``security: []``: the document-wide
  bearer requirement does not apply to them.
- A handler whose body has a default documents the body as optional (Litestar says "required").
- The 400 that Litestar documents by itself for every route with parameters is an
  ``application/json`` "Validation Exception"; this service answers every 400 as problem details.
- Problem answers document the headers they carry: ``Retry-After`` on 429 and 503, and
  ``WWW-Authenticate`` on the 401 of every route that needs a bearer token.
- Routes declare OpenAPI links in ``opt={OPENAPI_LINKS: {status: {name: Link}}}``, which
  Litestar's ``ResponseSpec`` has no place for.
- Request models that refuse unknown fields (``extra="forbid"``) say
  ``additionalProperties: false``, and carry their model-level ``json_schema_extra`` (such as
  "exactly one of these fields"), which Litestar leaves out.
- Every response header has a schema (Litestar leaves documentation-only headers without one).
- The served document is completed from the policy catalogue and the problem catalogue
  (``openapi_document.complete``): every settings key typed, every problem type named.
- The docs UI at ``/schema`` (and ``/schema/swagger``) is Swagger UI from the pinned PyPI package
  ``swagger-ui-py``, its assets served by the app under ``/schema/assets/``: it renders with no
  internet. Unknown paths under ``/schema/`` answer problem details like every other 404.
- An OPTIONS answer lists every method of its path. Litestar 2 builds it from the handlers that were
  registered first on the path and leaves out the rest (litestar#4169, fixed in Litestar 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import swagger_ui
from litestar import Router
from litestar._openapi.plugin import OpenAPIPlugin, handle_schema_path_not_found
from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Link,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.plugins.pydantic import PydanticSchemaPlugin
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from pydantic import BaseModel

from family_safety.domain.dependencies import OPENAPI_LINKS, PUBLIC_ROUTE_OPT
from family_safety.lib import problems
from family_safety.lib.http_caching import ETAG
from family_safety.lib.problems import PROBLEM_MEDIA_TYPE, ProblemDetails
from family_safety.server import openapi_document

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler
    from litestar.types import Message, Scope
    from litestar.typing import FieldDefinition

    from family_safety.domain.policy.pack import PolicyPack


def _header(description: str, pattern: str | None = None) -> OpenAPIHeader:
    schema = Schema(type=OpenAPIType.STRING, pattern=pattern)
    return OpenAPIHeader(schema=schema, description=description, required=True)


ETAG_HEADER = {"ETag": _header(ETAG.description or "")}
RETRY_AFTER = _header("Seconds to wait before trying again.", pattern="^[0-9]+$")
PROBLEM_HEADERS = {"429": {"Retry-After": RETRY_AFTER}, "503": {"Retry-After": RETRY_AFTER}}
BEARER_CHALLENGE = {"WWW-Authenticate": _header("`Bearer`: send a valid access token.")}


@dataclass
class ContractOperation(Operation):
    """An operation as the service answers it: public ones lift the document's bearer
    requirement with an empty ``security``; an optional body is not ``required``; problem answers
    are problem details, with the headers they carry."""

    public: ClassVar[bool] = False
    optional_body: ClassVar[bool] = False
    sends_etag: ClassVar[bool] = False
    links: ClassVar[dict[int, dict[str, Link]]] = {}

    def __post_init__(self) -> None:
        if self.public:
            self.security = []
        if self.optional_body and isinstance(self.request_body, RequestBody):
            self.request_body.required = False
        for status, response in (self.responses or {}).items():
            if not isinstance(response, OpenAPIResponse):
                continue
            if status == "400" and PROBLEM_MEDIA_TYPE not in (response.content or {}):
                response.description = "Bad Request"
                response.content = {
                    PROBLEM_MEDIA_TYPE: OpenAPIMediaType(
                        schema=Reference(ref=f"#/components/schemas/{ProblemDetails.__name__}")
                    )
                }
            headers = PROBLEM_HEADERS.get(status, {})
            if status == "401" and not self.public:
                headers = BEARER_CHALLENGE
            if self.sends_etag and (status.startswith("2") or status == "304"):
                headers = ETAG_HEADER
            if headers:
                response.headers = {**(response.headers or {}), **headers}
            for header in (response.headers or {}).values():
                if isinstance(header, OpenAPIHeader) and header.schema is None:
                    header.schema = Schema(type=OpenAPIType.STRING)
            if links := self.links.get(int(status)):
                response.links = {**(response.links or {}), **links}


class ClosedModelSchemaPlugin(OpenAPISchemaPlugin):
    """Pydantic request models with ``extra="forbid"``, documented as refusing unknown fields."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return (
            isinstance(value, type)
            and issubclass(value, BaseModel)
            and value.model_config.get("extra") == "forbid"
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = PydanticSchemaPlugin.for_pydantic_model(field_definition, schema_creator)
        schema.additional_properties = False
        extra = field_definition.annotation.model_config.get("json_schema_extra")
        if isinstance(extra, dict):
            aliases = schema.field_aliases()
            for key, value in extra.items():
                setattr(schema, aliases.get(key, key), value)
        return schema


SWAGGER_UI_ASSETS = Path(swagger_ui.__file__).parent / "static"
ASSETS_PATH = "/assets"


class OfflineSwaggerUI(SwaggerRenderPlugin):
    """Swagger UI whose scripts, styles and icon the app serves itself, from the pinned
    ``swagger-ui-py`` package, under ``<schema path>/assets/``."""

    def __init__(self, schema_path: str) -> None:
        assets = schema_path + ASSETS_PATH
        super().__init__(
            js_url=f"{assets}/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{assets}/favicon-32x32.png'>",
            path=["/", "/swagger"],
        )

    def receive_router(self, router: Router) -> None:
        super().receive_router(router)
        router.guards = [*(router.guards or []), _nothing_here]
        router.register(
            create_static_files_router(
                path=ASSETS_PATH, directories=[SWAGGER_UI_ASSETS], name="swagger-ui-assets"
            )
        )


async def _nothing_here(_connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Litestar answers unknown paths under the schema path with an HTML page; this service
    answers them as problem details, like every other 404. (``async``: Litestar runs a plain
    function guard in a worker thread.)"""
    if handler.fn is handle_schema_path_not_found:
        raise problems.not_found()


class CompletedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, serving the document completed from the catalogues."""

    __slots__ = ()
    pack: ClassVar[PolicyPack]

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            document = self.provide_openapi().to_schema()
            self._openapi_schema = openapi_document.complete(document, self.pack)
        return self._openapi_schema


def served_document(app: Litestar) -> dict[str, Any]:
    """The OpenAPI document as ``/schema/openapi.json`` serves it."""
    return app.plugins.get(OpenAPIPlugin).provide_openapi_schema()


def keep_the_contract(app: Litestar, pack: PolicyPack) -> Litestar:
    """Document every operation as the service answers it, the document completed from the
    catalogues of ``pack``; answer OPTIONS with every method."""
    # Litestar creates its OpenAPI plugin itself, with no way to pass a subclass: the instance
    # becomes one (same slots) that completes the document it serves.
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = type(
        "CompletedOpenAPIPlugin", (CompletedOpenAPIPlugin,), {"__slots__": (), "pack": pack}
    )
    allowed: dict[str, str] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        allowed[route.path_format] = ", ".join(sorted(route.methods))
        for handler in route.route_handlers:
            body = handler.parsed_fn_signature.parameters.get("data")
            handler.operation_class = type(
                "ContractOperation",
                (ContractOperation,),
                {
                    "public": bool(handler.opt.get(PUBLIC_ROUTE_OPT)),
                    "optional_body": body is not None and body.has_default,
                    "links": handler.opt.get(OPENAPI_LINKS, {}),
                    "sends_etag": any(
                        header.name == ETAG.name for header in handler.resolve_response_headers()
                    ),
                },
            )

    async def allow_every_method(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start" and scope.get("method") == "OPTIONS":
            methods = allowed.get(scope.get("path_template", ""))
            headers = MutableScopeHeaders.from_message(message)
            if methods and "allow" in headers:
                headers["Allow"] = methods

    app.before_send.append(allow_every_method)
    return app
