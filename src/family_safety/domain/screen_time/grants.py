"""Time grants: extra minutes for the rest of a teen's local day, or time away lifted for a
while, given by a linked guardian (asked or not), and the grants that count now.

Every write is one transaction, committed here at the end of its use case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import and_, bindparam, or_, select

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import TimeGrant
from family_safety.domain.audit import chain
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.screen_time.days import local_date, next_midnight, zone
from family_safety.domain.screen_time.schemas import GrantOut, grant_out
from family_safety.domain.screen_time.status import Grant

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.links.access import GuardedTeen
    from family_safety.domain.screen_time.schemas import TimeRequestIn


GRANTS_NOW = HotQuery(
    select(
        TimeGrant.id,
        TimeGrant.kind,
        TimeGrant.minutes,
        TimeGrant.day,
        TimeGrant.starts,
        TimeGrant.until,
        TimeGrant.granted_by,
        TimeGrant.request_id,
    )
    .where(
        TimeGrant.account_id == bindparam("account_id"),
        or_(
            TimeGrant.day == bindparam("day"),
            and_(TimeGrant.kind == "time_away_pause", TimeGrant.until > bindparam("now")),
        ),
    )
    .order_by(TimeGrant.id)
)
"""The grants that count now: those of the local ``day``, and time-away pauses not yet over."""


def grant_from_row(
    grant_id: Any,
    kind: str,
    minutes: int,
    day: date,
    starts: datetime,
    until: datetime,
    granted_by: Any,
    request_id: Any,
) -> Grant:
    """A row of ``GRANTS_NOW`` as the status counts it."""
    return Grant(
        id=str(grant_id),
        kind=kind,  # type: ignore[arg-type]
        minutes=minutes,
        date=day,
        starts=starts,
        until=until,
        granted_by=str(granted_by),
        request_id=str(request_id) if request_id else None,
    )


def grant_of(row: TimeGrant) -> Grant:
    """A stored grant as the status counts it."""
    return grant_from_row(
        row.id,
        row.kind,
        row.minutes,
        row.day,
        row.starts,
        row.until,
        row.granted_by,
        row.request_id,
    )


async def grant_time(
    session: AsyncSession,
    guardian: AnyAccount,
    teen: AnyAccount,
    link_id: UUID,
    kind: str,
    minutes: int,
    note: str | None,
    request_id: UUID | None,
    now: datetime,
) -> TimeGrant:
    """A grant from now, in the caller's transaction: extra minutes for the rest of the teen's
    local day, or time away lifted for the next ``minutes``; audited on the teen's chain."""
    tz = zone(teen.timezone)
    until = next_midnight(now, tz) if kind == "extra_time" else now + timedelta(minutes=minutes)
    grant = TimeGrant(
        account_id=teen.id,
        kind=kind,
        minutes=minutes,
        day=local_date(now, tz),
        starts=now,
        until=until,
        granted_by=guardian.id,
        note=note,
        request_id=request_id,
        created_at=now,
    )
    session.add(grant)
    await session.flush()
    changes.note(session, teen.id, ChangeKind.SCREEN_TIME)
    await chain.record(
        session,
        account_id=teen.id,
        actor=chain.Actor(chain.ActorRole.GUARDIAN, guardian.id),
        action="time_grant.created",
        changes={
            "time_grant": {
                "from": None,
                "to": {
                    "id": str(grant.id),
                    "kind": kind,
                    "minutes": minutes,
                    "date": grant.day.isoformat(),
                    "request_id": str(request_id) if request_id else None,
                },
            }
        },
        at=now,
        link_id=link_id,
    )
    return grant


@dataclass(frozen=True, slots=True)
class GrantService:
    session: AsyncSession

    async def give(
        self, guardian: AnyAccount, guarded: GuardedTeen, given: TimeRequestIn, now: datetime
    ) -> GrantOut:
        """A guardian grants its teen time, unasked."""
        teen, kind, minutes, note = guarded.teen, given.kind, given.minutes, given.note
        await chain.lock_account(self.session, teen.id)
        grant = await grant_time(
            self.session, guardian, teen, guarded.link.id, kind, minutes, note, None, now
        )
        data = {"grant_id": str(grant.id), "kind": kind, "minutes": minutes}
        data |= {"granted_by": party(guardian), "teen": party(teen), "note": note}
        notify(self.session, teen.id, NotificationKind.TIME_GRANT_CREATED, data, now)
        await self.session.commit()
        return grant_out(grant_of(grant))
