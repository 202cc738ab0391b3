"""Report categories a reporter may choose, and the next steps a report answers with."""

from __future__ import annotations

import pytest

from family_safety.domain.safety import (
    categories_for,
    choosable,
    load_default_packs,
    next_steps_for,
)


def category_ids(*, is_minor: bool) -> list[str]:
    return [c.id for c in categories_for(load_default_packs(), is_minor=is_minor)]


def steps(category: str, *, is_minor: bool, country: str | None) -> list[tuple[str, str | None]]:
    chosen = next_steps_for(load_default_packs(), category, is_minor=is_minor, country=country)
    return [(step.kind, None if step.resource is None else step.resource.id) for step in chosen]


def test_a_teen_may_report_exploitation_of_minors_but_not_adult_sexual_exploitation() -> None:
    ids = category_ids(is_minor=True)
    assert "minor_exploitation" in ids
    assert "adult_sexual_exploitation" not in ids
    assert choosable(load_default_packs(), "adult_sexual_exploitation", is_minor=True) is None


def test_an_adult_may_choose_every_category() -> None:
    packs = load_default_packs()
    assert category_ids(is_minor=False) == [c.id for c in packs.categories]
    chosen = choosable(packs, "adult_sexual_exploitation", is_minor=False)
    assert chosen is packs.categories_by_id["adult_sexual_exploitation"]


def test_an_unknown_category_cannot_be_chosen() -> None:
    assert choosable(load_default_packs(), "spam", is_minor=False) is None


def test_a_category_on_the_wire_has_id_title_and_group() -> None:
    wire = load_default_packs().categories_by_id["minor_exploitation"].to_wire()
    assert wire["id"] == "minor_exploitation"
    assert wire["title"] == "Exploitation and abuse of people under 18"
    assert wire["group"] == "Violence, abuse, and criminal exploitation"


def test_a_teen_reporting_minor_exploitation_gets_take_it_down_and_a_do_not_share_step() -> None:
    chosen = next_steps_for(load_default_packs(), "minor_exploitation", is_minor=True, country="GB")
    assert [(s.kind, s.resource and s.resource.id) for s in chosen] == [
        ("authorities", None),
        ("resource", "take_it_down"),
    ]
    warning = chosen[0].text
    assert all(word in warning for word in ("download", "share", "not"))


def test_an_adult_reporting_minor_exploitation_is_also_sent_to_the_cybertipline() -> None:
    assert steps("minor_exploitation", is_minor=False, country="US") == [
        ("authorities", None),
        ("resource", "take_it_down"),
        ("authorities", "ncmec_cybertipline"),
    ]


def test_adult_sexual_exploitation_leads_to_stopncii() -> None:
    assert steps("adult_sexual_exploitation", is_minor=False, country="FR") == [
        ("resource", "stopncii")
    ]


@pytest.mark.parametrize(
    ("country", "resource"),
    [
        ("GB", "emergency_gb"),
        ("US", "emergency_us"),
        ("DE", "emergency_eu"),
        ("AU", "emergency_au"),
    ],
)
def test_threats_lead_to_the_reporters_own_emergency_number_and_the_police(
    country: str, resource: str
) -> None:
    assert steps("threats", is_minor=True, country=country) == [
        ("emergency", resource),
        ("authorities", None),
    ]


def test_harassment_of_a_teen_in_the_uk_leads_to_blocking_and_childline() -> None:
    assert steps("harassment", is_minor=True, country="GB") == [
        ("block", None),
        ("resource", "childline"),
    ]


def test_harassment_of_an_adult_in_the_uk_offers_the_professionals_helpline() -> None:
    assert steps("harassment", is_minor=False, country="GB") == [
        ("block", None),
        ("resource", "posh_helpline"),
    ]


def test_impersonation_outside_the_uk_leads_to_blocking_only() -> None:
    assert steps("impersonation", is_minor=False, country="US") == [("block", None)]


def test_every_category_has_a_next_step_for_every_age() -> None:
    packs = load_default_packs()
    for category in packs.categories:
        for is_minor in (True, False):
            if category.offered_to == "adults" and is_minor:
                continue
            assert next_steps_for(packs, category.id, is_minor=is_minor, country="CA"), (
                category.id,
                is_minor,
            )


def test_a_next_step_on_the_wire_carries_its_resource() -> None:
    [step] = next_steps_for(
        load_default_packs(), "adult_sexual_exploitation", is_minor=False, country=None
    )
    wire = step.to_wire()
    assert wire["kind"] == "resource"
    assert wire["resource"]["url"] == "https://stopncii.org"
    assert "StopNCII.org" in wire["text"]
