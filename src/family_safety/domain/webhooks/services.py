"""Webhook endpoints, managed by service accounts and staff: made with a new secret (shown once),
listed, deleted, given a new secret (the old one signs beside it for 24 hours) and enabled again
after a 410 disabled them; their delivery log, and a delivery retried by hand. One transaction
each, committed here."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from uuid import UUID

import structlog
from sqlalchemy import delete, select, update

from family_safety.db.models import WebhookDelivery, WebhookEndpoint
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of
from family_safety.lib.safe_http import UrlNotAllowed, UrlPolicy

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.webhooks.schemas import NewEndpoint

SECRET_PREFIX = "whsec_"  # noqa: S105  (the prefix, not a secret)
SECRET_BYTES = 32
ROTATION_OVERLAP = timedelta(hours=24)
ACTIVE, DISABLED = "active", "disabled"
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

_log = structlog.get_logger("family_safety.webhooks")


def new_secret() -> str:
    """``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass(frozen=True, slots=True)
class WebhookService:
    session: AsyncSession
    policy: UrlPolicy

    async def create(self, new: NewEndpoint, now: datetime) -> tuple[WebhookEndpoint, str]:
        """A new endpoint and its secret; 422 ``webhook-url-not-allowed`` for a URL that is not
        https or reaches a non-public address (unless its host is listed by the operator)."""
        try:
            await self.policy.check(new.url)
        except UrlNotAllowed as refused:
            raise problems.webhook_url_not_allowed(refused.reason) from None
        secret = new_secret()
        endpoint = WebhookEndpoint(
            url=new.url,
            events=list(dict.fromkeys(new.events)),
            description=new.description,
            state=ACTIVE,
            secret=secret,
            created_at=now,
        )
        self.session.add(endpoint)
        await self.session.commit()
        _log.info("webhook endpoint made", endpoint_id=str(endpoint.id))
        return endpoint, secret

    async def endpoints(self, limit: int, cursor: str | None) -> Page[WebhookEndpoint]:
        """Every endpoint, oldest first."""
        query = select(WebhookEndpoint)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(WebhookEndpoint.id > after)
        rows = list(await self.session.scalars(query.order_by(WebhookEndpoint.id).limit(limit + 1)))
        return page_of(rows, limit, lambda row: row.id)

    async def endpoint(self, endpoint_id: UUID) -> WebhookEndpoint:
        endpoint = await self.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise problems.not_found()
        return endpoint

    async def delete(self, endpoint_id: UUID) -> None:
        """The endpoint and its deliveries go; 404 when there is none."""
        result = await self.session.execute(
            delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise problems.not_found()
        await self.session.commit()
        _log.info("webhook endpoint deleted", endpoint_id=str(endpoint_id))

    async def rotate(self, endpoint_id: UUID, now: datetime) -> str:
        """A new secret; the one it replaces signs beside it for 24 hours (a secret replaced
        within those 24 hours stops signing at once: two sign at most)."""
        endpoint = await self.endpoint(endpoint_id)
        secret = new_secret()
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_until = now + ROTATION_OVERLAP
        endpoint.secret = secret
        await self.session.commit()
        _log.info("webhook secret rotated", endpoint_id=str(endpoint_id))
        return secret

    async def enable(self, endpoint_id: UUID) -> WebhookEndpoint:
        """Active again: its pending deliveries are attempted from now."""
        endpoint = await self.endpoint(endpoint_id)
        if endpoint.state != ACTIVE:
            endpoint.state = ACTIVE
            await self.session.commit()
            _log.info("webhook endpoint enabled", endpoint_id=str(endpoint_id))
        return endpoint

    async def deliveries(
        self, endpoint_id: UUID, limit: int, cursor: str | None
    ) -> Page[WebhookDelivery]:
        """The endpoint's deliveries, oldest first."""
        await self.endpoint(endpoint_id)
        query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(WebhookDelivery.id > after)
        rows = list(await self.session.scalars(query.order_by(WebhookDelivery.id).limit(limit + 1)))
        return page_of(rows, limit, lambda row: row.id)

    async def retry(self, endpoint_id: UUID, delivery_id: UUID, now: datetime) -> None:
        """Attempt the delivery again as soon as the worker can (once more after its schedule
        ran out; a delivered one is sent again); 404 when the endpoint has no such delivery."""
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
            .values(state=PENDING, next_attempt_at=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise problems.not_found()
        await self.session.commit()
