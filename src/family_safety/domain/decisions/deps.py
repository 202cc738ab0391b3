"""Who may ask for decisions: an account an operator granted the ``service`` or ``staff`` role."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from family_safety.domain.safety.services.roles import SERVICE, STAFF
from family_safety.lib import problems

DECIDERS = frozenset({SERVICE, STAFF})


async def deciders_only(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Anyone else: 403 before the body is read, so it learns nothing of the accounts asked
    about. The roles are read from the decisions' memory (forgotten on ``roles.changed``)."""
    if connection.scope.get("method") == "OPTIONS":
        return  # no account on Litestar's generated OPTIONS answer; it holds nothing private
    roles = await connection.app.state.components.decisions.roles(connection.user.id)
    if roles.isdisjoint(DECIDERS):
        raise problems.forbidden()
