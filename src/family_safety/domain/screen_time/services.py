"""Screen time use cases: usage reports, the status and days, time requests and grants.

Every write is one transaction, committed here at the end of its use case. Reads write nothing:
a pending request past the teen's local day reads as ``expired`` without being rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import Date, and_, bindparam, func, insert, or_, select, update

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import ScreenTimeDay, TimeGrant, TimeRequest
from family_safety.db.writes import Announce, ExecuteMany, Fetch, Step
from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify
from family_safety.domain.screen_time import intervals
from family_safety.domain.screen_time.days import local_date, next_midnight, spans_by_day
from family_safety.domain.screen_time.schemas import (
    DayOut,
    GrantOut,
    TimeRequestOut,
)
from family_safety.domain.screen_time.status import Grant
from family_safety.domain.screen_time.usage import InvalidUsageReport, parse_usage_report
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from collections.abc import Generator
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.catalog import DailyLimit
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.screen_time.intervals import Span

MAX_PENDING_REQUESTS = 3
MAX_DAYS = 31
DEFAULT_DAYS = 7

PENDING = "pending"
EXPIRED = "expired"
CANCELLED = "cancelled"

DAILY_LIMIT = "screen_time.daily_limit_minutes"
TIME_AWAY = "screen_time.time_away"


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


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


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=UUID(grant.id),
        kind=grant.kind,
        minutes=grant.minutes,
        date=grant.date,
        starts=grant.starts,
        until=grant.until,
        granted_by=UUID(grant.granted_by),
        request_id=UUID(grant.request_id) if grant.request_id else None,
    )


def _as_grant(row: TimeGrant) -> Grant:
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


def _request_audit(request: TimeRequest, status: str) -> dict[str, Any]:
    """What the audit keeps of a request: ids and values, never the note."""
    return {
        "id": str(request.id),
        "kind": request.kind,
        "minutes": request.minutes,
        "status": status,
        "granted_minutes": request.granted_minutes,
    }


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


@dataclass(frozen=True, slots=True)
class Reported:
    """Today's used time (merged spans) and the grants that count now, read under the
    account's lock by the report that just committed: what the status after it needs."""

    usage: tuple[Any, ...]
    grants: tuple[Grant, ...]


_DAYS = HotQuery(
    select(ScreenTimeDay.day, ScreenTimeDay.spans).where(
        ScreenTimeDay.account_id == bindparam("account_id"),
        ScreenTimeDay.day.between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
    )
)
_NEW_DAY = HotQuery(
    insert(ScreenTimeDay).values(
        {name: bindparam(name) for name in ("account_id", "day", "spans", "used_seconds")}
    )
)
_CHANGED_DAY = HotQuery(
    update(ScreenTimeDay)
    .where(
        ScreenTimeDay.account_id == bindparam("account_id"),
        ScreenTimeDay.day == bindparam("day"),
    )
    .values(spans=bindparam("spans"), used_seconds=bindparam("used_seconds"))
)


def reported_days(account: AnyAccount, raw: object, now: datetime) -> dict[date, list[Span]]:
    """A device's report, checked (422 naming the bad interval or field), as spans per local
    day of the account; empty when it holds no time."""
    try:
        report = parse_usage_report(raw, now)
    except InvalidUsageReport as invalid:
        raise problems.validation(invalid.errors) from invalid
    return spans_by_day(report.intervals, zone(account.timezone))


