"""Safety's services handed to handlers, the caller of a public route (when a token is sent),
and the staff guard."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation
from sqlalchemy import bindparam, select

from family_safety.db.account_records import AccountRecord, load_signed_in_account
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import AccountRole
from family_safety.domain.dependencies import AppComponents, DbSession, session_service
from family_safety.domain.safety.services import (
    STAFF,
    BlockService,
    ModerationService,
    ReportService,
)
from family_safety.lib import problems
from family_safety.lib.security.tokens import InvalidToken

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler


async def provide_caller(request: Request[Any, Any, Any]) -> AccountRecord | None:
    """On a public route, the signed-in caller when a valid bearer token is sent; None for an
    anonymous caller, and for a token that no longer holds (help is never refused for it)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    components = request.app.state.components
    try:
        grant = components.tokens.verify_access_token(token.strip())
    except InvalidToken:
        return None
    return await load_signed_in_account(components.reader, grant.account_id, grant.session_id)


CALLER = {"caller": Provide(provide_caller)}
Caller = NamedDependency[SkipValidation[AccountRecord | None]]


_ROLES = HotQuery(select(AccountRole.role).where(AccountRole.account_id == bindparam("account_id")))


def holding_any(
    *roles: str,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """A guard: paths for accounts an operator granted one of ``roles`` refuse every other
    account with 403, before the body is read."""
    wanted = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            return  # no account on Litestar's generated OPTIONS answer; it holds nothing private
        components = connection.app.state.components
        held = await components.reader.all(_ROLES, {"account_id": connection.user.id})
        if wanted.isdisjoint(row[0] for row in held):
            raise problems.forbidden()

    return guard


staff_only = holding_any(STAFF)
"""Staff paths (the moderation queue)."""


def provide_report_service(db_session: DbSession, components: AppComponents) -> ReportService:
    return ReportService(db_session, components.pack, components.safety)


REPORT_SERVICE = {"report_service": Provide(provide_report_service, sync_to_thread=False)}
ReportServiceDep = NamedDependency[SkipValidation[ReportService]]
MODERATION_SERVICE = session_service("moderation_service", ModerationService)
ModerationServiceDep = NamedDependency[SkipValidation[ModerationService]]
BLOCK_SERVICE = session_service("block_service", BlockService)
BlockServiceDep = NamedDependency[SkipValidation[BlockService]]
