"""Time requests: a teen asks its guardians for more time, may cancel while it is pending, and
the first guardian to decide settles it (approving grants the time, ``screen_time.grants``). The
lifecycle is the one every request shares (``requests.lifecycle``); here is what differs.

Reads write nothing: a pending request past the teen's local day reads as ``expired`` without
being rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from family_safety.db.models import TimeRequest
from family_safety.db.outbox import EventType
from family_safety.db.requests import PENDING
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import party
from family_safety.domain.requests.lifecycle import RequestNames, TeenRequests, wire_form
from family_safety.domain.screen_time.days import local_date, zone
from family_safety.domain.screen_time.grants import grant_time
from family_safety.domain.screen_time.schemas import TimeRequestOut
from family_safety.lib import problems

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime
    from uuid import UUID

    from sqlalchemy.sql import ColumnElement

    from family_safety.db.account_records import AnyAccount
    from family_safety.lib.problems import Problem

MAX_PENDING_REQUESTS = 3

EXPIRED = "expired"
CANCELLED = "cancelled"


def request_status(request: TimeRequest, today: date) -> str:
    """A request's status on the teen's local ``today``: pending ones expire at its midnight."""
    if request.status == PENDING and request.expires_after < today:
        return EXPIRED
    return request.status


def request_out(request: TimeRequest, today: date) -> TimeRequestOut:
    return wire_form(request, TimeRequestOut, status=request_status(request, today))


@dataclass(frozen=True, slots=True)
class TimeRequestService(TeenRequests[TimeRequest, TimeRequestOut]):
    names = RequestNames(
        subject="time_request",
        approved="approved",
        refused="denied",
        asked=NotificationKind.TIME_REQUEST_CREATED,
        decided=NotificationKind.TIME_REQUEST_DECIDED,
        asked_event=EventType.TIME_REQUEST_CREATED,
        decided_event=EventType.TIME_REQUEST_DECIDED,
    )
    model = TimeRequest

    async def ask(
        self, teen: AnyAccount, kind: str, minutes: int, note: str | None, now: datetime
    ) -> TimeRequestOut:
        """A teen asks its guardians for more time: 409 with no active guardian, or with three
        requests already pending."""
        today = local_date(now, zone(teen.timezone))
        await chain.lock_account(self.session, teen.id)  # serialises the pending count
        guardian_ids = await active_guardian_ids(self.session, teen.id, now.date())
        if not guardian_ids:
            raise problems.no_guardian()
        pending = await self.session.scalar(
            select(func.count())
            .select_from(TimeRequest)
            .where(
                TimeRequest.account_id == teen.id,
                TimeRequest.status == PENDING,
                TimeRequest.expires_after >= today,
            )
        )
        if pending and pending >= MAX_PENDING_REQUESTS:
            raise problems.request_limit_reached(MAX_PENDING_REQUESTS)
        request = TimeRequest(
            account_id=teen.id,
            kind=kind,
            minutes=minutes,
            note=note,
            status=PENDING,
            created_at=now,
            expires_after=today,
        )
        return await self._asked(teen, request, guardian_ids, now, kind=kind, minutes=minutes)

    async def cancel(self, teen: AnyAccount, request_id: UUID, now: datetime) -> None:
        """The teen cancels its pending request; any other request is left as it is."""
        request = await self._of(teen, request_id)
        if await self._settle(request, teen, now, status=CANCELLED, decided_at=now):
            await self._record("cancelled", teen, now, request, PENDING)
            await self.session.commit()

    # --- what differs from other requests ------------------------------------------------------

    def _wire(self, teen: AnyAccount, now: datetime) -> Callable[[TimeRequest], TimeRequestOut]:
        today = local_date(now, zone(teen.timezone))
        return lambda request: request_out(request, today)

    def _audited(self, request: TimeRequest, status: str) -> dict[str, Any]:
        """A pending request has granted nothing."""
        return {
            "id": str(request.id),
            "kind": request.kind,
            "minutes": request.minutes,
            "status": status,
            "granted_minutes": None if status == PENDING else request.granted_minutes,
        }

    def _still(self, teen: AnyAccount, now: datetime) -> tuple[ColumnElement[bool], ...]:
        """A request is settled on the teen's day it was asked, not after."""
        return (TimeRequest.expires_after >= local_date(now, zone(teen.timezone)),)

    def _decision(self, request: TimeRequest, approve: bool, minutes: int | None) -> dict[str, Any]:
        """Approving grants the minutes asked, or those given."""
        return {"granted_minutes": (minutes or request.minutes) if approve else None}

    def _too_late(self, request: TimeRequest, teen: AnyAccount, now: datetime) -> Problem:
        """409 after another decision, 410 for an expired or cancelled request."""
        today = local_date(now, zone(teen.timezone))
        if request_status(request, today) in (EXPIRED, CANCELLED):
            return problems.request_expired()
        return problems.request_decided()

    async def _decided(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        request: TimeRequest,
        now: datetime,
    ) -> dict[str, Any]:
        await self._record("decided", teen, now, request, PENDING, by=guardian, link_id=link_id)
        granted = request.granted_minutes
        grant = None
        if granted is not None:
            grant = await grant_time(
                self.session, guardian, teen, link_id, request.kind, granted, None, request.id, now
            )
        return {
            "status": request.status,
            "decided_by": party(guardian),
            "granted_minutes": granted,
            "grant_id": str(grant.id) if grant else None,
        }
