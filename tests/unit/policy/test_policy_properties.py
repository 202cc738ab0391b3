"""Hypothesis properties of the engine over every key, band and guardian combination."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.policy import (
    CATALOG,
    SETTING_KEYS,
    EffectiveSettings,
    GuardianLimits,
    SettingKind,
    load_default_pack,
    resolve,
    violations,
)
from family_safety.domain.policy.catalog import (
    DAYS,
    BoolKind,
    DailyLimitKind,
    KeywordListKind,
    OrderedEnumKind,
    WindowListKind,
)

PACK = load_default_pack()
BAND_PAIRS = [
    (start_band, band)
    for index, start_band in enumerate(PACK.band_names)
    for band in PACK.band_names[index:]
]

clock_times = st.sampled_from(["00:00", "06:00", "08:00", "12:00", "21:00", "22:00"]) | st.builds(
    "{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)
)
wire_window = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
        "start": clock_times,
        "end": clock_times,
    }
).filter(lambda window: window["start"] != window["end"])
whole_week = [
    {"days": list(DAYS), "start": "00:00", "end": "12:00"},
    {"days": list(DAYS), "start": "12:00", "end": "00:00"},
]
minutes = st.none() | st.sampled_from([15, 60, 1440]) | st.integers(15, 1440)


def wire_values(kind: SettingKind[Any]) -> st.SearchStrategy[Any]:
    if isinstance(kind, BoolKind | OrderedEnumKind):
        return st.sampled_from(kind.members)
    if isinstance(kind, KeywordListKind):
        words = st.text(alphabet="abAB ", min_size=1, max_size=4).filter(str.strip)
        return st.lists(words, max_size=6)
    if isinstance(kind, DailyLimitKind):
        return minutes | st.fixed_dictionaries(dict.fromkeys(DAYS, minutes))
    assert isinstance(kind, WindowListKind)
    return st.lists(wire_window, max_size=4) | st.just(whole_week)


def canonical_values(key: str) -> st.SearchStrategy[Any]:
    return wire_values(CATALOG[key]).map(CATALOG[key].parse)


setting_maps = st.fixed_dictionaries(
    {}, optional={key: canonical_values(key) for key in SETTING_KEYS}
)
guardian_lists = st.lists(setting_maps, max_size=3).map(
    lambda limits: [
        GuardianLimits(f"g-{number}", f"parent_{number}", one) for number, one in enumerate(limits)
    ]
)
band_pairs = st.sampled_from(BAND_PAIRS)


def resolved(
    bands: tuple[str, str], own: dict[str, Any], guardians: list[GuardianLimits]
) -> EffectiveSettings:
    start_band, band = bands
    return resolve(PACK, band=band, start_band=start_band, own_choices=own, guardians=guardians)


def equally_strict(kind: SettingKind[Any], value: Any, other: Any) -> bool:
    return kind.at_least_as_strict(value, other) and kind.at_least_as_strict(other, value)


def party_bounds(
    band: str, guardians: list[GuardianLimits], key: str, *, needs_guardian: bool = True
) -> list[Any]:
    """Every bound on key: the gate, the pack's needs_guardian (no approvals here), guardians."""
    gates = [PACK.gates[band].get(key)]
    if needs_guardian:
        gates.append(PACK.needs_guardian[band].get(key))
    limits = [guardian.limits[key] for guardian in guardians if key in guardian.limits]
    return [gate for gate in gates if gate is not None] + limits


@given(bands=band_pairs, own=setting_maps, guardians=guardian_lists)
def test_a_value_is_never_looser_than_any_bound(
    bands: tuple[str, str], own: dict[str, Any], guardians: list[GuardianLimits]
) -> None:
    effective = resolved(bands, own, guardians)
    for key, kind in CATALOG.items():
        setting = effective.settings[key]
        bounds = party_bounds(bands[1], guardians, key)
        assert (setting.bound is None) == (not bounds)
        for bound in bounds:
            assert kind.at_least_as_strict(setting.value, bound)
            assert kind.at_least_as_strict(setting.bound.value, bound)  # type: ignore[union-attr]
        if setting.bound is not None:
            assert setting.bound.set_by
            assert kind.at_least_as_strict(setting.value, setting.bound.value)
            assert setting.can_change or kind.is_single_value(setting.bound.value)


