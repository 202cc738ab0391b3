"""Bearer authentication: every route but the public ones needs a valid access token.

It runs before routing hands the request to its handler, so a missing token is answered 401
before the body is read or any other check is made (the contract's error precedence). It is also
the one place where what a birthday changes is written before any route serves the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from family_safety import problems
from family_safety.birthdays import apply_birthdays, band_change_due
from family_safety.clock import utc_now
from family_safety.security.tokens import InvalidToken

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise problems.unauthorized()
        components = connection.app.state.components
        try:
            grant = components.tokens.verify_access_token(token.strip())
        except InvalidToken as exc:
            raise problems.unauthorized() from exc
        signed_in = components.signed_in
        account = await signed_in.load(grant.account_id, grant.session_id)
        if account is not None:
            now = utc_now()
            if band_change_due(components.pack, account, now.date()):
                await apply_birthdays(components.sessions, components.pack, account.id, now)
                signed_in.forget(account.id)
                account = await signed_in.load(grant.account_id, grant.session_id)
        if account is None:
            raise problems.unauthorized()
        return AuthenticationResult(user=account, auth=grant)
