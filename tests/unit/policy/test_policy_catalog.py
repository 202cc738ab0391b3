"""Setting kinds: parsing, canonical forms, strictness, join and coverage."""

from typing import Any

import pytest

from family_safety.domain.policy import CATALOG, SETTING_KEYS, InvalidValue, Window
from family_safety.domain.policy.catalog import (
    MINUTES_PER_DAY,
    WHOLE_WEEK,
    BoolKind,
    OrderedEnumKind,
    coverage,
)

PRIVATE = CATALOG["account.private"]  # false → true
LIVE = CATALOG["live.enabled"]  # true → false
MESSAGES = CATALOG["messaging.direct_messages"]  # everyone → friends → no_one
KEYWORDS = CATALOG["content.keyword_filters"]
DAILY = CATALOG["screen_time.daily_limit_minutes"]
QUIET = CATALOG["notifications.quiet_hours"]
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def window(days: object, start: object, end: str) -> dict[str, Any]:
    return {"days": days, "start": start, "end": end}


def windows(*raw: dict[str, Any]) -> tuple[Window, ...]:
    return QUIET.parse(list(raw))


def minute_of_week(day: str, clock: str) -> int:
    hours, minutes = clock.split(":")
    return EVERY_DAY.index(day) * MINUTES_PER_DAY + int(hours) * 60 + int(minutes)


def covers(value: tuple[Window, ...], day: str, clock: str) -> bool:
    return bool(coverage(value) >> minute_of_week(day, clock) & 1)


def test_catalog_lists_every_key_of_the_contract_in_order() -> None:
    assert SETTING_KEYS == (
        "account.private",
        "account.suggest_to_others",
        "messaging.direct_messages",
        "live.enabled",
        "comments.who_can_comment",
        "remix.duet_stitch",
        "downloads.allowed",
        "content.restricted_mode",
        "content.keyword_filters",
        "search.enabled",
        "screen_time.daily_limit_minutes",
        "screen_time.time_away",
        "notifications.quiet_hours",
        "notifications.push",
        "feed.autoplay",
        "feed.personalised",
        "messaging.read_receipts",
        "messaging.group_invites",
        "location.sharing",
        "content.maturity",
    )


@pytest.mark.parametrize(
    ("key", "kind_type", "strictness"),
    [
        ("account.private", BoolKind, "false → true"),
        ("account.suggest_to_others", BoolKind, "true → false"),
        ("messaging.direct_messages", OrderedEnumKind, "everyone → friends → no_one"),
        ("live.enabled", BoolKind, "true → false"),
        ("comments.who_can_comment", OrderedEnumKind, "everyone → friends → no_one"),
        ("remix.duet_stitch", OrderedEnumKind, "everyone → friends → only_me"),
        ("downloads.allowed", BoolKind, "true → false"),
        ("content.restricted_mode", BoolKind, "false → true"),
        ("search.enabled", BoolKind, "true → false"),
        ("notifications.push", BoolKind, "true → false"),
        ("feed.autoplay", BoolKind, "true → false"),
        ("feed.personalised", BoolKind, "true → false"),
        ("messaging.read_receipts", BoolKind, "true → false"),
        ("messaging.group_invites", OrderedEnumKind, "everyone → friends → no_one"),
        ("location.sharing", BoolKind, "true → false"),
        ("content.maturity", OrderedEnumKind, "all → 13+ → limited"),
    ],
)
def test_ordered_kinds_follow_the_contract_table(
    key: str, kind_type: type, strictness: str
) -> None:
    assert isinstance(CATALOG[key], kind_type)
    assert CATALOG[key].strictness == strictness


@pytest.mark.parametrize("key", SETTING_KEYS)
def test_every_key_has_a_json_schema(key: str) -> None:
    assert isinstance(CATALOG[key].json_schema(), dict)


@pytest.mark.parametrize(
    ("key", "raw"),
    [(key, None) for key in SETTING_KEYS if key != "screen_time.daily_limit_minutes"],
)
def test_null_is_invalid_for_every_key_but_the_daily_limit(key: str, raw: None) -> None:
    with pytest.raises(InvalidValue):
        CATALOG[key].parse(raw)


# Bools and enums


@pytest.mark.parametrize("raw", [0, 1, "true", "false", [], {}, 1.0])
def test_bools_must_be_json_booleans(raw: object) -> None:
    with pytest.raises(InvalidValue, match="must be true or false"):
        PRIVATE.parse(raw)


def test_bools_parse_and_dump_as_themselves() -> None:
    assert PRIVATE.parse(True) is True
    assert PRIVATE.dump(False) is False


