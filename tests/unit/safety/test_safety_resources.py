"""Which help a caller is shown: by age (under 18, 18+, unknown), country and topic."""

from __future__ import annotations

import pytest

from family_safety.domain.safety import load_default_packs, resources_for


def shown(*, is_minor: bool | None, country: str | None, topic: str | None = None) -> list[str]:
    packs = load_default_packs()
    return [r.id for r in resources_for(packs, is_minor=is_minor, country=country, topic=topic)]


def test_a_teen_in_the_uk_sees_childline_but_not_adult_only_or_professional_help() -> None:
    ids = shown(is_minor=True, country="GB")
    assert "childline" in ids
    assert "take_it_down" in ids
    assert "stopncii" not in ids
    assert "posh_helpline" not in ids


def test_an_adult_in_the_uk_sees_stopncii_and_the_professionals_line_not_childline() -> None:
    ids = shown(is_minor=False, country="GB")
    assert "stopncii" in ids
    assert "posh_helpline" in ids
    assert "take_it_down" in ids  # adults whose images were taken before 18
    assert "childline" not in ids


def test_someone_not_signed_in_sees_help_for_every_age() -> None:
    ids = shown(is_minor=None, country="GB")
    assert {"childline", "stopncii", "posh_helpline", "take_it_down"} <= set(ids)


@pytest.mark.parametrize(
    ("country", "number"), [("GB", "999"), ("US", "911"), ("FR", "112"), ("AU", "000")]
)
def test_a_caller_sees_only_their_own_countrys_emergency_number(country: str, number: str) -> None:
    packs = load_default_packs()
    resources = resources_for(packs, is_minor=False, country=country)
    assert [r.phone for r in resources if r.name == "Emergency services"] == [number]


def test_a_country_with_nothing_local_still_gets_the_help_that_works_everywhere() -> None:
    ids = shown(is_minor=False, country="JP")
    assert ids == [
        "take_it_down",
        "stopncii",
        "ncmec_cybertipline",
        "iwf",
        "futures_without_violence",
    ]


def test_the_country_code_may_be_written_in_lower_case() -> None:
    assert shown(is_minor=True, country="gb") == shown(is_minor=True, country="GB")


def test_without_a_country_every_countrys_help_is_shown() -> None:
    packs = load_default_packs()
    ids = shown(is_minor=None, country=None)
    assert ids == [r.id for r in packs.resources]


def test_a_topic_narrows_the_list_to_help_for_that_topic() -> None:
    assert shown(is_minor=False, country="US", topic="human_exploitation") == [
        "emergency_us",
        "ncmec_cybertipline",
        "us_human_trafficking_hotline",
    ]
    assert shown(is_minor=True, country="GB", topic="impersonation") == ["childline"]


def test_the_answer_keeps_the_pack_order() -> None:
    packs = load_default_packs()
    order = [r.id for r in packs.resources]
    ids = shown(is_minor=True, country="DE")
    assert ids == sorted(ids, key=order.index)
