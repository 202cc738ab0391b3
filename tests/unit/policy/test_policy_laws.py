"""Laws as data: the shipped files, broken files naming their line, each law's effect per band
in the engine, and hypothesis properties of laws as an input of the engine."""

from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.account_settings.schemas import effective_settings_out
from family_safety.domain.policy import (
    CATALOG,
    SETTING_KEYS,
    Approval,
    GuardianLimits,
    Law,
    LawPackError,
    LawRule,
    load_default_pack,
    load_shipped_laws,
    needs_approval,
    resolve,
    violations,
)
from family_safety.domain.policy.laws import LAWS_DIR, law_of, load_law

PACK = load_default_pack()
LAWS = {law.id: law for law in load_shipped_laws()}
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TEENS = ("13-15", "16-17")
EU = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
EU |= {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}


def wire(band: str, *laws: Law, own: dict[str, Any] | None = None, **inputs: Any) -> Any:
    effective = resolve(
        PACK,
        band=band,
        start_band=band,
        own_choices={key: CATALOG[key].parse(value) for key, value in (own or {}).items()},
        guardians=inputs.pop("guardians", []),
        laws=laws,
        **inputs,
    )
    return msgspec.to_builtins(effective_settings_out(effective, "account-1"))


def law_party(law: Law) -> dict[str, str]:
    return {"kind": "law", "law_id": law.id, "title": law.title}


def test_the_seven_laws_of_the_contract_ship() -> None:
    assert sorted(LAWS) == [
        "AU-SMMA",
        "EU-DSA-28",
        "GB-OSA-CHILDREN",
        "US-CA-SB976",
        "US-CA-SB976-NOTIFICATIONS",
        "US-NY-SAFE",
        "US-VA-SB854",
    ]
    facts = {
        law.id: (law.status, law.effective_from, law.minimum_age, law.countries, law.regions)
        for law in LAWS.values()
    }
    assert facts == {
        "AU-SMMA": ("in_force", date(2025, 12, 10), 16, {"AU"}, set()),
        "EU-DSA-28": ("in_force", date(2025, 7, 14), None, EU, set()),
        "GB-OSA-CHILDREN": ("in_force", date(2025, 7, 25), None, {"GB"}, set()),
        "US-CA-SB976": ("in_force", date(2025, 1, 1), None, set(), {"US-CA"}),
        "US-CA-SB976-NOTIFICATIONS": ("enjoined", date(2025, 1, 1), None, set(), {"US-CA"}),
        "US-NY-SAFE": ("proposed", None, None, set(), {"US-NY"}),
        "US-VA-SB854": ("enjoined", date(2026, 1, 1), None, set(), {"US-VA"}),
    }
    assert len(LAWS["EU-DSA-28"].countries) == 27
    for law in LAWS.values():
        assert law.citation.startswith("https://")
        assert law.title


def test_applies_now_needs_in_force_and_today_in_the_window() -> None:
    eu = LAWS["EU-DSA-28"]
    assert eu.applies_on(date(2025, 7, 14), "in_force")
    assert not eu.applies_on(date(2025, 7, 13), "in_force")
    assert not eu.applies_on(date(2026, 1, 1), "enjoined")
    ny = LAWS["US-NY-SAFE"]
    assert not ny.applies_on(date(2026, 1, 1), ny.status)
    # No effective_from: in force from the day its status became in_force.
    assert ny.applies_on(date(2026, 3, 1), "in_force", in_force_since=date(2026, 3, 1))
    assert not ny.applies_on(date(2026, 2, 28), "in_force", in_force_since=date(2026, 3, 1))
    ending = law_of(
        "X", "X", [], citation="https://x.test", countries=["DE"], effective_until=date(2026, 1, 1)
    )
    assert ending.applies_on(date(2025, 12, 31), "in_force")
    assert not ending.applies_on(date(2026, 1, 1), "in_force")


def test_a_law_covers_its_countries_or_its_regions() -> None:
    assert LAWS["EU-DSA-28"].covers("DE", None)
    assert not LAWS["EU-DSA-28"].covers("GB", None)
    assert LAWS["US-CA-SB976"].covers("US", "US-CA")
    assert not LAWS["US-CA-SB976"].covers("US", "US-NY")
    assert not LAWS["US-CA-SB976"].covers("US", None)


# --- each law's effect, per band ------------------------------------------------------------


