"""Route guards: the kind of account a path is for (403), checked before the body is read.

Guards are ``async`` although they never wait: Litestar runs a plain function guard in a worker
thread, a hand-off and back on every guarded request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from family_safety.lib import problems
from family_safety.lib.clock import utc_today

if TYPE_CHECKING:
    from datetime import date


class Born(Protocol):
    """What a guard reads of the signed-in account (the auth middleware's user)."""

    @property
    def age_birthdate(self) -> date:
        """The date the account's age counts from (its birthdate, moved by an age signal)."""


SignedIn = ASGIConnection[BaseRouteHandler, Born, Any, Any]


async def guardians_only(connection: SignedIn, _: BaseRouteHandler) -> None:
    """Guardian paths refuse teens with 403; adults not linked to the teen get 404 later."""
    if connection.scope.get("method") == "OPTIONS":
        # Litestar's generated OPTIONS answer inherits the controller's guards, but not its
        # authentication: there is no account to look at, and the answer holds nothing private.
        return
    pack = connection.app.state.components.pack
    if pack.is_teen(pack.band_for(connection.user.age_birthdate, utc_today())):
        raise problems.forbidden()


async def teens_only(connection: SignedIn, _: BaseRouteHandler) -> None:
    """Paths for 13-17 accounts (a teen's time requests) refuse every other account with 403."""
    if connection.scope.get("method") == "OPTIONS":
        return  # as above: no account, nothing private
    pack = connection.app.state.components.pack
    band = pack.band_for(connection.user.age_birthdate, utc_today())
    if band is None or not pack.is_teen(band):
        raise problems.forbidden()