@given(bands=band_pairs, own=setting_maps, guardians=guardian_lists, data=st.data())
def test_the_order_of_guardians_never_matters(
    bands: tuple[str, str],
    own: dict[str, Any],
    guardians: list[GuardianLimits],
    data: st.DataObject,
) -> None:
    shuffled = data.draw(st.permutations(guardians))
    first, second = resolved(bands, own, guardians), resolved(bands, own, shuffled)
    for key, kind in CATALOG.items():
        one, other = first.settings[key], second.settings[key]
        assert equally_strict(kind, one.value, other.value)
        assert (one.source, one.can_change) == (other.source, other.can_change)
        if one.bound is None or other.bound is None:
            assert one.bound is other.bound is None
            continue
        assert equally_strict(kind, one.bound.value, other.bound.value)
        assert {tuple(party.items()) for party in one.bound.set_by} == {
            tuple(party.items()) for party in other.bound.set_by
        }


@given(bands=band_pairs, own=setting_maps, guardians=guardian_lists, added=setting_maps)
def test_adding_a_bound_never_loosens_a_value(
    bands: tuple[str, str],
    own: dict[str, Any],
    guardians: list[GuardianLimits],
    added: dict[str, Any],
) -> None:
    before = resolved(bands, own, guardians)
    after = resolved(bands, own, [*guardians, GuardianLimits("g-new", "new_parent", added)])
    for key, kind in CATALOG.items():
        assert kind.at_least_as_strict(after.settings[key].value, before.settings[key].value)


@given(bands=band_pairs, own=setting_maps)
def test_without_guardians_own_choices_are_clamped_only_by_gates(
    bands: tuple[str, str], own: dict[str, Any]
) -> None:
    band = bands[1]
    effective = resolved(bands, own, [])
    for key, kind in CATALOG.items():
        setting = effective.settings[key]
        gates = party_bounds(band, [], key)
        gate = kind.join(gates) if gates else None
        if key not in own:
            assert setting.source == "default"
            assert kind.at_least_as_strict(setting.value, PACK.defaults[band][key])
        elif gate is None or kind.at_least_as_strict(own[key], gate):
            assert (setting.value, setting.source) == (own[key], "self")
        else:
            assert (setting.value, setting.source) == (kind.join((own[key], gate)), "age_gate")


@given(bands=band_pairs, own=setting_maps, guardians=guardian_lists)
def test_every_answered_value_parses_back_to_itself(
    bands: tuple[str, str], own: dict[str, Any], guardians: list[GuardianLimits]
) -> None:
    effective = resolved(bands, own, guardians)
    for key, kind in CATALOG.items():
        setting = effective.settings[key]
        assert kind.parse(kind.dump(setting.value)) == setting.value
        if setting.bound is not None:
            assert kind.parse(kind.dump(setting.bound.value)) == setting.bound.value


@given(band=st.sampled_from(PACK.band_names), guardians=guardian_lists, data=st.data())
def test_violations_are_empty_exactly_when_the_value_meets_the_combined_bound(
    band: str, guardians: list[GuardianLimits], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(SETTING_KEYS))
    value = data.draw(canonical_values(key))
    kind = CATALOG[key]
    bounds = party_bounds(band, guardians, key, needs_guardian=False)
    allowed = not bounds or kind.at_least_as_strict(value, kind.join(bounds))
    found = violations(PACK, band=band, guardians=guardians, key=key, value=value)
    assert (not found) == allowed


@given(data=st.data())
def test_join_is_the_least_value_at_least_as_strict_as_both(data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(SETTING_KEYS))
    kind = CATALOG[key]
    one, other, candidate = (data.draw(canonical_values(key)) for _ in range(3))
    joined = kind.join((one, other))
    assert kind.at_least_as_strict(joined, one)
    assert kind.at_least_as_strict(joined, other)
    assert equally_strict(kind, joined, kind.join((other, one)))
    if kind.at_least_as_strict(candidate, one) and kind.at_least_as_strict(candidate, other):
        assert kind.at_least_as_strict(candidate, joined)
    assert kind.join((one,)) == one
