from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from family_safety.auth.middleware import PUBLIC_ROUTE_OPT
from family_safety.auth.schemas import Credentials, RefreshRequest, TokenPair
from family_safety.auth.services import AuthService
from family_safety.dependencies import AppComponents, DbSession
from family_safety.errors import problem_responses


def _service(db_session: DbSession, components: AppComponents) -> AuthService:
    return AuthService(db_session, components.settings, components.hasher, components.signer)


class AuthController(Controller):
    path = "/v1/auth"
    tags = ["auth"]
    opt = {PUBLIC_ROUTE_OPT: True}

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="Sign in",
        description="Only failed sign-ins count towards the rate limits.",
        responses=problem_responses(400, 401, 413, 422, 429),
    )
    async def sign_in(
        self,
        request: Request,
        data: JSONBody[Credentials],
        db_session: DbSession,
        components: AppComponents,
    ) -> TokenPair:
        client_address = request.client.host if request.client else "unknown"
        return await _service(db_session, components).sign_in(
            data.handle, data.password, client_address
        )

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        summary="Exchange a refresh token for a new pair",
        description="The refresh token is spent; presenting a spent one revokes its family.",
        responses=problem_responses(400, 401, 413, 422),
    )
    async def refresh(
        self, data: JSONBody[RefreshRequest], db_session: DbSession, components: AppComponents
    ) -> TokenPair:
        return await _service(db_session, components).refresh(data.refresh_token)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="End the session of this refresh token",
        responses=problem_responses(400, 413, 422),
    )
    async def logout(
        self, data: JSONBody[RefreshRequest], db_session: DbSession, components: AppComponents
    ) -> None:
        await _service(db_session, components).logout(data.refresh_token)


class JwksController(Controller):
    tags = ["auth"]
    opt = {PUBLIC_ROUTE_OPT: True}

    @get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
    async def jwks(self, components: AppComponents) -> dict[str, list[dict[str, str]]]:
        return components.signer.keyring.jwks()
