from __future__ import annotations

from litestar import post
from litestar.params import JSONBody

from family_safety.domain.accounts import services
from family_safety.domain.accounts.schemas import NewAccount, OwnAccount
from family_safety.domain.dependencies import (
    AppComponents,
    ClientAddress,
    DbSession,
    PublicController,
)
from family_safety.lib.clock import utc_now
from family_safety.lib.http_caching import NO_STORE
from family_safety.lib.problems import problem_responses


class AccountController(PublicController):
    tags = ["accounts"]

    @post(
        "/v1/accounts",
        summary="Register an account",
        cache_control=NO_STORE,
        description="Under 13 is refused (`minimum-age`); only its holder ever sees `birthdate`.",
        responses=problem_responses(400, 409, 413, 422, 429, 503),
    )
    async def register(
        self,
        data: JSONBody[NewAccount],
        db_session: DbSession,
        components: AppComponents,
        client_address: ClientAddress,
    ) -> OwnAccount:
        now = utc_now()
        account = await services.register(
            db_session, components, data, client_address=client_address, now=now
        )
        return services.own_view(components.pack, account, now.date())