@pytest.mark.parametrize("band", TEENS)
def test_eu_dsa_28_sets_stricter_defaults_and_gates_for_teens(band: str) -> None:
    eu = LAWS["EU-DSA-28"]
    settings = wire(band, eu)["settings"]
    by_law = {"law_id": eu.id, "title": eu.title}
    for key, value in [
        ("notifications.push", False),
        ("feed.autoplay", False),
        ("messaging.read_receipts", False),
        ("messaging.group_invites", "no_one"),
    ]:
        assert settings[key]["value"] == value, key
        assert settings[key]["source"] == "law"
        assert settings[key]["law"] == by_law
    private = settings["account.private"]
    assert private["value"] is True
    assert (private["source"], private.get("law")) == (
        ("default", None) if band == "13-15" else ("law", by_law)  # already the platform's
    )
    assert settings["location.sharing"]["bound"]["value"] is False
    assert law_party(eu) in settings["location.sharing"]["bound"]["set_by"]
    assert law_party(eu) in settings["downloads.allowed"]["bound"]["set_by"]
    assert settings["downloads.allowed"]["can_change"] is False
    # A holder's own choice within the gate stays theirs.
    own = wire(band, eu, own={"notifications.push": True})["settings"]["notifications.push"]
    assert (own["value"], own["source"], "law" in own) == (True, "self", False)


def test_eu_dsa_28_changes_nothing_for_adults() -> None:
    assert wire("18+", LAWS["EU-DSA-28"])["settings"] == wire("18+")["settings"]


def test_a_law_gate_holds_a_choice_made_before_it_applied() -> None:
    eu = LAWS["EU-DSA-28"]
    downloads = wire("16-17", eu, own={"downloads.allowed": True})["settings"]["downloads.allowed"]
    assert downloads == {
        "value": False,
        "source": "law",
        "bound": {"value": False, "set_by": [law_party(eu)]},
        "can_change": False,
        "law": {"law_id": eu.id, "title": eu.title},
    }


@pytest.mark.parametrize("band", TEENS)
def test_gb_children_codes_gate_suggestions_and_group_invites(band: str) -> None:
    gb = LAWS["GB-OSA-CHILDREN"]
    settings = wire(band, gb)["settings"]
    suggest = settings["account.suggest_to_others"]
    assert suggest["bound"] == {"value": False, "set_by": [law_party(gb)]}
    assert suggest["can_change"] is False
    invites = settings["messaging.group_invites"]
    assert invites["value"] == "friends"
    assert law_party(gb) in invites["bound"]["set_by"]
    locked = violations(
        PACK, band=band, guardians=[], key="messaging.group_invites", value="everyone", laws=[gb]
    )
    assert law_party(gb) in [dict(party) for party in locked]


def test_gb_children_codes_change_nothing_for_adults() -> None:
    assert wire("18+", LAWS["GB-OSA-CHILDREN"])["settings"] == wire("18+")["settings"]


@pytest.mark.parametrize("band", TEENS)
def test_california_feeds_need_a_guardian_to_be_personalised(band: str) -> None:
    ca = LAWS["US-CA-SB976"]
    feed = wire(band, ca)["settings"]["feed.personalised"]
    assert feed == {
        "value": False,
        "source": "law",
        "bound": {"value": False, "set_by": [law_party(ca)]},
        "can_change": False,
        "law": {"law_id": ca.id, "title": ca.title},
    }
    asked = needs_approval(PACK, band=band, key="feed.personalised", value=True, laws=[ca])
    assert [dict(party) for party in asked] == [law_party(ca)]
    approval = Approval("g-1", "mum", True)
    approved = {"feed.personalised": approval}
    assert not needs_approval(
        PACK, band=band, key="feed.personalised", value=True, laws=[ca], approvals=approved
    )
    feed = wire(band, ca, own={"feed.personalised": True}, approvals=approved)["settings"]
    assert feed["feed.personalised"] == {
        "value": True,
        "source": "self",
        "bound": {
            "value": True,
            "set_by": [{"kind": "guardian_approval", "guardian_id": "g-1", "handle": "mum"}],
        },
        "can_change": True,
    }


def test_california_changes_nothing_for_adults() -> None:
    assert wire("18+", LAWS["US-CA-SB976"])["settings"] == wire("18+")["settings"]


@pytest.mark.parametrize("band", [*TEENS, "18+"])
def test_the_notification_hours_law_would_gate_quiet_hours(band: str) -> None:
    """Enjoined, it is never applied (the caller leaves it out); this is what it would do."""
    hours = LAWS["US-CA-SB976-NOTIFICATIONS"]
    quiet = wire(band, hours)["settings"]["notifications.quiet_hours"]
    if band == "18+":
        assert quiet == wire(band)["settings"]["notifications.quiet_hours"]
        return
    night = {"days": EVERY_DAY, "start": "00:00", "end": "06:00"}
    assert night in quiet["bound"]["value"]
    assert law_party(hours) in quiet["bound"]["set_by"]
    assert {"kind": "age_gate", "band": band} in quiet["bound"]["set_by"]
    assert quiet["source"] == "default"  # the band's 21:00 or 22:00 to 08:00 covers it


