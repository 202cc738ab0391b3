"""What handlers are given: the service's components, the signed-in account, request parameters,
and how routes are marked. Each capability's services are provided by its own ``deps.py``."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Controller, Request, delete
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, SkipValidation
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.account_records import AccountRecord
from family_safety.domain.components import Components
from family_safety.lib.problems import problem_responses

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

    from family_safety.domain.policy.pack import PolicyPack

PUBLIC_ROUTE_OPT = "public"
"""``opt={PUBLIC_ROUTE_OPT: True}`` on a route or controller: no bearer token is needed."""

OPENAPI_LINKS = "openapi_links"
"""``opt={OPENAPI_LINKS: {status: {name: Link}}}``: the OpenAPI links of a route's answers."""


class PublicController(Controller):
    """A controller whose every route is public: no bearer token is needed."""

    opt = {PUBLIC_ROUTE_OPT: True}


class OperationsController(PublicController):
    """A controller of the operators' routes (the front door, health, metrics): public, and
    listed under ``operations``."""

    tags = ["operations"]


def delete_own(
    path: str, *, summary: str, description: str | None = None
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """A DELETE of one of the caller's own things, named by the UUID in ``path``: 204, and 404
    alike for what is not the caller's and for a path id that is not a UUID."""
    return delete(
        path,
        status_code=HTTP_204_NO_CONTENT,
        summary=summary,
        description=description,
        responses=problem_responses(401, 404),
    )


def provide_components(state: State) -> Components:
    components: Components = state.components
    return components


def provide_current_account(request: Request[AccountRecord, Any, Any]) -> AccountRecord:
    """The account of the verified access token, read by the authentication middleware."""
    return request.user


def provide_client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address, for counting failed sign-ins (behind a proxy: ``family-safety serve
    --forwarded-allow-ips`` so this is the client's address, not the proxy's)."""
    return client_address_key(request.client.host if request.client else None)


def public_base_url(request: Request[Any, Any, Any], components: Components) -> str:
    """The service's address as browsers reach it, for links given out (``public_base_url``,
    else the scheme and host this request came to)."""
    configured = components.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def client_address_key(host: str | None) -> str:
    """What a client address is counted and stored as: a parsed IP address in its canonical
    form, or a digest of anything else a proxy passed on (never over 64 characters)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host.strip())
    except ValueError:
        return "unparsed:" + hashlib.sha256(host.encode(errors="replace")).hexdigest()[:32]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        address = ipaddress.IPv6Address(int(address))  # without a %scope
    return address.compressed


DEPENDENCIES = {
    "components": Provide(provide_components, sync_to_thread=False),
    "current_account": Provide(provide_current_account, sync_to_thread=False),
    "client_address": Provide(provide_client_address, sync_to_thread=False),
}

# Built by the service itself, so handed over as they are, never re-validated per request.
AppComponents = NamedDependency[SkipValidation[Components]]
CurrentAccount = NamedDependency[SkipValidation[AccountRecord]]
DbSession = NamedDependency[SkipValidation[AsyncSession]]  # advanced-alchemy's, per request
ClientAddress = NamedDependency[str]


def session_service(name: str, build: Callable[[AsyncSession], object]) -> dict[str, Provide]:
    """``{name: ...}`` for a controller's ``dependencies``: a service built per request on the
    request's database session (``build`` is the service's class, or anything taking the
    session)."""

    def provide(db_session: DbSession) -> object:
        return build(db_session)

    return {name: Provide(provide, sync_to_thread=False)}


def pack_service(
    name: str, build: Callable[[AsyncSession, PolicyPack], object]
) -> dict[str, Provide]:
    """The same for a service that also reads the policy pack."""

    def provide(db_session: DbSession, components: AppComponents) -> object:
        return build(db_session, components.pack)

    return {name: Provide(provide, sync_to_thread=False)}


IfMatch = Annotated[
    str | None, HeaderParameter(name="If-Match", description="The ETag this change is based on.")
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="Retries with the same key get the first answer and create nothing.",
        # Documents what idempotency.once accepts (it answers 422 otherwise): 1 to 255 printable
        # characters, of latin-1 as header values are read.
        schema_extra={
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[ -~\u00a1-\u00ac\u00ae-\u00ff]*$",
        },
    ),
]
IfNoneMatch = Annotated[
    str | None, HeaderParameter(name="If-None-Match", description="The ETag last received.")
]
