"""Bearer authentication: every route but the public ones needs a valid access token.

It runs before routing hands the request to its handler, so a missing token is answered 401
before the body is read or any other check is made (the contract's error precedence). It is also
the one place where what a birthday changes is written before any route serves the account.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from family_safety.domain.auth.signed_in import refuse_if_held, signed_in_account
from family_safety.lib import problems
from family_safety.lib.clock import utc_now
from family_safety.lib.security.tokens import InvalidToken

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

    from family_safety.lib.security.token_cache import AccessGrant, VerifiedTokenCache


def bearer_grant(tokens: VerifiedTokenCache, authorization: str) -> AccessGrant | None:
    """The grant of an ``Authorization`` header's valid access token; None for anything else.
    Whether its sign-in session lasts is the signed-in account's to say."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        return tokens.verify_access_token(token.strip())
    except InvalidToken:
        return None


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        components = connection.app.state.components
        grant = bearer_grant(components.tokens, connection.headers.get("authorization", ""))
        account = (
            None
            if grant is None
            else await signed_in_account(components, grant.account_id, grant.session_id, utc_now())
        )
        if account is None:
            raise problems.unauthorized()
        refuse_if_held(account, str(connection.scope.get("method", "")), connection.scope["path"])
        return AuthenticationResult(user=account, auth=grant)