def merge_usage(
    account: AnyAccount, by_day: dict[date, list[Span]], now: datetime
) -> Generator[Step, Any, Reported]:
    """Merge a report's spans into the account's days, a lean write (``db.writes``): a
    read-modify-write under the account's lock, where what is already counted adds nothing.
    Returns today's used time and the grants as they stand under that lock, for the status
    answered after it."""
    today = local_date(now, zone(account.timezone))
    yield from chain.locked(account.id)  # reports of one account, one at a time
    touched = [*by_day, today]
    rows = yield Fetch(
        _DAYS, {"account_id": account.id, "first": min(touched), "last": max(touched)}
    )
    stored = {day: intervals.decode(spans) for day, spans in rows}
    usage = stored.get(today, ())
    new, changed = [], []
    for day, spans in by_day.items():
        before = stored.get(day, ())
        merged = intervals.union(before, spans)
        if day == today:
            usage = merged
        if merged != before:
            (changed if day in stored else new).append(
                {
                    "account_id": account.id,
                    "day": day,
                    "spans": intervals.encode(merged),
                    "used_seconds": intervals.total_seconds(merged),
                }
            )
    if new:
        yield ExecuteMany(_NEW_DAY, new)
    if changed:
        yield ExecuteMany(_CHANGED_DAY, changed)
    if new or changed:
        yield Announce(changes.Change(account.id, ChangeKind.SCREEN_TIME))
    grants = yield Fetch(GRANTS_NOW, {"account_id": account.id, "day": today, "now": now})
    return Reported(usage=usage, grants=tuple(grant_from_row(*row) for row in grants))


