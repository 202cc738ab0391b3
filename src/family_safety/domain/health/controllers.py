from __future__ import annotations

from litestar import get, head
from sqlalchemy import text

from family_safety.domain.dependencies import DbSession, OperationsController
from family_safety.lib.problems import problem_responses


class HealthController(OperationsController):
    path = "/health"

    @get("/live", summary="The process is up (no I/O)")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get(
        "/ready",
        summary="The database answers",
        responses=problem_responses(503),
    )
    async def ready(self, db_session: DbSession) -> dict[str, str]:
        await db_session.execute(text("SELECT 1"))
        return {"status": "ok"}

    # HEAD answers the same status without a body (load balancers' checks often use it).
    @head("/live", summary="The process is up (no I/O), without a body")
    async def live_head(self) -> None:
        return None

    @head(
        "/ready", summary="The database answers, without a body", responses=problem_responses(503)
    )
    async def ready_head(self, db_session: DbSession) -> None:
        await db_session.execute(text("SELECT 1"))
