"""``/v1/laws``: the laws anyone may read, and the staff's change of a law's status."""

from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody

from family_safety.domain.dependencies import PUBLIC_ROUTE_OPT, CurrentAccount
from family_safety.domain.laws.deps import LAW_SERVICE, LawServiceDep
from family_safety.domain.laws.schemas import LawOut, LawStatusChange
from family_safety.domain.safety.deps import staff_only
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.pagination import CURSOR_SCOPE, DEFAULT_LIMIT, Cursor, Limit, Page
from family_safety.lib.problems import problem_responses


class LawController(Controller):
    path = "/v1/laws"
    tags = ["laws"]
    dependencies = LAW_SERVICE

    @get(
        opt={PUBLIC_ROUTE_OPT: True},
        summary="The laws this service applies, with their status and rules",
        description="A law applies to an account when `applies_now` and the account's country "
        "is in `countries` or its region in `regions`; an enjoined or proposed law is listed "
        "but applies nothing.",
        middleware=CURSOR_SCOPE,
        responses=problem_responses(422),
    )
    async def laws(
        self, law_service: LawServiceDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Page[LawOut]:
        return await law_service.page(limit, cursor, utc_today())

    @get(
        "/{law_id:str}",
        opt={PUBLIC_ROUTE_OPT: True},
        summary="One law",
        responses=problem_responses(404),
    )
    async def law(self, law_id: FromPath[str], law_service: LawServiceDep) -> LawOut:
        return await law_service.get(law_id, utc_today())

    @patch(
        "/{law_id:str}",
        guards=[staff_only],
        summary="Change a law's status (staff)",
        description="`{status, note}`: an audit entry of the staff account; every account the "
        "law touches re-resolves at once, on every instance (its settings ETag changes when "
        "the laws applied to it do).",
        responses=problem_responses(400, 401, 403, 404, 413, 422),
    )
    async def change_status(
        self,
        law_id: FromPath[str],
        data: JSONBody[LawStatusChange],
        current_account: CurrentAccount,
        law_service: LawServiceDep,
    ) -> LawOut:
        return await law_service.change_status(current_account, law_id, data, utc_now())