@pytest.mark.parametrize("band", TEENS)
def test_new_york_would_set_unpersonalised_feeds_and_night_hours(band: str) -> None:
    ny = LAWS["US-NY-SAFE"]
    settings = wire(band, ny, own={"notifications.quiet_hours": []})["settings"]
    assert settings["feed.personalised"]["value"] is False
    assert settings["feed.personalised"]["source"] == "law"
    quiet = settings["notifications.quiet_hours"]
    assert quiet["source"] == "age_gate"  # the band's gate alone covers the law's hours


@pytest.mark.parametrize("band", [*TEENS, "18+"])
def test_virginia_would_limit_only_the_youngest_band(band: str) -> None:
    va = LAWS["US-VA-SB854"]
    limit = wire(band, va)["settings"]["screen_time.daily_limit_minutes"]
    assert limit == wire(band)["settings"]["screen_time.daily_limit_minutes"]  # 60 already
    if band == "13-15":
        chosen = wire(band, va, own={"screen_time.daily_limit_minutes": 120})
        assert chosen["settings"]["screen_time.daily_limit_minutes"]["source"] == "self"


def test_australia_sets_a_minimum_age_and_no_rules() -> None:
    au = LAWS["AU-SMMA"]
    assert (au.minimum_age, au.rules) == (16, ())
    assert wire("16-17", au)["settings"] == wire("16-17")["settings"]
    assert wire("16-17", au)["policy"]["laws"] == ["AU-SMMA"]


def test_policy_laws_lists_the_applied_laws_by_id() -> None:
    policy = wire("13-15", LAWS["US-CA-SB976"], LAWS["EU-DSA-28"])["policy"]
    assert policy["laws"] == ["EU-DSA-28", "US-CA-SB976"]


def test_gates_and_guardian_limits_win_over_an_approval() -> None:
    ca = LAWS["US-CA-SB976"]
    approved = {"feed.personalised": Approval("g-1", "mum", True)}
    limits = [GuardianLimits("g-2", "dad", {"feed.personalised": False})]
    feed = wire("13-15", ca, approvals=approved, guardians=limits, own={"feed.personalised": True})
    setting = feed["settings"]["feed.personalised"]
    assert (setting["value"], setting["source"]) == (False, "guardian")
    assert {"kind": "guardian", "guardian_id": "g-2", "handle": "dad"} in setting["bound"]["set_by"]


def test_an_approval_of_the_pack_content_level() -> None:
    approved = {"content.maturity": Approval("g-1", "mum", "all")}
    held = wire("13-15", own={"content.maturity": "all"})["settings"]["content.maturity"]
    assert (held["value"], held["source"]) == ("13+", "age_gate")
    lifted = wire("13-15", own={"content.maturity": "all"}, approvals=approved)
    assert lifted["settings"]["content.maturity"]["value"] == "all"
    # An approval no looser than the bound changes nothing.
    same = {"content.maturity": Approval("g-1", "mum", "13+")}
    assert wire("13-15", approvals=same) == wire("13-15")


# --- broken law files -----------------------------------------------------------------------

EU_TEXT = (LAWS_DIR / "EU-DSA-28.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> tuple[str, str]:
    assert EU_TEXT.count(old) >= 1, old
    text = EU_TEXT.replace(old, new, 1)
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LawPackError) as raised:
        load_law(path, PACK)
    return str(raised.value), text


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "message", "on"),
    [
        ('status = "in_force"', 'status = "repealed"', "status: Input should be", "status"),
        (
            'key = "feed.autoplay"',
            'key = "feed.speed"',
            "unknown setting 'feed.speed'",
            "feed.speed",
        ),
        ('band = "16-17"', 'band = "17-18"', "unknown band '17-18'", '"17-18"'),
        ("default = false", 'default = "no"', "default: must be true or false", 'default = "no"'),
        ('countries = ["AT"', 'countries = ["at"', "'at' is not an ISO 3166-1", "countries"),
        ("regions = []", 'regions = ["CA"]', "'CA' is not an ISO 3166-2 code", "regions"),
        (
            "citation = ",
            'citation = "ftp://x"\nold = ',
            "citation: String should match",
            "citation",
        ),
    ],
)
def test_a_broken_law_names_its_line(
    tmp_path: Path, old: str, new: str, message: str, on: str
) -> None:
    error, text = broken(tmp_path, old, new)
    assert error.startswith(f"broken.toml line {line_of(text, on)}: "), error
    assert message in error


