"""Time requests: a teen asks its guardians for more time, may cancel while it is pending, and
the first guardian to decide settles it (approving grants the time, ``screen_time.grants``).

Every write is one transaction, committed here at the end of its use case. Reads write nothing:
a pending request past the teen's local day reads as ``expired`` without being rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import func, select

from family_safety.db import outbox
from family_safety.db.models import TimeRequest
from family_safety.db.outbox import EventType
from family_safety.db.requests import PENDING, settle
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.screen_time.days import local_date, zone
from family_safety.domain.screen_time.grants import grant_time
from family_safety.domain.screen_time.schemas import TimeRequestOut
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount

MAX_PENDING_REQUESTS = 3

EXPIRED = "expired"
CANCELLED = "cancelled"


def request_status(request: TimeRequest, today: date) -> str:
    """A request's status on the teen's local ``today``: pending ones expire at its midnight."""
    if request.status == PENDING and request.expires_after < today:
        return EXPIRED
    return request.status


def request_out(request: TimeRequest, today: date) -> TimeRequestOut:
    return TimeRequestOut(
        id=request.id,
        kind=request.kind,  # type: ignore[arg-type]
        minutes=request.minutes,
        note=request.note,
        status=request_status(request, today),  # type: ignore[arg-type]
        created_at=request.created_at,
        decided_at=request.decided_at,
        decided_by=request.decided_by,
        granted_minutes=request.granted_minutes,
    )


def _audited(request: TimeRequest, status: str, **values: Any) -> dict[str, Any]:
    """What the audit keeps of a request: ids and values, never the note."""
    return {
        "id": str(request.id),
        "kind": request.kind,
        "minutes": request.minutes,
        "status": status,
        "granted_minutes": request.granted_minutes,
        **values,
    }


@dataclass(frozen=True, slots=True)
class TimeRequestService:
    session: AsyncSession

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
        self.session.add(request)
        await self.session.flush()
        await self._audit("created", teen, now, None, _audited(request, PENDING))
        outbox.enqueue(
            self.session,
            EventType.TIME_REQUEST_CREATED,
            request_id=request.id,
            teen_id=teen.id,
            status=PENDING,
        )
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            "kind": kind,
        }
        for guardian_id in guardian_ids:
            notify(
                self.session,
                guardian_id,
                NotificationKind.TIME_REQUEST_CREATED,
                {**data, "minutes": minutes},
                now,
            )
        await self.session.commit()
        return request_out(request, today)

    async def requests(
        self, teen: AnyAccount, limit: int, cursor: str | None, now: datetime
    ) -> Page[TimeRequestOut]:
        """The teen's requests, oldest first."""
        today = local_date(now, zone(teen.timezone))
        query = select(TimeRequest).where(TimeRequest.account_id == teen.id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(TimeRequest.id > after)
        rows = list(await self.session.scalars(query.order_by(TimeRequest.id).limit(limit + 1)))
        page = page_of(rows, limit, lambda row: row.id)
        return Page(
            items=[request_out(row, today) for row in page.items], next_cursor=page.next_cursor
        )

    async def cancel(self, teen: AnyAccount, request_id: UUID, now: datetime) -> None:
        """The teen cancels its pending request; any other request is left as it is."""
        today = local_date(now, zone(teen.timezone))
        request = await self._of(teen, request_id)
        if not await self._settle(request, today, status=CANCELLED, decided_at=now):
            return
        before, after = _audited(request, PENDING), _audited(request, CANCELLED)
        await self._audit("cancelled", teen, now, before, after)
        await self.session.commit()

    async def decide(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        request_id: UUID,
        *,
        approve: bool,
        minutes: int | None,
        now: datetime,
    ) -> TimeRequestOut:
        """A linked guardian decides; the first decision stands (409 for the others, 410 for an
        expired or cancelled request). Approving grants the minutes asked, or those given."""
        today = local_date(now, zone(teen.timezone))
        request = await self._of(teen, request_id)
        decided = "approved" if approve else "denied"
        granted = (minutes or request.minutes) if approve else None
        if not await self._settle(
            request,
            today,
            status=decided,
            decided_at=now,
            decided_by=guardian.id,
            granted_minutes=granted,
        ):
            if request_status(request, today) in (EXPIRED, CANCELLED):
                raise problems.request_expired()
            raise problems.request_decided()
        before = _audited(request, PENDING, granted_minutes=None)
        after = _audited(request, decided)
        by = chain.Actor(chain.ActorRole.GUARDIAN, guardian.id)
        await self._audit("decided", teen, now, before, after, by=by, link_id=link_id)
        grant = None
        if granted is not None:
            grant = await grant_time(
                self.session, guardian, teen, link_id, request.kind, granted, None, request.id, now
            )
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            "status": decided,
            "decided_by": party(guardian),
            "granted_minutes": granted,
            "grant_id": str(grant.id) if grant else None,
        }
        outbox.enqueue(
            self.session,
            EventType.TIME_REQUEST_DECIDED,
            request_id=request.id,
            teen_id=teen.id,
            status=decided,
        )
        others = await active_guardian_ids(self.session, teen.id, now.date())
        for account_id in [teen.id, *(other for other in others if other != guardian.id)]:
            notify(self.session, account_id, NotificationKind.TIME_REQUEST_DECIDED, data, now)
        await self.session.commit()
        return request_out(request, today)

    async def _of(self, teen: AnyAccount, request_id: UUID) -> TimeRequest:
        """The teen's request of that id: 404 for none, or another account's."""
        request = await self.session.get(TimeRequest, request_id)
        if request is None or request.account_id != teen.id:
            raise problems.not_found()
        return request

    async def _settle(self, request: TimeRequest, today: date, **values: Any) -> bool:
        """Move a request out of pending, unless another decision (or the day's end) came
        first (``db.requests.settle``)."""
        return await settle(
            self.session, request, still=(TimeRequest.expires_after >= today,), **values
        )

    async def _audit(
        self,
        event: str,
        teen: AnyAccount,
        now: datetime,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        *,
        by: chain.Actor | None = None,
        link_id: UUID | None = None,
    ) -> None:
        """The request's move, ``time_request.<event>``, on the teen's chain: by the teen itself
        unless said."""
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=by or chain.Actor(chain.ActorRole.SELF, teen.id),
            action=f"time_request.{event}",
            changes={"time_request": {"from": before, "to": after}},
            at=now,
            link_id=link_id,
        )
