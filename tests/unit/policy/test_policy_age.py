"""Ages and bands: the policy owns these rules; "today" is always an argument."""

from datetime import date

import pytest

from family_safety.domain.policy import age_on, load_default_pack

PACK = load_default_pack()


@pytest.mark.parametrize(
    ("birthdate", "today", "age"),
    [
        (date(2010, 6, 15), date(2023, 6, 14), 12),
        (date(2010, 6, 15), date(2023, 6, 15), 13),
        (date(2010, 6, 15), date(2023, 12, 31), 13),
        (date(2010, 12, 31), date(2024, 1, 1), 13),
        (date(2010, 1, 1), date(2023, 12, 31), 13),
        (date(2010, 6, 15), date(2010, 6, 15), 0),
    ],
)
def test_age_counts_whole_years_turning_on_the_birthday(
    birthdate: date, today: date, age: int
) -> None:
    assert age_on(birthdate, today) == age


@pytest.mark.parametrize(
    ("today", "age"),
    [
        (date(2021, 2, 28), 12),  # not a leap year: the birthday is 1 March
        (date(2021, 3, 1), 13),
        (date(2024, 2, 28), 15),  # a leap year: the birthday is 29 February
        (date(2024, 2, 29), 16),
        (date(2024, 3, 1), 16),
        (date(2025, 2, 28), 16),
        (date(2025, 3, 1), 17),
    ],
)
def test_a_29_february_birthday_falls_on_1_march_in_other_years(today: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), today) == age


@pytest.mark.parametrize(
    ("birthdate", "band"),
    [
        (date(2012, 11, 22), None),  # 12 years and 364 days
        (date(2012, 11, 21), "13-15"),  # 13th birthday
        (date(2009, 11, 22), "13-15"),  # the day before the 16th birthday
        (date(2009, 11, 21), "16-17"),  # 16th birthday
        (date(2007, 11, 22), "16-17"),
        (date(2007, 11, 21), "18+"),  # 18th birthday
        (date(1950, 1, 1), "18+"),
        (date(2026, 1, 1), None),
        (date(2030, 1, 1), None),  # born in the future
    ],
)
def test_band_for_birthdate_on_a_day(birthdate: date, band: str | None) -> None:
    assert PACK.band_for(birthdate, date(2025, 11, 21)) == band


def test_band_for_a_29_february_birthday_changes_on_1_march_in_other_years() -> None:
    birthdate = date(2008, 2, 29)
    assert PACK.band_for(birthdate, date(2026, 2, 28)) == "16-17"
    assert PACK.band_for(birthdate, date(2026, 3, 1)) == "18+"


def test_teen_and_guardian_bands() -> None:
    assert PACK.teen_bands == ("13-15", "16-17")
    assert [PACK.is_teen(band) for band in PACK.band_names] == [True, True, False]
    assert [PACK.is_guardian_band(band) for band in PACK.band_names] == [False, False, True]
    assert not PACK.is_teen("12-")
    assert not PACK.is_guardian_band("65+")
