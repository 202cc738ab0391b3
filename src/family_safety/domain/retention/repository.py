"""The records retention sweeps: for each item of the pack's ``retention`` table, which rows no
period covers any more, given the moment the period ended (``cutoff``: now minus the period).

An item is its table, the columns of its key, and the condition that makes a row old enough to
delete; :func:`batch_delete` deletes at most a batch of them, by key, in one statement. Each
condition keeps what is still in use whatever the period: pending webhook deliveries, a link
that has not ended, a report awaiting a required escalation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Delete, and_, delete, func, or_, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from family_safety.db.idempotency import KEEP_ANSWERS_FOR
from family_safety.db.models import (
    GuardianLimit,
    GuardianLink,
    IdempotentRequest,
    LinkStatus,
    Notification,
    PairingCodeFailure,
    PairingInvitation,
    RefreshToken,
    RegistrationAttempt,
    Report,
    ScreenTimeDay,
    SignInFailure,
    TimeGrant,
    TimeRequest,
)

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from family_safety.lib.config import Settings

Cutoff = Callable[[datetime], "ColumnElement[bool]"]


def _nothing_needed(_settings: Settings) -> timedelta:
    return timedelta(0)


@dataclass(frozen=True, slots=True)
class Item:
    """One kind of record the pack's ``retention`` table names."""

    name: str
    what: str  # the rows, and from when their period counts (docs/retention.md)
    model: type[Any]  # the mapped class of its table
    key: tuple[InstrumentedAttribute[Any] | Any, ...]
    expired: Cutoff  # the rows no period covers, given the cutoff
    needs: Callable[[Settings], timedelta] = field(default=_nothing_needed)
    """The shortest period the service itself needs (a window it counts within)."""


def batch_delete(item: Item, cutoff: datetime, batch: int) -> Delete:
    """Delete at most ``batch`` of the item's rows older than ``cutoff``, by key."""
    doomed = select(*item.key).where(item.expired(cutoff)).limit(batch)
    if len(item.key) == 1:
        return delete(item.model).where(item.key[0].in_(doomed))
    return delete(item.model).where(tuple_(*item.key).in_(doomed))


def _local_day_over(cutoff: datetime) -> Any:
    # A local day D ends at the latest on D + 1 at 14:00 UTC (UTC+14); D < cutoff's date - 1
    # has surely ended before the cutoff, wherever its holder lives.
    return cutoff.date() - timedelta(days=1)


def _ended_link_ids(cutoff: datetime) -> Any:
    return select(GuardianLink.id).where(
        GuardianLink.status != LinkStatus.ACTIVE.value,
        GuardianLink.ended_at.is_not(None),
        GuardianLink.ended_at < cutoff,
    )


ITEMS: tuple[Item, ...] = (
    Item(
        "notifications",
        "notifications, from when they were made",
        Notification,
        (Notification.id,),
        lambda cutoff: Notification.created_at < cutoff,
    ),
    Item(
        "screen_time_days",
        "used time per local day, from the end of the day",
        ScreenTimeDay,
        (ScreenTimeDay.account_id, ScreenTimeDay.day),
        lambda cutoff: ScreenTimeDay.day < _local_day_over(cutoff),
    ),
    Item(
        "time_requests",
        "teens' requests for more time, from when they were made",
        TimeRequest,
        (TimeRequest.id,),
        lambda cutoff: and_(
            TimeRequest.created_at < cutoff, TimeRequest.expires_after < _local_day_over(cutoff)
        ),
    ),
    Item(
        "time_grants",
        "guardians' grants of time, from when they end",
        TimeGrant,
        (TimeGrant.id,),
        lambda cutoff: TimeGrant.until < cutoff,
    ),
    Item(
        "idempotency_records",
        "first answers kept for Idempotency-Key retries, from the first request",
        IdempotentRequest,
        (IdempotentRequest.account_id, IdempotentRequest.route, IdempotentRequest.key_digest),
        lambda cutoff: IdempotentRequest.created_at < cutoff,
        needs=lambda _settings: KEEP_ANSWERS_FOR,
    ),
    Item(
        "ended_link_limits",
        "a guardian's limits on a teen, from when their link ended",
        GuardianLimit,
        (GuardianLimit.link_id, GuardianLimit.key),
        lambda cutoff: GuardianLimit.link_id.in_(_ended_link_ids(cutoff)),
    ),
    Item(
        "closed_reports",
        "safety reports closed (actioned or no violation), from their last change",
        Report,
        (Report.id,),
        lambda cutoff: and_(
            Report.status.in_(("actioned", "no_violation")),
            Report.updated_at < cutoff,
            or_(Report.escalation_status.is_(None), Report.escalation_status != "required"),
        ),
    ),
    Item(
        "sign_in_failures",
        "failed sign-ins, from when they failed",
        SignInFailure,
        (SignInFailure.id,),
        lambda cutoff: SignInFailure.at < cutoff,
        needs=lambda settings: timedelta(seconds=settings.sign_in_window_seconds),
    ),
    Item(
        "pairing_code_failures",
        "wrong pairing codes, from when they were tried",
        PairingCodeFailure,
        (PairingCodeFailure.id,),
        lambda cutoff: PairingCodeFailure.at < cutoff,
    ),
    Item(
        "registration_attempts",
        "registrations counted per address, from when they were made",
        RegistrationAttempt,
        (RegistrationAttempt.id,),
        lambda cutoff: RegistrationAttempt.at < cutoff,
    ),
    Item(
        "expired_sign_ins",
        "refresh tokens, from when they expire",
        RefreshToken,
        (RefreshToken.id,),
        lambda cutoff: RefreshToken.expires_at < cutoff,
    ),
    Item(
        "expired_invitations",
        "pairing invitations, from when they expire",
        PairingInvitation,
        (PairingInvitation.id,),
        lambda cutoff: PairingInvitation.expires_at < cutoff,
    ),
)
"""The items this service sweeps itself. ``webhook_deliveries`` is the webhooks capability's:
``settled_deliveries(WebhookDelivery)`` is its item, passed to the plan where the app is built
(``server/core.retention_plan``)."""


def settled_deliveries(model: type[Any]) -> Item:
    """The ``webhook_deliveries`` item for the webhooks capability's delivery table (``model``:
    ``id``, ``state`` pending | delivered | failed, ``last_attempt_at``, ``created_at``): a
    delivery delivered or given up, from its last attempt; a pending one is never swept."""
    return Item(
        "webhook_deliveries",
        "webhook deliveries delivered or given up, from their last attempt",
        model,
        (model.id,),
        lambda cutoff: and_(
            model.state.in_(("delivered", "failed")),
            func.coalesce(model.last_attempt_at, model.created_at) < cutoff,
        ),
    )
