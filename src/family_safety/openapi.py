"""Keeping the OpenAPI document (and the OPTIONS answers) true where Litestar 2 leaves gaps.

- Public routes (``opt={PUBLIC_ROUTE_OPT: True}``) declare ``security: []``: the document-wide
  bearer requirement does not apply to them.
- Request models that refuse unknown fields (``extra="forbid"``) say
  ``additionalProperties: false``, and carry their model-level ``json_schema_extra`` (such as
  "exactly one of these fields"), which Litestar leaves out.
- An OPTIONS answer lists every method of its path. Litestar 2 builds it from the handlers that were
  registered first on the path and leaves out the rest (litestar#4169, fixed in Litestar 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.spec import Operation, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.plugins.pydantic import PydanticSchemaPlugin
from litestar.routes import HTTPRoute
from pydantic import BaseModel

from family_safety.auth.middleware import PUBLIC_ROUTE_OPT

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.types import Message, Scope
    from litestar.typing import FieldDefinition


@dataclass
class PublicOperation(Operation):
    """An operation anyone may call: an empty ``security`` lifts the document's requirement."""

    def __post_init__(self) -> None:
        self.security = []


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


def keep_the_contract(app: Litestar) -> Litestar:
    """Mark the public operations and answer OPTIONS with every method of the path."""
    allowed: dict[str, str] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        allowed[route.path_format] = ", ".join(sorted(route.methods))
        for handler in route.route_handlers:
            if handler.opt.get(PUBLIC_ROUTE_OPT):
                handler.operation_class = PublicOperation

    async def allow_every_method(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start" and scope.get("method") == "OPTIONS":
            methods = allowed.get(scope.get("path_template", ""))
            headers = MutableScopeHeaders.from_message(message)
            if methods and "allow" in headers:
                headers["Allow"] = methods

    app.before_send.append(allow_every_method)
    return app