@pytest.mark.parametrize("raw", ["nobody", "No_One", " no_one", "", 2, True, ["no_one"]])
def test_enums_take_only_exact_members(raw: object) -> None:
    with pytest.raises(InvalidValue, match="is not one of everyone, friends, no_one"):
        MESSAGES.parse(raw)


def test_bool_strictness_and_join_follow_the_strict_side() -> None:
    assert PRIVATE.at_least_as_strict(True, False)
    assert not PRIVATE.at_least_as_strict(False, True)
    assert LIVE.at_least_as_strict(False, True)
    assert not LIVE.at_least_as_strict(True, False)
    assert PRIVATE.join([False, True, False]) is True
    assert LIVE.join([True, False]) is False
    assert LIVE.join([True, True]) is True
    assert LIVE.join([]) is True


def test_enum_strictness_and_join_use_member_order() -> None:
    assert MESSAGES.at_least_as_strict("friends", "friends")
    assert MESSAGES.at_least_as_strict("no_one", "everyone")
    assert not MESSAGES.at_least_as_strict("everyone", "friends")
    assert MESSAGES.join(["friends", "everyone"]) == "friends"
    assert MESSAGES.join(["friends", "no_one", "everyone"]) == "no_one"
    assert MESSAGES.join([]) == "everyone"


def test_ordered_kinds_are_single_valued_only_at_the_strictest_member() -> None:
    assert PRIVATE.is_single_value(True)
    assert not PRIVATE.is_single_value(False)
    assert LIVE.is_single_value(False)
    assert MESSAGES.is_single_value("no_one")
    assert not MESSAGES.is_single_value("friends")


def test_ordered_kinds_contribute_when_equal_to_the_combined_bound() -> None:
    assert MESSAGES.contributes("friends", "friends")
    assert not MESSAGES.contributes("everyone", "friends")


