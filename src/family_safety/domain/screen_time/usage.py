"""Used time: a device's usage report merged into the account's local days (a lean write), and
the days as a page, each with its limit and the extra time granted on it.

The status now is ``screen_time.hot_path``'s; the checks of one report, ``usage_report``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Date, bindparam, delete, insert, select, update

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import ScreenTimeDay, TimeGrant
from family_safety.db.writes import Announce, ExecuteMany, Fetch, Step
from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.audit import chain
from family_safety.domain.screen_time import intervals
from family_safety.domain.screen_time.days import day_start, local_date, spans_by_day, zone
from family_safety.domain.screen_time.grants import GRANTS_NOW, grant_from_row
from family_safety.domain.screen_time.schemas import DayOut
from family_safety.domain.screen_time.usage_report import InvalidUsageReport, parse_usage_report
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from collections.abc import Generator
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.screen_time.intervals import Span, Spans
    from family_safety.domain.screen_time.status import Grant

MAX_DAYS = 31
DEFAULT_DAYS = 7

DAILY_LIMIT = "screen_time.daily_limit_minutes"
TIME_AWAY = "screen_time.time_away"


@dataclass(frozen=True, slots=True)
class Reported:
    """Today's used time (merged spans) and the grants that count now, read under the
    account's lock by the report that just committed: what the status after it needs."""

    usage: Spans
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
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
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


async def rezone(session: AsyncSession, account_id: UUID, old: str, new: str) -> None:
    """Move the account's stored days from the local days of time zone ``old`` to those of
    ``new``, in the caller's transaction: every second already counted stays counted, on the day
    it falls in under the new zone (a change of time zone takes effect at once)."""
    rows = (
        await session.execute(
            select(ScreenTimeDay.day, ScreenTimeDay.spans).where(
                ScreenTimeDay.account_id == account_id
            )
        )
    ).all()
    if not rows:
        return
    old_tz, new_tz = zone(old), zone(new)
    instants = [
        (start_of + timedelta(seconds=start), start_of + timedelta(seconds=end))
        for day, spans in rows
        for start_of in (day_start(day, old_tz),)
        for start, end in intervals.decode(spans)
    ]
    days = {day: intervals.union(spans) for day, spans in spans_by_day(instants, new_tz).items()}
    await session.execute(
        delete(ScreenTimeDay)
        .where(ScreenTimeDay.account_id == account_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(ScreenTimeDay),
        [
            {
                "account_id": account_id,
                "day": day,
                "spans": intervals.encode(spans),
                "used_seconds": intervals.total_seconds(spans),
            }
            for day, spans in days.items()
        ],
    )
    changes.note(session, account_id, ChangeKind.SCREEN_TIME)


class DaysAsked(NamedTuple):
    """Which of an account's days are asked for: from ``first`` to ``last`` (each by default when
    None), one page of ``limit`` days after ``cursor``."""

    first: date | None
    last: date | None
    limit: int
    cursor: str | None


@dataclass(frozen=True, slots=True)
class UsageService:
    session: AsyncSession
    pack: PolicyPack

    async def days(self, account: AnyAccount, asked: DaysAsked, now: datetime) -> Page[DayOut]:
        """Each local day from first to last (both included, at most 31), oldest first. Limits
        are those of today's effective settings for each day's weekday."""
        last = asked.last or local_date(now, zone(account.timezone))
        first = asked.first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise problems.invalid_field("from", "must not be after to")
        if (last - first).days >= MAX_DAYS:
            raise problems.invalid_field("to", f"must be at most {MAX_DAYS} days after from")
        if (after := decode_cursor(asked.cursor, date.fromisoformat)) is not None:
            first = max(first, after + timedelta(days=1))
        dates = [first + timedelta(days=n) for n in range((last - first).days + 1)][
            : asked.limit + 1
        ]
        if not dates:
            return Page(items=[], next_cursor=None)
        window = (dates[0], dates[-1])
        snapshot = await AccountSettingsService(self.session, self.pack).snapshot(
            account, now.date()
        )
        daily_limit = snapshot.effective.settings[DAILY_LIMIT].value
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
        page = page_of(dates, asked.limit, lambda day: day.isoformat())
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
