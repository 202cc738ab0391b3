"""The status a teen's apps show: used, limit, grants, remaining, time away, state, reset."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from family_safety.domain.policy import CATALOG, Window
from family_safety.domain.policy.catalog import DAYS
from family_safety.domain.screen_time.intervals import Spans
from family_safety.domain.screen_time.schemas import status_out
from family_safety.domain.screen_time.status import (
    Grant,
    GrantKind,
    ScreenTimeStatus,
    day_summary,
    status,
    time_away_at,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LIMITS = CATALOG["screen_time.daily_limit_minutes"]
TIME_AWAY = CATALOG["screen_time.time_away"]
NO_LIMIT = LIMITS.parse(None)
HOUR = 3_600
# Wednesday 6 May 2026, 16:00 in London (15:00 UTC): no clock change near.
WEDNESDAY = datetime(2026, 5, 6, 15, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def windows(*raw: tuple[list[str], str, str]) -> tuple[Window, ...]:
    return TIME_AWAY.parse([{"days": days, "start": start, "end": end} for days, start, end in raw])


def used(minutes: int) -> Spans:
    return ((8 * HOUR, 8 * HOUR + minutes * 60),)


def grant(
    kind: GrantKind = "extra_time",
    minutes: int = 30,
    day: date = date(2026, 5, 6),
    starts: datetime = WEDNESDAY - timedelta(hours=1),
    until: datetime | None = None,
    by: str = "guardian-1",
) -> Grant:
    return Grant(
        id=f"{kind}-{by}-{starts.isoformat()}",
        kind=kind,
        minutes=minutes,
        date=day,
        starts=starts,
        until=until or starts + timedelta(minutes=minutes),
        granted_by=by,
    )


def at(now: datetime = WEDNESDAY, tz: ZoneInfo = LONDON, **given: Any) -> ScreenTimeStatus:
    given.setdefault("usage", ())
    given.setdefault("daily_limit", NO_LIMIT)
    given.setdefault("time_away", ())
    return status(now, tz, **given)


def test_with_time_left_the_teen_is_allowed_and_sees_what_remains() -> None:
    answer = at(usage=used(45), daily_limit=LIMITS.parse(120))
    assert (answer.used_minutes, answer.limit_minutes, answer.remaining_minutes) == (45, 120, 75)
    assert answer.state == "allowed"
    assert answer.date == date(2026, 5, 6)
    assert answer.timezone == "Europe/London"


def test_when_nothing_remains_the_limit_is_reached() -> None:
    answer = at(usage=used(120), daily_limit=LIMITS.parse(120))
    assert (answer.remaining_minutes, answer.state) == (0, "limit_reached")


def test_going_over_the_limit_leaves_nothing_rather_than_less_than_nothing() -> None:
    answer = at(usage=used(200), daily_limit=LIMITS.parse(120))
    assert (answer.remaining_minutes, answer.state) == (0, "limit_reached")


def test_without_a_limit_nothing_is_counted_down() -> None:
    answer = at(usage=used(600), daily_limit=NO_LIMIT)
    assert (answer.limit_minutes, answer.remaining_minutes, answer.state) == (None, None, "allowed")


def test_used_time_counts_whole_minutes_only() -> None:
    answer = at(usage=((0, 119), (200, 259)), daily_limit=LIMITS.parse(15))
    assert (answer.used_minutes, answer.remaining_minutes) == (2, 13)


def test_the_limit_is_the_one_for_the_local_weekday() -> None:
    limits = LIMITS.parse(dict(zip(DAYS, [60, 60, 60, 60, 60, 180, None], strict=True)))
    saturday_night_in_new_york = utc(2026, 5, 10, 2)  # already Sunday in UTC
    assert at(saturday_night_in_new_york, NEW_YORK, daily_limit=limits).limit_minutes == 180
    assert at(utc(2026, 5, 10, 12), NEW_YORK, daily_limit=limits).limit_minutes is None


def test_extra_time_from_several_guardians_adds_up() -> None:
    grants = [grant(minutes=30), grant(minutes=15, by="guardian-2")]
    answer = at(usage=used(130), daily_limit=LIMITS.parse(120), grants=grants)
    assert (answer.granted_minutes, answer.remaining_minutes, answer.state) == (45, 35, "allowed")
    assert answer.grants == tuple(grants)


def test_extra_time_from_yesterday_gives_nothing_today() -> None:
    yesterday = grant(day=date(2026, 5, 5), starts=WEDNESDAY - timedelta(days=1))
    answer = at(usage=used(120), daily_limit=LIMITS.parse(120), grants=[yesterday])
    assert (answer.granted_minutes, answer.state, answer.grants) == (0, "limit_reached", ())


def test_extra_time_counts_even_without_a_limit_but_nothing_is_counted_down() -> None:
    answer = at(grants=[grant(minutes=20)])
    assert (answer.granted_minutes, answer.remaining_minutes) == (20, None)


def test_the_budget_resets_at_the_next_local_midnight_after_a_25_hour_day() -> None:
    answer = at(utc(2026, 10, 25, 12), LONDON)
    assert answer.resets_at == utc(2026, 10, 26, 0)
    assert at(utc(2026, 5, 6, 23, 30), LONDON).date == date(2026, 5, 7)


def test_time_away_across_midnight_lasts_until_the_morning() -> None:
    night = windows((list(DAYS), "21:00", "07:00"))
    late = at(utc(2026, 5, 6, 22, 30), time_away=night)  # 23:30 BST
    early = at(utc(2026, 5, 7, 4), time_away=night)  # 05:00 BST, the window began yesterday
    for answer in (late, early):
        assert answer.time_away == (True, utc(2026, 5, 7, 6))  # 07:00 BST
        assert answer.state == "time_away"


def test_time_away_from_sunday_night_runs_into_monday_morning() -> None:
    sunday_night = windows((["sun"], "22:00", "06:30"))
    for now in (utc(2026, 5, 10, 22, 30), utc(2026, 5, 11, 4)):  # Sunday 23:30, Monday 05:00 BST
        assert at(now, time_away=sunday_night).time_away == (True, utc(2026, 5, 11, 5, 30))


def test_outside_time_away_nothing_is_away() -> None:
    answer = at(utc(2026, 5, 7, 6), time_away=windows((list(DAYS), "21:00", "07:00")))
    assert (answer.time_away.active, answer.time_away.until, answer.state) == (
        False,
        None,
        "allowed",
    )


def test_back_to_back_windows_end_together() -> None:
    evening = windows((["wed"], "20:00", "22:00"), (["wed"], "22:00", "07:00"))
    answer = at(utc(2026, 5, 6, 19, 30), time_away=evening)  # 20:30 BST
    assert answer.time_away.until == utc(2026, 5, 7, 6)


def test_time_away_comes_before_the_limit() -> None:
    answer = at(
        utc(2026, 5, 6, 21), usage=used(120), daily_limit=LIMITS.parse(60), time_away=windows()
    )
    assert answer.state == "limit_reached"
    answer = at(
        utc(2026, 5, 6, 21),
        usage=used(120),
        daily_limit=LIMITS.parse(60),
        time_away=windows((["wed"], "21:00", "23:00")),
    )
    assert answer.state == "time_away"


def test_a_pause_lifts_time_away_while_it_runs() -> None:
    night = windows((list(DAYS), "21:00", "07:00"))
    pause = grant("time_away_pause", minutes=60, starts=utc(2026, 5, 6, 20, 30))
    during = at(utc(2026, 5, 6, 21), time_away=night, grants=[pause])
    after = at(utc(2026, 5, 6, 21, 30), time_away=night, grants=[pause])
    assert (during.time_away.active, during.state) == (False, "allowed")
    assert (after.time_away.active, after.state) == (True, "time_away")


def test_a_paused_teen_out_of_time_has_reached_the_limit() -> None:
    pause = grant("time_away_pause", minutes=60, starts=utc(2026, 5, 6, 20, 30))
    answer = at(
        utc(2026, 5, 6, 21),
        usage=used(60),
        daily_limit=LIMITS.parse(60),
        time_away=windows((list(DAYS), "21:00", "07:00")),
        grants=[pause],
    )
    assert answer.state == "limit_reached"


def test_a_pause_given_before_midnight_runs_on_after_it() -> None:
    pause = grant(
        "time_away_pause", minutes=60, day=date(2026, 5, 6), starts=utc(2026, 5, 6, 22, 50)
    )
    answer = at(
        utc(2026, 5, 6, 23, 10), time_away=windows((list(DAYS), "21:00", "07:00")), grants=[pause]
    )
    assert answer.date == date(2026, 5, 7)
    assert (answer.time_away.active, answer.grants) == (False, (pause,))
    assert answer.granted_minutes == 0  # a pause gives no extra minutes


def test_a_pause_about_to_start_ends_time_away_when_it_starts() -> None:
    pause = grant("time_away_pause", minutes=30, starts=utc(2026, 5, 6, 21))
    answer = at(
        utc(2026, 5, 6, 20, 30), time_away=windows((list(DAYS), "21:00", "07:00")), grants=[pause]
    )
    assert answer.time_away == (True, utc(2026, 5, 6, 21))


def test_time_away_every_minute_of_the_week_never_stops() -> None:
    always = windows((list(DAYS), "00:00", "12:00"), (list(DAYS), "12:00", "00:00"))
    assert at(time_away=always).time_away == (True, None)


def test_time_away_over_the_spring_night_ends_at_the_morning_clock_time() -> None:
    # London, 29 Mar 2026: 07:00 BST is 06:00 UTC.
    answer = at(utc(2026, 3, 28, 23, 30), time_away=windows((list(DAYS), "22:00", "07:00")))
    assert answer.time_away.until == utc(2026, 3, 29, 6)


def test_time_away_over_the_autumn_night_ends_at_the_morning_clock_time() -> None:
    # London, 25 Oct 2026: 07:00 GMT is 07:00 UTC.
    answer = at(utc(2026, 10, 24, 22, 30), time_away=windows((list(DAYS), "22:00", "07:00")))
    assert answer.time_away.until == utc(2026, 10, 25, 7)


def test_time_away_ending_in_the_skipped_hour_ends_when_the_clocks_jump() -> None:
    # New York, 8 Mar 2026: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    answer = at(utc(2026, 3, 8, 5), NEW_YORK, time_away=windows((["sat"], "22:00", "02:30")))
    assert answer.time_away.until == utc(2026, 3, 8, 7)


def test_time_away_with_a_gap_only_in_the_skipped_hour_runs_on() -> None:
    night = windows((["sat"], "22:00", "02:15"), (["sun"], "02:45", "06:00"))
    answer = at(utc(2026, 3, 8, 5), NEW_YORK, time_away=night)
    assert answer.time_away.until == utc(2026, 3, 8, 10)  # 06:00 EDT


def test_time_away_ending_in_the_repeated_hour_ends_the_first_time_round() -> None:
    # New York, 1 Nov 2026: 01:30 EDT is 05:30 UTC; 01:30 EST an hour later.
    night = windows((["sat"], "22:00", "01:30"))
    assert at(utc(2026, 11, 1, 4), NEW_YORK, time_away=night).time_away.until == utc(
        2026, 11, 1, 5, 30
    )


def test_time_away_read_again_in_the_repeated_hour_ends_at_its_second_reading() -> None:
    # New York, 1 Nov 2026, 01:10 EST (06:10 UTC): the wall clock reads 01:10 a second time.
    night = windows((["sat"], "22:00", "01:30"))
    assert at(utc(2026, 11, 1, 6, 10), NEW_YORK, time_away=night).time_away == (
        True,
        utc(2026, 11, 1, 6, 30),
    )


def test_the_answer_has_exactly_the_contracts_fields() -> None:
    ids = {"id": str(uuid4()), "granted_by": str(uuid4())}  # on the wire, UUIDs
    answer = msgspec.to_builtins(status_out(at(grants=[replace(grant(), **ids)])))
    assert list(answer) == [
        "date",
        "timezone",
        "used_minutes",
        "limit_minutes",
        "granted_minutes",
        "remaining_minutes",
        "time_away",
        "state",
        "resets_at",
        "grants",
    ]
    assert list(answer["time_away"]) == ["active", "until"]
    assert list(answer["grants"][0]) == [
        "id",
        "kind",
        "minutes",
        "date",
        "from",
        "until",
        "granted_by",
        "request_id",
    ]


def test_a_past_day_shows_its_use_limit_and_extra_time() -> None:
    limits = LIMITS.parse(dict(zip(DAYS, [60, 60, 60, 60, 60, 180, None], strict=True)))
    saturday = date(2026, 5, 9)
    grants = [grant(day=saturday), grant(day=date(2026, 5, 8))]
    assert day_summary(saturday, used(95), limits, grants) == (saturday, 95, 180, 30)


clock = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
window_lists = st.lists(
    st.tuples(st.lists(st.sampled_from(DAYS), min_size=1, unique=True), clock, clock).filter(
        lambda window: window[1] != window[2]
    ),
    max_size=3,
).map(lambda raw: windows(*raw))
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=40)
@given(instants, window_lists, st.sampled_from([LONDON, NEW_YORK]))
def test_time_away_holds_every_minute_until_it_stops_and_not_at_that_moment(
    now: datetime, time_away: tuple[Window, ...], tz: ZoneInfo
) -> None:
    away = time_away_at(now, tz, time_away)
    if not away.active or away.until is None:
        return
    assert not time_away_at(away.until, tz, time_away).active
    moment = now
    while moment < away.until:
        assert time_away_at(moment, tz, time_away).active
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


@given(st.integers(0, 1_440), st.none() | st.integers(15, 1_440), st.lists(st.integers(5, 240)))
def test_remaining_is_never_negative_and_zero_is_the_limit_reached(
    used_minutes: int, limit: int | None, extra: list[int]
) -> None:
    answer = at(
        usage=((0, used_minutes * 60),),
        daily_limit=LIMITS.parse(limit),
        grants=[grant(minutes=minutes, by=f"g{n}") for n, minutes in enumerate(extra)],
    )
    assert answer.granted_minutes == sum(extra)
    if limit is None:
        assert answer.remaining_minutes is None
    else:
        assert answer.remaining_minutes == max(0, limit + sum(extra) - used_minutes)
    assert (answer.state == "limit_reached") == (answer.remaining_minutes == 0)
