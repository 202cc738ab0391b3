"""``GET /metrics``: the Prometheus text exposition of this process's metrics
(``lib/metrics.py``), to the addresses ``FAMILY_SAFETY_METRICS_ALLOW_IPS`` lists; any other
peer is told there is nothing here (404), as for an unknown path."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from family_safety.domain.dependencies import OperationsController
from family_safety.domain.metrics.services import may_read_metrics
from family_safety.lib import problems
from family_safety.lib.metrics import CONTENT_TYPE
from family_safety.lib.problems import problem_responses


class MetricsController(OperationsController):
    path = "/metrics"

    @get(
        summary="This process's metrics (Prometheus text format), to the allowed addresses",
        description="Requests by route template, method and status, their durations, database "
        "pools, cache sizes, open event streams and webhook deliveries. Any address not in "
        "`FAMILY_SAFETY_METRICS_ALLOW_IPS` gets 404.",
        media_type=CONTENT_TYPE,
        responses=problem_responses(404),
    )
    async def metrics(self, request: Request[Any, Any, State]) -> Response[bytes]:
        components = request.app.state.components
        host = request.client.host if request.client else None
        if not may_read_metrics(components.settings.metrics_allow_ips, host):
            raise problems.not_found()
        body = await components.metrics.exposition()
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
