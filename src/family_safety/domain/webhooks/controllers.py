"""Webhooks' routes (API.md, "Webhooks"): endpoints, their secrets, their delivery log. Service
accounts and staff only: anyone else 403 (guard)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)

from family_safety.domain.webhooks.deps import (
    WEBHOOK_SERVICE,
    WebhookServiceDep,
    service_or_staff,
)
from family_safety.domain.webhooks.schemas import (
    DeliveryOut,
    EndpointOut,
    NewEndpoint,
    NewEndpointOut,
    SecretOut,
)
from family_safety.domain.webhooks.views import delivery_out, endpoint_out, new_endpoint_out
from family_safety.lib.clock import utc_now
from family_safety.lib.pagination import Page, RequestedPage, list_route
from family_safety.lib.problems import problem_responses


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["webhooks"]
    guards = [service_or_staff]
    dependencies = WEBHOOK_SERVICE

    @post(
        status_code=HTTP_201_CREATED,
        summary="Subscribe an endpoint to events (service, staff)",
        description="The answer holds the endpoint's `secret`, shown this once. The URL must be "
        "`https` and reach a public address (422 `webhook-url-not-allowed`), unless the "
        "operator lists its host in `FAMILY_SAFETY_WEBHOOK_ALLOW_HOSTS`.",
        responses=problem_responses(400, 401, 403, 413, 422),
    )
    async def create(
        self, data: JSONBody[NewEndpoint], webhook_service: WebhookServiceDep
    ) -> NewEndpointOut:
        endpoint, secret = await webhook_service.create(data, utc_now())
        return new_endpoint_out(endpoint, secret)

    @list_route(summary="The endpoints, oldest first (service, staff)", problems_of=(401, 403, 422))
    async def endpoints(
        self, webhook_service: WebhookServiceDep, page: RequestedPage
    ) -> Page[EndpointOut]:
        found = await webhook_service.endpoints(page.limit, page.cursor)
        return found.map(endpoint_out)

    @get(
        "/{endpoint_id:uuid}",
        summary="One endpoint, without its secret (service, staff)",
        responses=problem_responses(401, 403, 404),
    )
    async def endpoint(
        self, endpoint_id: FromPath[UUID], webhook_service: WebhookServiceDep
    ) -> EndpointOut:
        return endpoint_out(await webhook_service.endpoint(endpoint_id))

    @delete(
        "/{endpoint_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete an endpoint and its deliveries (service, staff)",
        responses=problem_responses(401, 403, 404),
    )
    async def delete(self, endpoint_id: FromPath[UUID], webhook_service: WebhookServiceDep) -> None:
        await webhook_service.delete(endpoint_id)

    @post(
        "/{endpoint_id:uuid}/secret",
        status_code=HTTP_200_OK,
        summary="A new secret (service, staff)",
        description="The previous secret signs beside the new one for 24 hours: two `v1,` "
        "signatures in `webhook-signature`.",
        responses=problem_responses(401, 403, 404),
    )
    async def rotate(
        self, endpoint_id: FromPath[UUID], webhook_service: WebhookServiceDep
    ) -> SecretOut:
        return SecretOut(secret=await webhook_service.rotate(endpoint_id, utc_now()))

    @post(
        "/{endpoint_id:uuid}/enable",
        status_code=HTTP_200_OK,
        summary="Enable an endpoint again (service, staff)",
        description="After a 410 disabled it: its pending deliveries are attempted again.",
        responses=problem_responses(401, 403, 404),
    )
    async def enable(
        self, endpoint_id: FromPath[UUID], webhook_service: WebhookServiceDep
    ) -> EndpointOut:
        return endpoint_out(await webhook_service.enable(endpoint_id))

    @list_route(
        "/{endpoint_id:uuid}/deliveries",
        summary="An endpoint's deliveries, oldest first (service, staff)",
        problems_of=(401, 403, 404, 422),
    )
    async def deliveries(
        self, endpoint_id: FromPath[UUID], webhook_service: WebhookServiceDep, page: RequestedPage
    ) -> Page[DeliveryOut]:
        found = await webhook_service.deliveries(endpoint_id, page.limit, page.cursor)
        return found.map(delivery_out)

    @post(
        "/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/retry",
        status_code=HTTP_202_ACCEPTED,
        summary="Attempt a delivery again now (service, staff)",
        responses=problem_responses(401, 403, 404),
    )
    async def retry(
        self,
        endpoint_id: FromPath[UUID],
        delivery_id: FromPath[UUID],
        webhook_service: WebhookServiceDep,
    ) -> Response[None]:
        await webhook_service.retry(endpoint_id, delivery_id, utc_now())
        return Response(None, status_code=HTTP_202_ACCEPTED)
