"""Local days in real zones: 23- and 25-hour days, and zones that skip or repeat midnight."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.screen_time.days import (
    DayPart,
    day_bounds,
    day_length,
    day_start,
    first_instant_at,
    local_date,
    next_midnight,
    spans_by_day,
    split_by_day,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")  # 2026: skips 00:00 on 6 Sep, repeats 23:00 on 4 Apr
HAVANA = ZoneInfo("America/Havana")  # 2026: skips 00:00 on 8 Mar, repeats 00:00 on 1 Nov
APIA = ZoneInfo("Pacific/Apia")  # skipped 30 December 2011 entirely
HOUR = 3_600


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        (LONDON, date(2026, 3, 28), 24),
        (LONDON, date(2026, 3, 29), 23),
        (LONDON, date(2026, 10, 25), 25),
        (NEW_YORK, date(2026, 3, 8), 23),
        (NEW_YORK, date(2026, 11, 1), 25),
        (NEW_YORK, date(2026, 11, 2), 24),
        (SANTIAGO, date(2026, 4, 4), 25),
        (SANTIAGO, date(2026, 9, 6), 23),
        (HAVANA, date(2026, 3, 8), 23),
        (HAVANA, date(2026, 11, 1), 25),
        (APIA, date(2011, 12, 29), 24),
        (APIA, date(2011, 12, 30), 0),
    ],
)
def test_a_day_lasts_the_real_time_between_two_midnights(
    tz: ZoneInfo, day: date, hours: int
) -> None:
    assert day_length(day, tz) == hours * HOUR


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() -> None:
    # Santiago, 6 Sep 2026: 00:00 (-04) becomes 01:00 (-03) at 04:00 UTC.
    assert day_start(date(2026, 9, 6), SANTIAGO) == utc(2026, 9, 6, 4)
    assert day_start(date(2026, 9, 6), SANTIAGO).astimezone(SANTIAGO).hour == 1
    assert day_bounds(date(2026, 9, 5), SANTIAGO)[1] == utc(2026, 9, 6, 4)


def test_a_day_whose_midnight_happens_twice_starts_at_the_first() -> None:
    # Havana, 1 Nov 2026: 01:00 (-04) goes back to 00:00 (-05) at 05:00 UTC.
    assert day_start(date(2026, 11, 1), HAVANA) == utc(2026, 11, 1, 4)
    assert local_date(utc(2026, 11, 1, 5, 30), HAVANA) == date(2026, 11, 1)


def test_an_evening_repeated_after_midnight_belongs_to_the_new_day() -> None:
    # Goose Bay, 29 Oct 2000: at 00:01 (-03) the clocks went back to 23:01 on the 28th (-04).
    goose_bay = ZoneInfo("America/Goose_Bay")
    repeated_evening = utc(2000, 10, 29, 3, 30)
    assert repeated_evening.astimezone(goose_bay).day == 28
    assert local_date(repeated_evening, goose_bay) == date(2000, 10, 29)
    assert day_length(date(2000, 10, 29), goose_bay) == 25 * HOUR


def test_a_skipped_date_has_no_time_and_the_next_starts_where_the_last_ended() -> None:
    assert day_bounds(date(2011, 12, 29), APIA)[1] == day_start(date(2011, 12, 31), APIA)
    parts = split_by_day(utc(2011, 12, 30, 9), utc(2011, 12, 30, 11), APIA)
    assert [part.day for part in parts] == [date(2011, 12, 29), date(2011, 12, 31)]


def test_an_evening_crossing_into_the_23_hour_day_counts_its_real_time() -> None:
    # London, 28 Mar 23:30 GMT to 29 Mar 03:00 BST: the clocks show 3.5 hours, 2.5 pass.
    parts = split_by_day(utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 2), LONDON)
    assert parts == [
        DayPart(date(2026, 3, 28), (86_400 - 1_800, 86_400)),
        DayPart(date(2026, 3, 29), (0, 2 * HOUR)),
    ]


def test_an_evening_crossing_into_the_25_hour_day_counts_its_real_time() -> None:
    # London, 24 Oct 23:00 BST to 25 Oct 03:00 GMT: the clocks show 4 hours, 5 pass.
    parts = split_by_day(utc(2026, 10, 24, 22), utc(2026, 10, 25, 3), LONDON)
    assert parts == [
        DayPart(date(2026, 10, 24), (23 * HOUR, 24 * HOUR)),
        DayPart(date(2026, 10, 25), (0, 4 * HOUR)),
    ]


def test_the_last_hour_of_the_25_hour_day_belongs_to_it() -> None:
    # New York, 1 Nov 2026 23:00 EST to 2 Nov 01:00 EST.
    parts = split_by_day(utc(2026, 11, 2, 4), utc(2026, 11, 2, 6), NEW_YORK)
    assert parts == [
        DayPart(date(2026, 11, 1), (24 * HOUR, 25 * HOUR)),
        DayPart(date(2026, 11, 2), (0, HOUR)),
    ]


def test_the_last_hour_of_the_23_hour_day_ends_it() -> None:
    # New York, 8 Mar 2026 23:00 EDT to 9 Mar 00:30 EDT.
    parts = split_by_day(utc(2026, 3, 9, 3), utc(2026, 3, 9, 4, 30), NEW_YORK)
    assert parts == [
        DayPart(date(2026, 3, 8), (22 * HOUR, 23 * HOUR)),
        DayPart(date(2026, 3, 9), (0, 1_800)),
    ]


def test_a_day_long_interval_can_touch_three_days_around_a_23_hour_day() -> None:
    parts = split_by_day(utc(2026, 3, 8, 4, 30), utc(2026, 3, 9, 4, 30), NEW_YORK)
    assert [(part.day, part.span[1] - part.span[0]) for part in parts] == [
        (date(2026, 3, 7), 1_800),
        (date(2026, 3, 8), 23 * HOUR),
        (date(2026, 3, 9), 1_800),
    ]


def test_fractions_of_a_second_are_counted_by_the_second_they_fall_in() -> None:
    start = utc(2026, 5, 1, 12) + timedelta(microseconds=900_000)
    parts = split_by_day(start, start + timedelta(seconds=2), LONDON)
    assert parts == [DayPart(date(2026, 5, 1), (13 * HOUR, 13 * HOUR + 2))]  # 13:00 BST
    assert split_by_day(start, start + timedelta(microseconds=50_000), LONDON) == []


def test_a_report_is_grouped_by_the_local_days_it_touches() -> None:
    intervals = [
        (utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 0, 30)),
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 10)),
    ]
    assert spans_by_day(intervals, LONDON) == {
        date(2026, 3, 28): [(84_600, 86_400)],
        date(2026, 3, 29): [(0, 1_800), (HOUR, HOUR + 600)],
    }


@pytest.mark.parametrize(
    ("tz", "now", "midnight"),
    [
        (LONDON, utc(2026, 3, 28, 23, 59, 59), utc(2026, 3, 29, 0)),
        (LONDON, utc(2026, 3, 29, 12), utc(2026, 3, 29, 23)),
        (LONDON, utc(2026, 10, 25, 12), utc(2026, 10, 26, 0)),
        (NEW_YORK, utc(2026, 11, 1, 6, 30), utc(2026, 11, 2, 5)),  # in the repeated hour
        (HAVANA, utc(2026, 3, 7, 20), utc(2026, 3, 8, 5)),  # 01:00 local: midnight skipped
    ],
)
def test_the_budget_resets_at_the_next_local_midnight(
    tz: ZoneInfo, now: datetime, midnight: datetime
) -> None:
    assert next_midnight(now, tz) == midnight


def test_a_clock_time_the_clocks_skip_happens_when_they_jump_past_it() -> None:
    assert first_instant_at(datetime(2026, 3, 8, 2, 30), NEW_YORK) == utc(2026, 3, 8, 7)


def test_a_clock_time_read_twice_is_first_read_in_summer_time() -> None:
    wall = datetime(2026, 11, 1, 1, 30)
    first = first_instant_at(wall, NEW_YORK)
    assert first == utc(2026, 11, 1, 5, 30)
    assert first_instant_at(wall, NEW_YORK, after=first) == utc(2026, 11, 1, 6, 30)


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(TypeError):
        split_by_day(datetime(2026, 1, 1), datetime(2026, 1, 2), LONDON)


zones = st.sampled_from([LONDON, NEW_YORK, SANTIAGO, HAVANA, ZoneInfo("Australia/Lord_Howe")])
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@given(zones, instants, st.integers(1, 24 * HOUR))
def test_split_parts_add_up_to_the_interval_and_fit_their_days(
    tz: ZoneInfo, start: datetime, seconds: int
) -> None:
    start = start.replace(microsecond=0)
    parts = split_by_day(start, start + timedelta(seconds=seconds), tz)
    assert sum(end - begin for _, (begin, end) in parts) == seconds
    assert parts[0].day == local_date(start, tz)
    for part in parts:
        assert 0 <= part.span[0] < part.span[1] <= day_length(part.day, tz)
    days = [part.day for part in parts]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]


@given(zones, instants)
def test_every_instant_lies_in_the_day_it_is_dated(tz: ZoneInfo, instant: datetime) -> None:
    start, end = day_bounds(local_date(instant, tz), tz)
    assert start <= instant < end
    assert next_midnight(instant, tz) == end