# Keyword lists


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("gambling", "must be a list of words"),
        ([f"word{index}" for index in range(201)], "at most 200 words, not 201"),
        (["x" * 51], "item 0: must be 1 to 50 characters after trimming, not 51"),
        (["fine", ""], "item 1: must be 1 to 50 characters after trimming, not 0"),
        (["   "], "not 0"),
        (["fine", 7], "item 1: must be a string"),
        ([None], "item 0: must be a string"),
    ],
)
def test_invalid_keyword_lists(raw: object, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        KEYWORDS.parse(raw)


def test_keyword_limits_allow_200_words_of_50_characters_after_trimming() -> None:
    assert len(KEYWORDS.parse([f"word{index}" for index in range(200)])) == 200
    assert KEYWORDS.parse(["  " + "x" * 50 + "\t"]) == ("x" * 50,)


def test_keywords_are_trimmed_and_deduplicated_case_insensitively_keeping_the_first() -> None:
    assert KEYWORDS.parse([" Vaping ", "diet", "vaping", "DIET", "Casino"]) == (
        "Vaping",
        "diet",
        "Casino",
    )
    assert KEYWORDS.parse(["Straße", "STRASSE"]) == ("Straße",)
    assert KEYWORDS.dump(("Vaping", "diet")) == ["Vaping", "diet"]


def test_keyword_strictness_is_containing_every_word_case_insensitively() -> None:
    assert KEYWORDS.at_least_as_strict(("Diet", "vaping"), ("VAPING",))
    assert KEYWORDS.at_least_as_strict(("diet",), ())
    assert KEYWORDS.at_least_as_strict((), ())
    assert not KEYWORDS.at_least_as_strict(("diet",), ("diet", "casino"))


def test_keyword_join_is_a_union_keeping_first_spellings() -> None:
    assert KEYWORDS.join([("Diet", "vaping"), ("casino", "DIET"), ()]) == (
        "Diet",
        "vaping",
        "casino",
    )
    assert KEYWORDS.join([]) == ()


def test_keywords_are_never_single_valued_and_contribute_when_non_empty() -> None:
    assert not KEYWORDS.is_single_value(("diet",))
    assert KEYWORDS.contributes(("diet",), ("diet", "casino"))
    assert not KEYWORDS.contributes((), ("diet",))
    assert KEYWORDS.contributes((), ())  # every party ties on the empty bound


# Daily limits


def every_day(minutes: int | None) -> dict[str, int | None]:
    return dict.fromkeys(EVERY_DAY, minutes)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (14, "from 15 to 1440"),
        (1441, "from 15 to 1440"),
        (60.0, "from 15 to 1440"),
        ("60", "from 15 to 1440"),
        (True, "from 15 to 1440"),
        ([60], "from 15 to 1440"),
        ({**every_day(60), "sun": 14}, "sun: must be null or a whole number"),
        ({**every_day(60), "mon": False}, "mon: must be null"),
        ({day: 60 for day in EVERY_DAY if day != "wed"}, r"missing wed"),
        ({**every_day(60), "holiday": 60}, r"unknown holiday"),
        ({}, "missing mon, tue, wed, thu, fri, sat, sun"),
    ],
)
def test_invalid_daily_limits(raw: object, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        DAILY.parse(raw)


def test_a_bare_daily_limit_or_null_means_every_day() -> None:
    assert DAILY.parse(60) == (60,) * 7
    assert DAILY.parse(None) == (None,) * 7
    assert DAILY.parse(15) == (15,) * 7
    assert DAILY.parse(1440) == (1440,) * 7


def test_a_daily_limit_map_is_read_in_week_order_and_answered_in_full() -> None:
    raw = {"sun": None, "sat": 120, "fri": 90, "thu": 60, "wed": 60, "tue": 60, "mon": 45}
    value = DAILY.parse(raw)
    assert value == (45, 60, 60, 60, 90, 120, None)
    assert DAILY.dump(value) == {
        "mon": 45,
        "tue": 60,
        "wed": 60,
        "thu": 60,
        "fri": 90,
        "sat": 120,
        "sun": None,
    }
    assert DAILY.dump(DAILY.parse(None)) == every_day(None)


def test_daily_limit_strictness_is_per_day_with_null_loosest() -> None:
    sixty = DAILY.parse(60)
    assert DAILY.at_least_as_strict(sixty, DAILY.parse(None))
    assert DAILY.at_least_as_strict(sixty, DAILY.parse(90))
    assert DAILY.at_least_as_strict(sixty, sixty)
    assert not DAILY.at_least_as_strict(DAILY.parse(None), sixty)
    assert not DAILY.at_least_as_strict(sixty, DAILY.parse({**every_day(60), "sat": 30}))


def test_daily_limit_join_is_the_per_day_minimum_ignoring_null() -> None:
    weekdays = DAILY.parse({**every_day(60), "sat": None, "sun": None})
    weekend = DAILY.parse({**every_day(None), "sat": 120, "sun": 30})
    assert DAILY.join([weekdays, weekend, DAILY.parse(90)]) == (60, 60, 60, 60, 60, 90, 30)
    assert DAILY.join([DAILY.parse(None)]) == (None,) * 7
    assert DAILY.join([]) == (None,) * 7


def test_daily_limit_is_single_valued_only_at_15_minutes_every_day() -> None:
    assert DAILY.is_single_value(DAILY.parse(15))
    assert not DAILY.is_single_value(DAILY.parse({**every_day(15), "sun": 16}))
    assert not DAILY.is_single_value(DAILY.parse(None))


def test_a_daily_limit_contributes_on_any_day_it_sets_the_minimum() -> None:
    combined = DAILY.parse({**every_day(60), "sun": None})
    assert DAILY.contributes(DAILY.parse({**every_day(90), "mon": 60}), combined)
    assert not DAILY.contributes(DAILY.parse(90), combined)
    assert not DAILY.contributes(DAILY.parse(None), combined)
    assert DAILY.contributes(DAILY.parse(None), DAILY.parse(None))  # a tie on no limit at all


# Windows


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"days": ["mon"], "start": "21:00", "end": "08:00"}, "must be a list of windows"),
        ([window(["mon"], "21:00", "08:00")] * 21, "at most 20 windows, not 21"),
        ([window(["mon"], "21:00", "21:00")], "item 0: start and end must differ"),
        ([window(["mon"], "24:00", "08:00")], "item 0: start must be a time HH:MM"),
        ([window(["mon"], "21:00", "7:5")], "item 0: end must be a time HH:MM"),
        ([window(["mon"], "21:00", "07:60")], "end must be a time"),
        ([window(["mon"], "21:00", "0700")], "end must be a time"),
        ([window(["mon"], "21:00", "07:00\n")], "end must be a time"),
        ([window(["mon"], "21:00", "\u0660\u0667:\u0660\u0660")], "end must be"),  # Arabic digits
        ([window(["mon"], 2100, "08:00")], "start must be a time"),
        ([window(["monday"], "21:00", "08:00")], "days must be a non-empty list"),
        ([window([], "21:00", "08:00")], "days must be a non-empty list"),
        ([window(["mon", "mon"], "21:00", "08:00")], "days must be a non-empty list"),
        ([window("mon", "21:00", "08:00")], "days must be a non-empty list"),
        ([window(["mon"], "21:00", "08:00"), ["mon"]], "item 1: must be an object"),
        ([{"days": ["mon"], "start": "21:00"}], "must be an object with days, start and end"),
        ([{**window(["mon"], "21:00", "08:00"), "note": "x"}], "must be an object with days"),
    ],
)
def test_invalid_window_lists(raw: object, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        QUIET.parse(raw)


def test_windows_parse_to_week_ordered_days_and_dump_back() -> None:
    value = windows(window(["sun", "mon", "wed"], "21:30", "07:05"))
    assert value == (Window(("mon", "wed", "sun"), 21 * 60 + 30, 7 * 60 + 5),)
    assert QUIET.dump(value) == [window(["mon", "wed", "sun"], "21:30", "07:05")]
    assert windows(window(["mon"], "00:00", "23:59"))[0] == Window(("mon",), 0, 1439)


def test_twenty_windows_are_allowed_and_exact_duplicates_dropped() -> None:
    assert (
        len(QUIET.parse([window(["mon"], f"{hour:02d}:00", "23:30") for hour in range(20)])) == 20
    )
    assert windows(window(["mon"], "21:00", "08:00"), window(["mon"], "21:00", "08:00")) == windows(
        window(["mon"], "21:00", "08:00")
    )


def test_a_window_covers_from_start_up_to_end() -> None:
    value = windows(window(["tue"], "09:00", "10:30"))
    assert covers(value, "tue", "09:00")
    assert covers(value, "tue", "10:29")
    assert not covers(value, "tue", "10:30")
    assert not covers(value, "tue", "08:59")
    assert not covers(value, "mon", "09:30")
    assert coverage(value).bit_count() == 90


def test_a_window_ending_before_its_start_crosses_midnight() -> None:
    value = windows(window(["fri"], "21:00", "08:00"))
    assert covers(value, "fri", "21:00")
    assert covers(value, "fri", "23:59")
    assert covers(value, "sat", "00:00")
    assert covers(value, "sat", "07:59")
    assert not covers(value, "sat", "08:00")
    assert not covers(value, "fri", "07:00")
    assert coverage(value).bit_count() == 11 * 60


def test_a_sunday_window_crossing_midnight_wraps_into_monday() -> None:
    value = windows(window(["sun"], "22:00", "06:00"))
    assert covers(value, "sun", "23:00")
    assert covers(value, "mon", "00:00")
    assert covers(value, "mon", "05:59")
    assert not covers(value, "mon", "06:00")
    assert coverage(value).bit_count() == 8 * 60
    assert coverage(value) < 1 << (7 * MINUTES_PER_DAY)


def test_window_strictness_is_covering_every_minute_of_the_bound() -> None:
    evenings = windows(window(EVERY_DAY, "21:00", "08:00"))
    later = windows(window(EVERY_DAY, "22:00", "07:00"))
    split = windows(window(EVERY_DAY, "21:00", "00:00"), window(EVERY_DAY, "00:00", "08:00"))
    assert QUIET.at_least_as_strict(evenings, later)
    assert not QUIET.at_least_as_strict(later, evenings)
    assert QUIET.at_least_as_strict(split, evenings)
    assert QUIET.at_least_as_strict(evenings, split)
    assert QUIET.at_least_as_strict((), ())
    assert not QUIET.at_least_as_strict((), later)


def test_window_join_is_a_union_dropping_exact_duplicates_in_order() -> None:
    first = windows(window(["mon"], "21:00", "08:00"), window(["sat"], "10:00", "12:00"))
    second = windows(window(["sat"], "10:00", "12:00"), window(["sun"], "22:00", "06:00"))
    joined = QUIET.join([first, second])
    assert joined == (*first, second[1])
    assert coverage(joined) == coverage(first) | coverage(second)
    assert QUIET.join([]) == ()


def test_windows_are_single_valued_only_when_covering_the_whole_week() -> None:
    whole_week = windows(window(EVERY_DAY, "00:00", "12:00"), window(EVERY_DAY, "12:00", "00:00"))
    assert coverage(whole_week) == WHOLE_WEEK
    assert QUIET.is_single_value(whole_week)
    assert not QUIET.is_single_value(windows(window(EVERY_DAY, "00:00", "23:59")))


def test_windows_contribute_when_non_empty() -> None:
    combined = windows(window(["mon"], "21:00", "08:00"))
    assert QUIET.contributes(combined, combined)
    assert not QUIET.contributes((), combined)
    assert QUIET.contributes((), ())
