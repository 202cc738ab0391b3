"""Queries of the webhooks' queue that more than one part runs: its size, for ``/metrics``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from family_safety.db.models import WebhookDelivery, WebhookMessage

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


async def queue_counts(db: AsyncSession | AsyncConnection) -> dict[str, int]:
    """How many messages wait in the outbox to be fanned out (``outbox``), and how many
    deliveries are ``pending`` and ``failed``: the webhook queue gauges."""
    counts = {"outbox": 0, "pending": 0, "failed": 0}
    counts["outbox"] = int((await db.execute(select(func.count(WebhookMessage.id)))).scalar_one())
    by_state = await db.execute(
        select(WebhookDelivery.state, func.count(WebhookDelivery.id))
        .where(WebhookDelivery.state.in_(("pending", "failed")))
        .group_by(WebhookDelivery.state)
    )
    for state, count in by_state:
        counts[state] = int(count)
    return counts
