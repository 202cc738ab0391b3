"""``POST /v1/age-signals``: a trusted issuer relays the age range an app store declared."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody

from family_safety.domain.accounts.services import assurance_view
from family_safety.domain.age_signals.schemas import AgeSignalIn, AgeSignalOut
from family_safety.domain.age_signals.services import receive, verified_once
from family_safety.domain.dependencies import PUBLIC_ROUTE_OPT, AppComponents
from family_safety.lib.clock import utc_now
from family_safety.lib.problems import problem_responses


class AgeSignalController(Controller):
    path = "/v1/age-signals"
    tags = ["age signals"]

    @post(
        opt={PUBLIC_ROUTE_OPT: True},
        status_code=200,
        summary="Apply an age signal from a trusted issuer",
        description="The signal authenticates itself: a compact JWS (`typ` `age-signal+jwt`, "
        "`EdDSA` or `ES256`) signed with the key of the issuer named in `iss`. The account keeps "
        "its strongest signal; a weaker one is recorded and changes nothing (`applied: false`). "
        "A signal may lower the account's age (any method); only `verified` may raise it. Past "
        "the process's budget of signature checks a second, 503 `overloaded` (`Retry-After`).",
        responses=problem_responses(400, 401, 404, 409, 413, 422, 503),
    )
    async def receive(
        self,
        data: JSONBody[AgeSignalIn],
        components: AppComponents,
        request: Request[Any, Any, Any],
    ) -> AgeSignalOut:
        # The signature first, with no session opened: a forged signal costs one check, made
        # (and refused) by the lane in front of Litestar, or else here.
        claims = await verified_once(
            components.age_issuers, request.scope.get("state"), data.signal
        )
        async with components.sessions() as session:
            result = await receive(session, components, claims, utc_now())
        return AgeSignalOut(
            account_id=result.account.id,
            applied=result.applied,
            age_band=result.age_band,
            age_assurance=assurance_view(result.account),
        )
