from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from family_safety.domain.auth.deps import AUTH_SERVICE, AuthServiceDep
from family_safety.domain.auth.schemas import (
    PasswordChange,
    RefreshRequest,
    SignedIn,
    SignIn,
    TokenPair,
)
from family_safety.domain.dependencies import (
    AppComponents,
    ClientAddress,
    CurrentAccount,
    PublicController,
)
from family_safety.lib.http_caching import NO_STORE
from family_safety.lib.problems import problem_responses


class AuthController(PublicController):
    path = "/v1/auth"
    tags = ["auth"]
    dependencies = AUTH_SERVICE

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="Sign in",
        description="Only failed sign-ins count towards the rate limits. Send back the "
        "`device_token` of an earlier sign-in to this handle to keep signing in while others' "
        "failures lock the handle out (the per-address limit still holds).",
        cache_control=NO_STORE,
        responses=problem_responses(400, 401, 413, 422, 429, 503),
    )
    async def sign_in(
        self,
        data: JSONBody[SignIn],
        auth_service: AuthServiceDep,
        client_address: ClientAddress,
    ) -> SignedIn:
        return await auth_service.sign_in(
            data.handle, data.password, client_address, data.device_token
        )

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        summary="Exchange a refresh token for a new pair",
        description="The refresh token is spent; presenting a spent one revokes its family.",
        cache_control=NO_STORE,
        responses=problem_responses(400, 401, 413, 422),
    )
    async def refresh(
        self, data: JSONBody[RefreshRequest], auth_service: AuthServiceDep
    ) -> TokenPair:
        return await auth_service.refresh(data.refresh_token)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="Sign out: end every session of this refresh token's account",
        responses=problem_responses(400, 413, 422),
    )
    async def logout(self, data: JSONBody[RefreshRequest], auth_service: AuthServiceDep) -> None:
        await auth_service.logout(data.refresh_token)


class JwksController(PublicController):
    tags = ["auth"]

    @get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
    async def jwks(self, components: AppComponents) -> dict[str, list[dict[str, str]]]:
        return components.signer.keyring.jwks()


class PasswordController(Controller):
    tags = ["auth"]
    dependencies = AUTH_SERVICE

    @post(
        "/v1/me/password",
        status_code=HTTP_200_OK,
        summary="Change my password",
        description="Needs the current password. Ends every session of the account (refresh "
        "tokens fail, earlier access tokens are refused) and answers a new token pair.",
        cache_control=NO_STORE,
        responses=problem_responses(400, 401, 403, 413, 422, 429, 503),
    )
    async def change(
        self,
        data: JSONBody[PasswordChange],
        current_account: CurrentAccount,
        auth_service: AuthServiceDep,
        client_address: ClientAddress,
    ) -> TokenPair:
        return await auth_service.change_password(
            current_account.id, data.current_password, data.new_password, client_address
        )
