from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from family_safety.accounts import services
from family_safety.accounts.schemas import NewAccount, OwnAccount
from family_safety.auth.middleware import PUBLIC_ROUTE_OPT
from family_safety.clock import utc_today
from family_safety.dependencies import AppComponents, CurrentAccount, DbSession
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
