from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from family_safety.accounts import services
from family_safety.accounts.data_rights import DataRightsService
from family_safety.accounts.schemas import NewAccount, OwnAccount, PasswordConfirmation
from family_safety.auth.middleware import PUBLIC_ROUTE_OPT
from family_safety.clock import utc_now, utc_today
from family_safety.dependencies import AppComponents, ClientAddress, CurrentAccount, DbSession
from family_safety.errors import problem_responses


class AccountController(Controller):
    tags = ["accounts"]

    @post(
        "/v1/accounts",
        opt={PUBLIC_ROUTE_OPT: True},
        summary="Register an account",
        description="Under 13 is refused (`minimum-age`); only its holder ever sees `birthdate`.",
        responses=problem_responses(400, 409, 413, 422),
    )
    async def register(
        self, data: JSONBody[NewAccount], db_session: DbSession, components: AppComponents
    ) -> OwnAccount:
        today = utc_today()
        account = await services.register(
            db_session, components.hasher, components.pack, data, today
        )
        return services.own_view(components.pack, account, today)

    @get(
        "/v1/me",
        summary="The signed-in account",
        responses=problem_responses(401),
    )
    async def me(self, current_account: CurrentAccount, components: AppComponents) -> OwnAccount:
        return services.own_view(components.pack, current_account, utc_today())

    @get(
        "/v1/me/export",
        summary="Everything held about me, as JSON",
        responses=problem_responses(401),
    )
    async def export(
        self, current_account: CurrentAccount, db_session: DbSession, components: AppComponents
    ) -> dict[str, Any]:
        return await DataRightsService(db_session, components).export(current_account, utc_today())

    @delete(
        "/v1/me",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete my account",
        description="Needs the password (in the body). Ends every link (the other side is "
        "notified) and every session, and deletes the account's personal data.",
        responses=problem_responses(400, 401, 403, 413, 422, 429),
    )
    async def erase(
        self,
        data: JSONBody[PasswordConfirmation],
        current_account: CurrentAccount,
        db_session: DbSession,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> None:
        now = utc_now()
        await DataRightsService(db_session, components).erase(
            current_account, data.password, client_address, now.date(), now
        )
