"""Bearer authentication: every route but the public ones needs a valid access token.

It runs before routing hands the request to its handler, so a missing token is answered 401
before the body is read or any other check is made (the contract's error precedence).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from family_safety.accounts.records import load_signed_in_account
from family_safety.errors import unauthorized
from family_safety.security.tokens import InvalidToken

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

PUBLIC_ROUTE_OPT = "public"


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorized()
        components = connection.app.state.components
        try:
            grant = components.tokens.verify_access_token(token.strip())
        except InvalidToken as exc:
            raise unauthorized("The access token is invalid or expired.") from exc
        account = await load_signed_in_account(
            components.reader, grant.account_id, grant.session_id
        )
        if account is None:
            raise unauthorized("This sign-in has ended; sign in again.")
        return AuthenticationResult(user=account, auth=grant)
