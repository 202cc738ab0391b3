"""Who may ask for decisions: an account an operator granted the ``service`` or ``staff`` role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from family_safety.domain.safety.services.roles import SERVICE, STAFF
from family_safety.lib import problems

if TYPE_CHECKING:
    from uuid import UUID

    from family_safety.domain.components import Components

DECIDERS = frozenset({SERVICE, STAFF})


async def may_decide(components: Components, account_id: UUID) -> bool:
    """Whether the account may ask for decisions (its roles, from the decisions' memory)."""
    return not (await components.decisions.roles(account_id)).isdisjoint(DECIDERS)


async def deciders_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Anyone else: 403 before the body is read, so it learns nothing of the accounts asked
    about. The roles are read from the decisions' memory (forgotten on ``roles.changed``)."""
    if connection.scope.get("method") == "OPTIONS":
        return  # no account on Litestar's generated OPTIONS answer; it holds nothing private
    if not await may_decide(connection.app.state.components, connection.user.id):
        raise problems.forbidden()
