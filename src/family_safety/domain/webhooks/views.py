"""How an endpoint and a delivery are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from family_safety.domain.webhooks.schemas import DeliveryOut, EndpointOut, NewEndpointOut

if TYPE_CHECKING:
    from family_safety.db.models import WebhookDelivery, WebhookEndpoint


def _fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "state": endpoint.state,
        "created_at": endpoint.created_at,
    }


def endpoint_out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(**_fields(endpoint))


def new_endpoint_out(endpoint: WebhookEndpoint, secret: str) -> NewEndpointOut:
    return NewEndpointOut(**_fields(endpoint), secret=secret)


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    # The worker keeps a pending delivery's next attempt; a settled one has none.
    pending = delivery.state == "pending"
    return DeliveryOut(
        id=delivery.id,
        message_id=delivery.message_id,
        type=cast("Any", delivery.type),
        state=cast("Any", delivery.state),
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_attempt_at=delivery.last_attempt_at,
        next_attempt_at=delivery.next_attempt_at if pending else None,
    )
