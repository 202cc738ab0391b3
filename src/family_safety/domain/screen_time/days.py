"""Local days of an IANA time zone, measured in real elapsed seconds.

A local day runs from its midnight to the next one: 23 hours when the clocks go forward in it,
25 when they go back. Where a zone skips midnight itself (America/Santiago and America/Havana
jump from 00:00 to 01:00), the day starts at the first instant at or after its midnight, the
moment of the jump; where midnight happens twice (America/Havana going back from 01:00 to 00:00),
at the first; where clocks went back across midnight (America/Goose_Bay, 00:01 to 23:01 until
2010), the repeated evening belongs to the new day. Days are thus contiguous and never overlap:
each instant is in exactly one.
A date a zone skipped entirely (Pacific/Apia, 30 December 2011) is a day of no seconds.

Every answer is in UTC; instants given must be aware (a naive one raises TypeError).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from family_safety.domain.screen_time.intervals import Span

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name, made once."""
    return ZoneInfo(name)


def epoch_second(instant: datetime) -> int:
    """Whole seconds since 1970 (UTC), rounded down: usage is counted to the second."""
    return (instant - _EPOCH) // _SECOND


def first_instant_at(wall: datetime, tz: ZoneInfo, *, after: datetime | None = None) -> datetime:
    """The first instant (after ``after``, if given) at which tz's clocks read wall (naive) or,
    when they skip it, the moment they jump past it."""
    # fold 0 reads wall with the offset in force before a change, fold 1 with the one after.
    readings = [wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    real = [instant for instant in readings if _wall(instant, tz) == wall]
    if real:
        later = [instant for instant in real if after is None or instant > after]
        if not later:
            raise ValueError(f"{tz.key} clocks do not read {wall} after {after}")
        return min(later)
    # Skipped: the jump lies in (readings[1], readings[0]]; find the second it happens.
    low, high = epoch_second(readings[1]), epoch_second(readings[0])
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(_EPOCH + middle * _SECOND, tz) >= wall:
            high = middle
        else:
            low = middle
    return _EPOCH + high * _SECOND


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


@lru_cache(maxsize=4096)
def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local day (see the module's docstring), in UTC."""
    return first_instant_at(datetime.combine(day, time()), tz)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local day as a half-open UTC range: its start and the next day's start."""
    return day_start(day, tz), day_start(day + _DAY, tz)


def day_length(day: date, tz: ZoneInfo) -> int:
    """A local day's length in seconds: 86,400 on most days, 82,800 or 90,000 across a change."""
    start, end = day_bounds(day, tz)
    return (end - start) // _SECOND


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The local day an instant falls in."""
    day = instant.astimezone(tz).date()
    # Where clocks go back across midnight, the repeated evening belongs to the new day.
    return day + _DAY if instant >= day_start(day + _DAY, tz) else day


def next_midnight(now: datetime, tz: ZoneInfo) -> datetime:
    """When today (locally) ends and the next day's budget starts, in UTC."""
    return day_start(local_date(now, tz) + _DAY, tz)


class DayPart(NamedTuple):
    day: date
    span: Span  # seconds after the day's start


def split_by_day(start: datetime, end: datetime, tz: ZoneInfo) -> list[DayPart]:
    """The parts of [start, end) in each local day it touches, to the second (both ends rounded
    down); days it only touches for less than a second, or skipped days, have no part."""
    first, last = epoch_second(start), epoch_second(end)
    parts: list[DayPart] = []
    day = local_date(start, tz)
    while True:
        day_first, day_end = (epoch_second(bound) for bound in day_bounds(day, tz))
        if day_first >= last:
            return parts
        if max(first, day_first) < min(last, day_end):
            span = (max(first, day_first) - day_first, min(last, day_end) - day_first)
            parts.append(DayPart(day, span))
        day += _DAY


def spans_by_day(
    intervals: Iterable[tuple[datetime, datetime]], tz: ZoneInfo
) -> dict[date, list[Span]]:
    """Intervals of a report, split into the local days they touch (not yet merged)."""
    days: dict[date, list[Span]] = {}
    for start, end in intervals:
        for part in split_by_day(start, end, tz):
            days.setdefault(part.day, []).append(part.span)
    return days