@dataclass(frozen=True, slots=True)
class ScreenTimeService:
    session: AsyncSession
    pack: PolicyPack

    # --- usage, status and days ---------------------------------------------------------

    async def days(
        self,
        account: AnyAccount,
        first: date | None,
        last: date | None,
        limit: int,
        cursor: str | None,
        now: datetime,
    ) -> Page[DayOut]:
        """Each local day from first to last (both included, at most 31), oldest first. Limits
        are those of today's effective settings for each day's weekday."""
        last = last or local_date(now, zone(account.timezone))
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise problems.invalid_field("from", "must not be after to")
        if (last - first).days >= MAX_DAYS:
            raise problems.invalid_field("to", f"at most {MAX_DAYS} days from from")
        if (after := decode_cursor(cursor, date.fromisoformat)) is not None:
            first = max(first, after + timedelta(days=1))
        dates = [first + timedelta(days=n) for n in range((last - first).days + 1)][: limit + 1]
        if not dates:
            return Page(items=[], next_cursor=None)
        window = (dates[0], dates[-1])
        daily_limit, _ = await self._screen_time_settings(account, now)
        used_seconds: dict[date, int] = dict(
            (
                await self.session.execute(
                    select(ScreenTimeDay.day, ScreenTimeDay.used_seconds).where(
                        ScreenTimeDay.account_id == account.id, ScreenTimeDay.day.between(*window)
                    )
                )
            ).all()
        )
        granted: dict[date, int] = {}
        for day, minutes in await self.session.execute(
            select(TimeGrant.day, TimeGrant.minutes).where(
                TimeGrant.account_id == account.id,
                TimeGrant.kind == "extra_time",
                TimeGrant.day.between(*window),
            )
        ):
            granted[day] = granted.get(day, 0) + minutes
        page = page_of(dates, limit, lambda day: day.isoformat())
        return Page(
            items=[
                DayOut(  # as status.day_summary, from the seconds stored beside the spans
                    date=day,
                    used_minutes=used_seconds.get(day, 0) // 60,
                    limit_minutes=daily_limit[day.weekday()],
                    granted_minutes=granted.get(day, 0),
                )
                for day in page.items
            ],
            next_cursor=page.next_cursor,
        )

    async def _screen_time_settings(
        self, account: AnyAccount, now: datetime
    ) -> tuple[DailyLimit, tuple[Any, ...]]:
        snapshot = await AccountSettingsService(self.session, self.pack).snapshot(
            account, now.date()
        )
        settings = snapshot.effective.settings
        return settings[DAILY_LIMIT].value, settings[TIME_AWAY].value

    # --- requests -----------------------------------------------------------------------

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
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.SELF, teen.id),
            action="time_request.created",
            changes={"time_request": {"from": None, "to": _request_audit(request, PENDING)}},
            at=now,
        )
        data = {"request_id": str(request.id), "teen_id": str(teen.id), "kind": kind}
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
        request = await self.session.get(TimeRequest, request_id)
        if request is None or request.account_id != teen.id:
            raise problems.not_found()
        if not await self._settle(request, today, status=CANCELLED, decided_at=now):
            return
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.SELF, teen.id),
            action="time_request.cancelled",
            changes={
                "time_request": {
                    "from": _request_audit(request, PENDING),
                    "to": _request_audit(request, CANCELLED),
                }
            },
            at=now,
        )
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
        tz = zone(teen.timezone)
        today = local_date(now, tz)
        request = await self.session.get(TimeRequest, request_id)
        if request is None or request.account_id != teen.id:
            raise problems.not_found()
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
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.GUARDIAN, guardian.id),
            action="time_request.decided",
            changes={
                "time_request": {
                    "from": {**_request_audit(request, PENDING), "granted_minutes": None},
                    "to": _request_audit(request, decided),
                }
            },
            at=now,
            link_id=link_id,
        )
        grant = None
        if granted is not None:
            grant = await self._grant(
                guardian, teen, link_id, request.kind, granted, None, request.id, now
            )
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "status": decided,
            "decided_by": str(guardian.id),
            "granted_minutes": granted,
            "grant_id": str(grant.id) if grant else None,
        }
        others = await active_guardian_ids(self.session, teen.id, now.date())
        for account_id in [teen.id, *(other for other in others if other != guardian.id)]:
            notify(self.session, account_id, NotificationKind.TIME_REQUEST_DECIDED, data, now)
        await self.session.commit()
        return request_out(request, today)

    async def _settle(self, request: TimeRequest, today: date, **values: Any) -> bool:
        """Move a request out of pending, unless another decision (or the day's end) came
        first: a conditional UPDATE, so exactly one of concurrent deciders wins. The request
        is refreshed either way."""
        result = await self.session.execute(
            update(TimeRequest)
            .where(
                TimeRequest.id == request.id,
                TimeRequest.status == PENDING,
                TimeRequest.expires_after >= today,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(request)
        return result.rowcount == 1  # type: ignore[attr-defined]

    # --- grants -------------------------------------------------------------------------

    async def give(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        kind: str,
        minutes: int,
        note: str | None,
        now: datetime,
    ) -> GrantOut:
        """A guardian grants time unasked."""
        await chain.lock_account(self.session, teen.id)
        grant = await self._grant(guardian, teen, link_id, kind, minutes, note, None, now)
        notify(
            self.session,
            teen.id,
            NotificationKind.TIME_GRANT_CREATED,
            {
                "grant_id": str(grant.id),
                "kind": kind,
                "minutes": minutes,
                "granted_by": str(guardian.id),
                "note": note,
            },
            now,
        )
        await self.session.commit()
        return grant_out(_as_grant(grant))

    async def _grant(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        kind: str,
        minutes: int,
        note: str | None,
        request_id: UUID | None,
        now: datetime,
    ) -> TimeGrant:
        """A grant from now: extra minutes for the rest of the teen's local day, or time away
        lifted for the next ``minutes``; audited on the teen's chain."""
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
        self.session.add(grant)
        await self.session.flush()
        changes.note(self.session, teen.id, ChangeKind.SCREEN_TIME)
        await chain.record(
            self.session,
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


async def export_of(session: AsyncSession, account: AnyAccount, now: datetime) -> dict[str, Any]:
    """What screen time holds about an account, for its data export: its used time per local
    day, its requests and its grants."""
    today = local_date(now, zone(account.timezone))
    days = await session.scalars(
        select(ScreenTimeDay)
        .where(ScreenTimeDay.account_id == account.id)
        .order_by(ScreenTimeDay.day)
    )
    requests = await session.scalars(
        select(TimeRequest).where(TimeRequest.account_id == account.id).order_by(TimeRequest.id)
    )
    grants = await session.scalars(
        select(TimeGrant).where(TimeGrant.account_id == account.id).order_by(TimeGrant.id)
    )
    return msgspec.to_builtins(
        {
            "days": [{"date": day.day, "used_minutes": day.used_seconds // 60} for day in days],
            "time_requests": [request_out(request, today) for request in requests],
            "time_grants": [grant_out(_as_grant(grant)) for grant in grants],
        }
    )