def test_a_needs_guardian_rule_for_adults_is_refused(tmp_path: Path) -> None:
    rule = '[[rules]]\nkey = "feed.personalised"\nband = "18+"\nneeds_guardian = false\n'
    path = tmp_path / "adult.toml"
    path.write_text(EU_TEXT + "\n" + rule, encoding="utf-8")
    with pytest.raises(LawPackError, match="18\\+ is not a teen band"):
        load_law(path, PACK)


# --- properties -----------------------------------------------------------------------------

bools = st.booleans()


def values(key: str) -> st.SearchStrategy[Any]:
    kind = CATALOG[key]
    members = getattr(kind, "members", None)
    if members is not None:
        return st.sampled_from(members)
    return st.sampled_from([PACK.defaults[band][key] for band in PACK.band_names])


RULE_KEYS = [key for key in SETTING_KEYS if hasattr(CATALOG[key], "members")] + [
    "screen_time.daily_limit_minutes",
    "notifications.quiet_hours",
]


@st.composite
def law_rules(draw: st.DrawFn) -> list[LawRule]:
    rules = []
    for key in draw(st.lists(st.sampled_from(RULE_KEYS), max_size=5, unique=True)):
        band = draw(st.sampled_from(PACK.band_names))
        default = draw(st.none() | values(key))
        gate = draw(st.none() | values(key))
        needs = draw(st.none() | values(key)) if PACK.is_teen(band) else None
        rules.append(LawRule(key, band, default, gate, needs))
    return rules


laws_strategy = st.lists(law_rules(), max_size=3).map(
    lambda all_rules: [
        law_of(f"L{number}", f"Law {number}", rules, citation="https://law.test", countries=["DE"])
        for number, rules in enumerate(all_rules)
    ]
)
own_choices = st.fixed_dictionaries({}, optional={key: values(key) for key in RULE_KEYS})
band_pairs = st.sampled_from(
    [(start, band) for i, start in enumerate(PACK.band_names) for band in PACK.band_names[i:]]
)


def resolved(bands: tuple[str, str], own: dict[str, Any], laws: list[Law]) -> Any:
    start_band, band = bands
    guardians = [GuardianLimits("g-1", "mum", {"account.private": True})]
    return resolve(
        PACK, band=band, start_band=start_band, own_choices=own, guardians=guardians, laws=laws
    )


@given(bands=band_pairs, own=own_choices, laws=laws_strategy, added=law_rules())
def test_a_law_never_loosens_an_effective_value(
    bands: tuple[str, str], own: dict[str, Any], laws: list[Law], added: list[LawRule]
) -> None:
    new = law_of("NEW", "New law", added, citation="https://law.test", countries=["DE"])
    before, after = resolved(bands, own, laws), resolved(bands, own, [*laws, new])
    for key, kind in CATALOG.items():
        assert kind.at_least_as_strict(after.settings[key].value, before.settings[key].value)


@given(bands=band_pairs, own=own_choices, laws=laws_strategy, data=st.data())
def test_removing_a_law_never_tightens_a_value(
    bands: tuple[str, str], own: dict[str, Any], laws: list[Law], data: st.DataObject
) -> None:
    kept = data.draw(st.lists(st.sampled_from(laws), unique_by=id)) if laws else []
    before, after = resolved(bands, own, laws), resolved(bands, own, kept)
    for key, kind in CATALOG.items():
        assert kind.at_least_as_strict(before.settings[key].value, after.settings[key].value)


@given(bands=band_pairs, own=own_choices, laws=laws_strategy, data=st.data())
def test_the_order_of_laws_never_matters(
    bands: tuple[str, str], own: dict[str, Any], laws: list[Law], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(laws))
    assert resolved(bands, own, laws) == resolved(bands, own, list(shuffled))


@given(bands=band_pairs, own=own_choices, laws=laws_strategy)
def test_a_value_meets_every_law_gate_and_needs_guardian_bound(
    bands: tuple[str, str], own: dict[str, Any], laws: list[Law]
) -> None:
    band = bands[1]
    effective = resolved(bands, own, laws)
    for law in laws:
        for key, bound in [
            *law.gates.get(band, {}).items(),
            *law.needs_guardian.get(band, {}).items(),
        ]:
            assert CATALOG[key].at_least_as_strict(effective.settings[key].value, bound)
