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
- Models that refuse unknown fields (pydantic ``extra="forbid"``, msgspec
  ``forbid_unknown_fields``) say ``additionalProperties: false``; pydantic ones also carry their
  model-level ``json_schema_extra`` (such as "exactly one of these fields"), which Litestar leaves
  out.
- A value the service reads as it comes and checks itself (a settings body: one message per bad
  key) is documented as the type it accepts: ``Annotated[dict[str, Any], DocumentedAs(T)]``.
- Every response header has a schema (Litestar leaves documentation-only headers without one).
- Every problem answer is the one ``ProblemDetails`` schema; its description names the problem
  types (slugs) it can carry, each with a real example built from the problem table.
- The docs UI at ``/schema`` (and ``/schema/swagger``) is Swagger UI from the pinned PyPI package
  ``swagger-ui-py``, its assets served by the app under ``/schema/assets/``: it renders with no
  internet. Unknown paths under ``/schema/`` answer problem details like every other 404.
- An OPTIONS answer lists every method of its path. Litestar 2 builds it from the handlers that were
  registered first on the path and leaves out the rest (litestar#4169, fixed in Litestar 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
import swagger_ui
from litestar import Router
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
from litestar.openapi.spec.schema import SchemaDataContainer
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.static_files import create_static_files_router
from pydantic import BaseModel

from family_safety.domain.dependencies import OPENAPI_LINKS, PUBLIC_ROUTE_OPT
from family_safety.lib import problems
from family_safety.lib.http_caching import ETAG
from family_safety.lib.openapi_docs import DocumentedAs, JsonExample
from family_safety.lib.problems import PROBLEM_MEDIA_TYPE, ProblemDetails

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
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
PROBLEM_SCHEMA = Reference(ref=f"#/components/schemas/{ProblemDetails.__name__}")

# --- which problems each answer names -----------------------------------------------------

# The problems each status names unless an operation says otherwise below.
DEFAULT_SLUGS: dict[int, list[str]] = {
    400: ["malformed-body", "bad-request"],
    401: ["unauthorized"],
    403: ["forbidden"],
    404: ["not-found"],
    405: ["method-not-allowed"],
    409: ["conflict"],
    412: ["precondition-failed"],
    413: ["payload-too-large"],
    415: ["unsupported-media-type"],
    422: ["validation"],
    428: ["precondition-required"],
    429: ["rate-limited"],
    500: ["internal-error"],
    503: ["service-unavailable"],
}
_PROOF = {
    400: ["invitation-invalid", "malformed-body", "bad-request"],
    403: ["not-a-teen", "not-an-adult", "forbidden"],
    409: ["invitation-used", "already-linked", "guardian-limit-reached", "conflict"],
    410: ["invitation-expired"],
    429: ["rate-limited"],
}
# Routes that hash a password: past the hashing queue, 503 `overloaded`; age signals, past the
# budget of signature checks.
_HASHING = {503: ["overloaded", "service-unavailable"]}
_IDEMPOTENT = {
    409: ["request-in-progress"],
    422: ["validation", "idempotency-key-reused"],
}
# Where an operation answers other problems than the defaults of a status (the contract's tables).
OPERATION_SLUGS: dict[str, dict[int, list[str]]] = {
    "POST /v1/accounts": {
        409: ["handle-taken", "conflict"],
        422: ["validation", "minimum-age"],
        503: _HASHING[503],
    },
    "POST /v1/auth/token": {401: ["invalid-credentials"], **_HASHING},
    "POST /v1/auth/refresh": {401: ["invalid-refresh-token"]},
    "POST /v1/auth/logout": {401: ["invalid-refresh-token"]},
    "POST /v1/me/password": {403: ["wrong-password"], **_HASHING},
    "DELETE /v1/me": {403: ["wrong-password"], **_HASHING},
    "PATCH /v1/me/settings": {403: ["setting-locked"]},
    "POST /v1/pairing-invitations": {
        403: ["not-an-adult"],
        409: ["invitation-limit-reached", *_IDEMPOTENT[409], "conflict"],
        422: _IDEMPOTENT[422],
    },
    "GET /v1/pairing-invitations/{invitation_id}/qr.svg": {
        409: ["invitation-used"],
        410: ["invitation-expired"],
    },
    "POST /v1/pairing-invitations/preview": _PROOF,
    "POST /v1/me/time-requests": {409: ["no-guardian", "request-limit-reached"]},
    "POST /v1/teens/{teen_id}/time-requests/{request_id}/decision": {
        409: ["request-decided"],
        410: ["request-expired"],
    },
    "POST /v1/age-signals": {
        401: ["invalid-signal"],
        409: ["signal-replayed"],
        503: _HASHING[503],
    },
    "POST /v1/reports": {422: ["validation", "evidence-not-allowed"]},
    "POST /v1/me/blocks": {409: ["block-limit-reached"]},
    "POST /v1/pairings": {
        **_PROOF,
        409: [*_PROOF[409], *_IDEMPOTENT[409]],
        422: _IDEMPOTENT[422],
    },
}


def _slugs_for(operation: str, status: int, has_body: bool) -> list[str]:
    slugs = OPERATION_SLUGS.get(operation, {}).get(status) or DEFAULT_SLUGS.get(status)
    if not slugs:  # a status nobody named: every problem of that status
        slugs = [row.slug for row in problems.TABLE if row.status == status]
    if not has_body:  # nothing to be malformed
        slugs = [slug for slug in slugs if slug != "malformed-body"] or slugs
    return slugs


# --- operations as the service answers them -----------------------------------------------


@dataclass
class ContractOperation(Operation):
    """An operation as the service answers it: public ones lift the document's bearer
    requirement with an empty ``security``; an optional body is not ``required``; problem answers
    are problem details naming their problem types, with real examples and the headers they
    carry."""

    label: ClassVar[str] = ""  # "METHOD /path"
    public: ClassVar[bool] = False
    optional_body: ClassVar[bool] = False
    sends_etag: ClassVar[bool] = False
    links: ClassVar[dict[int, dict[str, Link]]] = {}
    examples: ClassVar[dict[str, JsonExample]] = {}  # every problem's example, by slug

    def __post_init__(self) -> None:
        if self.public:
            self.security = []
        if self.optional_body and isinstance(self.request_body, RequestBody):
            self.request_body.required = False
        for status, response in (self.responses or {}).items():
            if not isinstance(response, OpenAPIResponse):
                continue
            if status.startswith(("4", "5")):
                self._document_problems(int(status), response)
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

    def _document_problems(self, status: int, response: OpenAPIResponse) -> None:
        """Litestar's own 400 ("Validation Exception", ``application/json``) and every problem
        answer: the ``ProblemDetails`` schema, the problem types it carries, an example each."""
        slugs = _slugs_for(self.label, status, self.request_body is not None)
        names = ", ".join(f"`{slug}`" for slug in slugs)
        response.description = f"{HTTPStatus(status).phrase}. Problem types: {names}."
        response.content = {
            PROBLEM_MEDIA_TYPE: OpenAPIMediaType(
                schema=PROBLEM_SCHEMA,
                examples={slug: self.examples[slug] for slug in slugs},
            )
        }


# --- schemas Litestar writes, told what it cannot see -------------------------------------


def _refuses_unknown_fields(value: Any) -> bool:
    if not isinstance(value, type):
        return False
    if issubclass(value, BaseModel):
        return value.model_config.get("extra") == "forbid"
    if issubclass(value, msgspec.Struct):
        return bool(value.__struct_config__.forbid_unknown_fields)
    return False


class ClosedSchemaPlugin(OpenAPISchemaPlugin):
    """Models that refuse unknown fields, documented with ``additionalProperties: false`` and, for
    pydantic, their model-level ``json_schema_extra`` (Litestar's own plugins write the rest)."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return _refuses_unknown_fields(value)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema: Schema = next(
            plugin
            for plugin in schema_creator.plugins
            if plugin is not self and schema_creator.plugin_supports_field(plugin, field_definition)
        ).to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        config = getattr(field_definition.annotation, "model_config", {})  # pydantic's
        if isinstance(extra := config.get("json_schema_extra"), dict):
            aliases = schema.field_aliases()
            key: str  # json_schema_extra is keyed by JSON Schema keywords
            for key, value in extra.items():
                setattr(schema, aliases.get(key, key), value)
        return schema


class DocumentedAsPlugin(OpenAPISchemaPlugin):
    """``Annotated[T, DocumentedAs(U)]``: read as ``T``, documented as ``U``."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return any(isinstance(meta, DocumentedAs) for meta in field_definition.metadata)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        (documented,) = [m for m in field_definition.metadata if isinstance(m, DocumentedAs)]
        return SchemaDataContainer(data_container=documented.type_)


SCHEMA_PLUGINS = (DocumentedAsPlugin(), ClosedSchemaPlugin())

# --- the docs UI --------------------------------------------------------------------------

SWAGGER_UI_ASSETS = Path(swagger_ui.__file__).parent / "static"
ASSETS_PATH = "/assets"
LITESTAR_NOT_FOUND_PATH = "/{path:str}"  # Litestar's HTML answer to other paths under /schema


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


async def _nothing_here(
    _connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Litestar answers unknown paths under the schema path with an HTML page; this service
    answers them as problem details, like every other 404. (``async``: Litestar runs a plain
    function guard in a worker thread.)"""
    if LITESTAR_NOT_FOUND_PATH in handler.paths:
        raise problems.not_found()


# --- putting it together ------------------------------------------------------------------


def _operation_class(
    handler: HTTPRouteHandler, path: str, examples: dict[str, JsonExample]
) -> type:
    body = handler.parsed_fn_signature.parameters.get("data")
    (method,) = handler.http_methods if len(handler.http_methods) == 1 else ("",)
    return type(
        "ContractOperation",
        (ContractOperation,),
        {
            "label": f"{method} {path}",
            "public": bool(handler.opt.get(PUBLIC_ROUTE_OPT)),
            "optional_body": body is not None and body.has_default,
            "links": handler.opt.get(OPENAPI_LINKS, {}),
            "sends_etag": any(
                header.name == ETAG.name for header in handler.resolve_response_headers()
            ),
            "examples": examples,
        },
    )


def keep_the_contract(app: Litestar, pack: PolicyPack) -> Litestar:
    """Document every operation as the service answers it, its problem examples built for
    ``pack``; answer OPTIONS with every method."""
    examples = {
        slug: JsonExample(summary=slug, value=problems.body(problem))
        for slug, problem in problems.examples(pack).items()
    }
    allowed: dict[str, str] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        allowed[route.path_format] = ", ".join(sorted(route.methods))
        for handler in route.route_handlers:
            handler.operation_class = _operation_class(handler, route.path_format, examples)

    async def allow_every_method(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start" and scope.get("method") == "OPTIONS":
            methods = allowed.get(scope.get("path_template", ""))
            headers = MutableScopeHeaders.from_message(message)
            if methods and "allow" in headers:
                headers["Allow"] = methods

    app.before_send.append(allow_every_method)
    return app
