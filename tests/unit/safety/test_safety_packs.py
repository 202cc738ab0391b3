"""Safety packs: the shipped packs hold what the contract lists, exactly; they are read-only; and
a broken pack names its file and the line to fix."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from family_safety.domain.safety import SafetyPackError, load_default_packs, load_packs
from family_safety.domain.safety.pack import (
    DEFAULT_PACKS_DIR,
    INTERVENTIONS_FILE,
    REPORTS_FILE,
    RESOURCES_FILE,
    Resource,
)

EU_MEMBERS = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
}  # fmt: skip


def by_name(fragment: str) -> Resource:
    packs = load_default_packs()
    [resource] = [r for r in packs.resources if fragment in r.name]
    return resource


def test_the_shipped_packs_load_once() -> None:
    assert load_default_packs() is load_default_packs()


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("Take It Down", "url", "https://takeitdown.ncmec.org"),
        ("StopNCII.org", "url", "https://stopncii.org"),
        ("StopNCII.org", "audience", "adults"),
        ("Professional Online Safety Helpline", "phone", "0344 381 4772"),
        ("Professional Online Safety Helpline", "email", "helpline@saferinternet.org.uk"),
        ("Professional Online Safety Helpline", "audience", "education_professionals"),
        ("Professional Online Safety Helpline", "countries", ("GB",)),
        ("CyberTipline", "url", "https://report.cybertip.org"),
        ("Internet Watch Foundation", "url", "https://report.iwf.org.uk"),
        ("Childline", "phone", "0800 1111"),
        ("Childline", "audience", "under_18"),
        ("Childline", "countries", ("GB",)),
        ("National Human Trafficking Hotline", "phone", "1-888-373-7888"),
        ("Modern Slavery and Exploitation Helpline", "phone", "08000 121 700"),
        ("Futures Without Violence", "url", "https://www.futureswithoutviolence.org"),
    ],
)
def test_every_resource_the_contract_names_is_shipped_with_its_exact_contact(
    name: str, field: str, value: object
) -> None:
    assert getattr(by_name(name), field) == value


def test_take_it_down_reaches_adults_whose_images_were_taken_before_18() -> None:
    take_it_down = by_name("Take It Down")
    assert take_it_down.audience == "everyone"
    assert "NCMEC" in take_it_down.name
    assert "before you were 18" in take_it_down.description


@pytest.mark.parametrize(
    ("country", "number"),
    [("GB", "999"), ("US", "911"), ("AU", "000"), *[(code, "112") for code in sorted(EU_MEMBERS)]],
)
def test_each_country_the_contract_names_has_its_emergency_number(
    country: str, number: str
) -> None:
    emergency = [
        r for r in load_default_packs().resources if r.name == "Emergency services"
        and country in r.countries
    ]  # fmt: skip
    assert [r.phone for r in emergency] == [number]


def test_112_is_listed_for_exactly_the_27_eu_members() -> None:
    [eu] = [r for r in load_default_packs().resources if r.phone == "112"]
    assert len(eu.countries) == 27
    assert set(eu.countries) == EU_MEMBERS


def test_every_resource_has_a_way_to_reach_it_and_a_topic() -> None:
    for resource in load_default_packs().resources:
        assert resource.url or resource.phone or resource.email, resource.id
        assert resource.topics, resource.id


def test_the_interventions_the_contract_requires_are_shipped() -> None:
    interventions = {i.topic: i for i in load_default_packs().interventions}
    exploitation = interventions["human_exploitation"]
    for phrase in ("trafficking", "human trafficking", "smuggling", "people smuggling"):
        assert phrase in exploitation.phrases
    abuse = interventions["child_sexual_abuse"]
    assert "crime" in abuse.message
    assert "help" in abuse.message
    assert abuse.resources
    assert all(r.audience != "under_18" for r in abuse.resources)


def test_interventions_hold_their_resources_and_normalised_phrases() -> None:
    [exploitation] = [
        i for i in load_default_packs().interventions if i.topic == "human_exploitation"
    ]
    assert exploitation.resources[0].phone == "1-888-373-7888"
    assert len(exploitation.normalised_phrases) == len(exploitation.phrases)
    assert "people smuggling" in exploitation.normalised_phrases


def test_the_report_categories_the_contract_lists_are_shipped() -> None:
    packs = load_default_packs()
    assert set(packs.categories_by_id) == {
        "minor_exploitation",
        "adult_sexual_exploitation",
        "harassment",
        "hate",
        "threats",
        "human_exploitation",
        "impersonation",
        "other",
    }
    minor = packs.categories_by_id["minor_exploitation"]
    assert (minor.title, minor.group, minor.offered_to) == (
        "Exploitation and abuse of people under 18",
        "Violence, abuse, and criminal exploitation",
        "everyone",
    )
    adult = packs.categories_by_id["adult_sexual_exploitation"]
    assert (adult.title, adult.group, adult.offered_to) == (
        "Sexual exploitation and abuse",
        "Violence, abuse, and criminal exploitation",
        "adults",
    )
    impersonation = packs.categories_by_id["impersonation"]
    assert "school or a teacher" in (impersonation.description or "")


def test_the_packs_are_read_only() -> None:
    packs = load_default_packs()
    with pytest.raises(dataclasses.FrozenInstanceError):
        packs.resources[0].phone = "0"  # type: ignore[misc]
    with pytest.raises(TypeError):
        packs.resources_by_id["fake"] = packs.resources[0]  # type: ignore[index]
    assert isinstance(packs.resources, tuple)
    assert isinstance(packs.interventions[0].phrases, tuple)


def test_the_wire_form_of_a_resource_has_every_contract_field() -> None:
    wire = by_name("Childline").to_wire()
    assert set(wire) == {
        "id", "name", "description", "url", "phone", "email", "audience", "topics", "countries",
    }  # fmt: skip
    assert wire["url"] is None
    assert wire["countries"] == ["GB"]


# Broken packs: a copy of the shipped ones with one change.

TEXTS = {
    name: (DEFAULT_PACKS_DIR / name).read_text(encoding="utf-8")
    for name in (RESOURCES_FILE, INTERVENTIONS_FILE, REPORTS_FILE)
}


def line_number(text: str, fragment: str, occurrence: int = 1) -> int:
    at = -1
    for _ in range(occurrence):
        at = text.index(fragment, at + 1)
    return text[:at].count("\n") + 1


def header_line(text: str, table: str, index: int) -> int:
    """The line of entry index of an array of tables."""
    headers = [n for n, line in enumerate(text.split("\n"), 1) if line == f"[[{table}]]"]
    return headers[index]


def replaced(file_name: str, old: str, new: str) -> str:
    assert TEXTS[file_name].count(old) == 1, old
    return TEXTS[file_name].replace(old, new)


def load_broken(tmp_path: Path, file_name: str, text: str) -> str:
    for name in TEXTS:
        shutil.copy(DEFAULT_PACKS_DIR / name, tmp_path / name)
    (tmp_path / file_name).write_text(text, encoding="utf-8")
    with pytest.raises(SafetyPackError) as raised:
        load_packs(tmp_path)
    return str(raised.value)


def test_a_copy_of_the_shipped_packs_loads(tmp_path: Path) -> None:
    for name in TEXTS:
        shutil.copy(DEFAULT_PACKS_DIR / name, tmp_path / name)
    assert load_packs(tmp_path).resources == load_default_packs().resources


def test_a_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    text = replaced(RESOURCES_FILE, 'phone = "0800 1111"', 'phone = "0800 1111')
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    line = line_number(text, 'phone = "0800 1111')
    assert error.startswith(f"resources.toml line {line}, column ")
    assert "invalid TOML" in error


def test_an_unknown_audience_names_the_line_of_that_resource(tmp_path: Path) -> None:
    text = replaced(
        RESOURCES_FILE,
        'audience = "under_18"\ntopics = ["harassment"',
        'audience = "teens"\ntopics = ["harassment"',
    )
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    line = line_number(text, 'audience = "teens"')
    assert error.startswith(
        f"resources.toml line {line}: "
        "resources[2].audience: Input should be 'under_18', 'adults', 'education_professionals' "
        "or 'everyone'"
    )


def test_an_unknown_topic_names_its_line(tmp_path: Path) -> None:
    text = replaced(
        RESOURCES_FILE, 'topics = ["human_exploitation"]\ncountries = ["GB"]',
        'topics = ["slavery"]\ncountries = ["GB"]',
    )  # fmt: skip
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    line = line_number(text, '["slavery"]')
    assert error.startswith(f"resources.toml line {line}: ")
    assert "topics[0]: Input should be 'harassment'" in error


def test_a_missing_field_names_the_header_of_its_entry_not_the_next_entrys_field(
    tmp_path: Path,
) -> None:
    text = replaced(RESOURCES_FILE, 'audience = "adults"\n', "")
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    header = header_line(text, "resources", 1)
    assert error == f"resources.toml line {header}: resources[1].audience: Field required"


def test_a_country_that_is_not_an_iso_code_names_its_line(tmp_path: Path) -> None:
    text = replaced(RESOURCES_FILE, '"GR", "HU"', '"EL", "HU"')
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    assert error == (
        f"resources.toml line {line_number(text, 'EL')}: resource 'emergency_eu': countries: "
        "'EL' is not an ISO 3166-1 alpha-2 code (upper case)"
    )


def test_every_country_stands_alone(tmp_path: Path) -> None:
    text = replaced(
        RESOURCES_FILE,
        'audience = "adults"\ntopics = ["image_abuse", "sexual_abuse"]\ncountries = ["*"]',
        'audience = "adults"\ntopics = ["image_abuse", "sexual_abuse"]\ncountries = ["*", "GB"]',
    )
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    line = line_number(text, '["*", "GB"]')
    assert error.startswith(f"resources.toml line {line}: ")
    assert "stands alone" in error


def test_a_resource_id_used_twice_names_the_second(tmp_path: Path) -> None:
    text = replaced(RESOURCES_FILE, 'id = "iwf"', 'id = "childline"')
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    line = line_number(text, 'id = "childline"', occurrence=2)
    assert error == (f"resources.toml line {line}: resource 'childline': id used twice")


def test_a_resource_nobody_can_reach_is_refused(tmp_path: Path) -> None:
    text = replaced(RESOURCES_FILE, 'url = "https://report.iwf.org.uk"\n', "")
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    header = header_line(text, "resources", 9)
    assert (
        error == f"resources.toml line {header}: resource 'iwf': needs a url, a phone or an email"
    )


def test_a_phone_number_with_letters_is_refused(tmp_path: Path) -> None:
    text = replaced(RESOURCES_FILE, 'phone = "999"', 'phone = "nine nine nine"')
    error = load_broken(tmp_path, RESOURCES_FILE, text)
    assert error.startswith(
        f"resources.toml line {line_number(text, 'nine nine nine')}: resources[4].phone: "
    )


def test_an_intervention_naming_a_missing_resource_names_its_line(tmp_path: Path) -> None:
    text = replaced(
        INTERVENTIONS_FILE, '  "uk_modern_slavery_helpline",\n', '  "uk_slavery_helpline",\n'
    )
    error = load_broken(tmp_path, INTERVENTIONS_FILE, text)
    assert error == (
        f"interventions.toml line {line_number(text, 'uk_slavery_helpline')}: "
        "intervention 'human_exploitation': resource 'uk_slavery_helpline' is not in "
        "resources.toml"
    )


def test_a_next_step_naming_a_missing_resource_names_its_line(tmp_path: Path) -> None:
    text = replaced(REPORTS_FILE, 'resource = "stopncii"', 'resource = "stop_ncii"')
    error = load_broken(tmp_path, REPORTS_FILE, text)
    assert error == (
        f"reports.toml line {line_number(text, 'stop_ncii')}: "
        "next step: resource 'stop_ncii' is not in resources.toml"
    )


def test_a_next_step_for_an_unknown_category_names_its_line(tmp_path: Path) -> None:
    text = replaced(REPORTS_FILE, 'category = "hate"', 'category = "hatred"')
    error = load_broken(tmp_path, REPORTS_FILE, text)
    assert error == (
        f"reports.toml line {line_number(text, 'hatred')}: "
        "next step: category 'hatred' is not a category"
    )


def test_an_unknown_step_kind_names_its_line(tmp_path: Path) -> None:
    text = replaced(
        REPORTS_FILE, 'category = "other"\nkind = "block"', 'category = "other"\nkind = "mute"'
    )
    error = load_broken(tmp_path, REPORTS_FILE, text)
    assert error.startswith(f"reports.toml line {line_number(text, 'mute')}: next_steps[")
    assert "kind: Input should be 'block', 'resource', 'emergency' or 'authorities'" in error


def test_a_phrase_without_words_names_its_line(tmp_path: Path) -> None:
    text = replaced(INTERVENTIONS_FILE, '  "debt bondage",\n', '  "debt bondage",\n  "?!",\n')
    error = load_broken(tmp_path, INTERVENTIONS_FILE, text)
    assert error == (
        f"interventions.toml line {line_number(text, '?!')}: "
        "intervention 'human_exploitation': phrase '?!' has no words"
    )


def test_an_empty_phrase_list_is_refused(tmp_path: Path) -> None:
    text = replaced(INTERVENTIONS_FILE, '  "csam",\n', "").replace(
        'phrases = [\n  "child porn",', 'phrases = []\nold_phrases = [\n  "child porn",'
    )
    error = load_broken(tmp_path, INTERVENTIONS_FILE, text)
    assert error.startswith(f"interventions.toml line {line_number(text, 'phrases = []')}: ")
    assert "interventions[0].phrases: List should have at least 1 item" in error


def test_a_phrase_that_triggers_two_topics_is_refused(tmp_path: Path) -> None:
    text = replaced(INTERVENTIONS_FILE, '  "debt bondage",\n', '  "debt bondage",\n  "CSAM!",\n')
    error = load_broken(tmp_path, INTERVENTIONS_FILE, text)
    assert error == (
        f"interventions.toml line {line_number(text, 'CSAM!')}: intervention "
        "'human_exploitation': phrase 'CSAM!' is written twice (as 'csam', for "
        "'child_sexual_abuse')"
    )


def test_a_topic_with_two_interventions_is_refused(tmp_path: Path) -> None:
    text = replaced(
        INTERVENTIONS_FILE, 'topic = "human_exploitation"', 'topic = "child_sexual_abuse"'
    )
    error = load_broken(tmp_path, INTERVENTIONS_FILE, text)
    line = line_number(text, 'topic = "child_sexual_abuse"', occurrence=2)
    assert error == (
        f"interventions.toml line {line}: intervention 'child_sexual_abuse': topic used twice"
    )


def test_an_unknown_key_names_its_line(tmp_path: Path) -> None:
    text = replaced(REPORTS_FILE, 'offered_to = "adults"', 'offered_to = "adults"\nminimum = 18')
    error = load_broken(tmp_path, REPORTS_FILE, text)
    assert error == (
        f"reports.toml line {line_number(text, 'minimum = 18')}: "
        "categories[5].minimum: Extra inputs are not permitted"
    )
