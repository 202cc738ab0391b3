"""The screen time status answer, computed from values alone.

It sits on the hot path of every client app, so it stays cheap: one union already merged per day,
time-away windows read from the week's cached minute coverage (bit arithmetic, no loop over
minutes or seconds), and the day's bounds cached per date and zone.

Time-away windows are read on the wall clock, as their holder wrote them: a window from 22:00 to
07:00 ends at 07:00 local time, whatever the offset; minutes the clocks skip never happen, and a
repeated hour is covered (or not) both times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from family_safety.domain.policy.catalog import (
    DAYS,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WHOLE_WEEK,
    DailyLimit,
    Window,
    coverage,
)
from family_safety.domain.screen_time.days import first_instant_at, local_date, next_midnight
from family_safety.domain.screen_time.intervals import Spans, total_seconds

GrantKind = Literal["extra_time", "time_away_pause"]
State = Literal["time_away", "limit_reached", "allowed"]


@dataclass(frozen=True, slots=True)
class Grant:
    """A guardian's grant. ``extra_time`` adds minutes to the local day it is dated; a
    ``time_away_pause`` lifts time away from ``starts`` (the wire's ``from``) until ``until``."""

    id: str
    kind: GrantKind
    minutes: int
    date: date
    starts: datetime
    until: datetime
    granted_by: str
    request_id: str | None = None


class TimeAway(NamedTuple):
    active: bool
    until: datetime | None  # when it stops; None when inactive, or when it never stops this week


@dataclass(frozen=True, slots=True)
class ScreenTimeStatus:
    date: date
    timezone: str
    used_minutes: int
    limit_minutes: int | None
    granted_minutes: int
    remaining_minutes: int | None
    time_away: TimeAway
    state: State
    resets_at: datetime
    grants: tuple[Grant, ...]


class DaySummary(NamedTuple):
    """One day of the days page."""

    date: date
    used_minutes: int
    limit_minutes: int | None
    granted_minutes: int


def status(
    now: datetime,
    tz: ZoneInfo,
    *,
    usage: Spans,
    daily_limit: DailyLimit,
    time_away: tuple[Window, ...],
    grants: Iterable[Grant] = (),
) -> ScreenTimeStatus:
    """The status at now of an account in tz.

    usage is today's merged usage (the local day holding now); daily_limit and time_away are the
    effective settings' canonical values; grants are the account's grants that may count now:
    today's, and any pause still running from yesterday (a pause given at 23:50 for an hour runs
    past midnight). The answer lists those grants: today's, and pauses not yet over.
    """
    today = local_date(now, tz)
    grants = tuple(
        grant
        for grant in grants
        if grant.date == today or (grant.kind == "time_away_pause" and grant.until > now)
    )
    summary = day_summary(today, usage, daily_limit, grants)
    remaining = (
        None
        if summary.limit_minutes is None
        else max(0, summary.limit_minutes + summary.granted_minutes - summary.used_minutes)
    )
    pauses = [(grant.starts, grant.until) for grant in grants if grant.kind == "time_away_pause"]
    away = time_away_at(now, tz, time_away, pauses)
    state: State = "time_away" if away.active else "limit_reached" if remaining == 0 else "allowed"
    return ScreenTimeStatus(
        date=today,
        timezone=tz.key,
        used_minutes=summary.used_minutes,
        limit_minutes=summary.limit_minutes,
        granted_minutes=summary.granted_minutes,
        remaining_minutes=remaining,
        time_away=away,
        state=state,
        resets_at=next_midnight(now, tz),
        grants=grants,
    )


def day_summary(
    day: date, usage: Spans, daily_limit: DailyLimit, grants: Sequence[Grant]
) -> DaySummary:
    """A day's used minutes (whole minutes, rounded down), its weekday's limit and the extra
    minutes granted for it (extra_time grants dated that day; grants from several guardians add
    up)."""
    return DaySummary(
        date=day,
        used_minutes=total_seconds(usage) // 60,
        limit_minutes=daily_limit[day.weekday()],  # DAYS runs mon..sun, as weekday() does
        granted_minutes=sum(
            grant.minutes for grant in grants if grant.kind == "extra_time" and grant.date == day
        ),
    )


def time_away_at(
    now: datetime,
    tz: ZoneInfo,
    windows: tuple[Window, ...],
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> TimeAway:
    """Whether now falls in a time-away window that no pause [from, until) covers, and if so
    when time away stops: the end of the covered stretch (adjacent and overlapping windows and
    windows across midnight run on), or the start of a pause, whichever comes first."""
    covered = coverage(windows)
    if not _covers(covered, now, tz) or any(start <= now < until for start, until in pauses):
        return TimeAway(False, None)
    end = _stretch_end(now, tz, covered)
    for start, _ in pauses:
        if now < start and (end is None or start < end):
            end = start
    return TimeAway(True, end)


def covered_at(now: datetime, tz: ZoneInfo, windows: tuple[Window, ...]) -> bool:
    """Whether now falls in one of the windows (read on the wall clock, as ``time_away_at``
    reads them), without asking until when: what a decision needs of quiet hours."""
    return _covers(coverage(windows), now, tz)


def _minute_of_week(now: datetime, tz: ZoneInfo) -> int:
    local = now.astimezone(tz)
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


def _covers(covered: int, now: datetime, tz: ZoneInfo) -> bool:
    return bool(covered >> _minute_of_week(now, tz) & 1)


@lru_cache(maxsize=4096)
def _free(covered: int) -> int:
    return ~covered & WHOLE_WEEK


def _stretch_end(now: datetime, tz: ZoneInfo, covered: int) -> datetime | None:
    """When the covered minutes running on from now's end, on the wall clock; None when the
    whole week is covered."""
    free = _free(covered)
    if not free:
        return None
    end = now
    # One round, but for a stretch ending in minutes the clocks skip: at the jump, the wall clock
    # may read a covered minute again, and the stretch runs on from there.
    for _ in range(len(DAYS)):
        minute = _minute_of_week(end, tz)
        ahead = free >> minute
        if ahead:
            offset = (ahead & -ahead).bit_length() - 1
        else:  # past Sunday night, round to the week's first free minute
            offset = MINUTES_PER_WEEK - minute + (free & -free).bit_length() - 1
        wall = end.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0, fold=0)
        end = first_instant_at(wall + timedelta(minutes=offset), tz, after=end)
        if not _covers(covered, end, tz):
            return end
    return end
