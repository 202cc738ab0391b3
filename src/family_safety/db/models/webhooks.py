"""Webhooks: the endpoints client back ends subscribe, the outbox of messages written in the
transaction of the change each reports, and each message's delivery to each endpoint.

A message lives in ``webhook_message`` (the outbox) from the commit of its change until a worker
fans it out: then one ``webhook_delivery`` per subscribed endpoint holds its body as signed, and
the message row is deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from family_safety.db.models.base import Base, JsonValue


class WebhookEndpoint(Base):
    """A URL told of the event types it subscribed to, with the secret its messages are signed
    with (and, for 24 hours after a rotation, the previous one)."""

    __tablename__ = "webhook_endpoint"

    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[Any]] = mapped_column(JsonValue)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(16))  # active | disabled
    # HMAC keys, kept as issued (`whsec_...`): the worker signs with them (docs/security.md).
    secret: Mapped[str] = mapped_column(String(64))
    previous_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    previous_secret_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class WebhookMessage(Base):
    """The outbox: one event, written in the transaction of the change it reports."""

    __tablename__ = "webhook_message"

    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)  # JSON: ids and the contract's fields only
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One message to one endpoint: pending until a 2xx delivers it or the last retry fails."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The worker's queue: pending deliveries, the first due first.
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
        # An endpoint's delivery log, newest first.
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    endpoint_id: Mapped[UUID] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    message_id: Mapped[UUID]  # the webhook-id, the same on every retry
    type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)  # as signed and sent: {type, timestamp, data}
    state: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None] = mapped_column(default=None)
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
