"""Effective settings, resolved from the policy pack, the holder's own choices and guardian limits.

Pure: no I/O and no clock; the caller passes the bands. Values are canonical (see catalog).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from family_safety.domain.policy.catalog import CATALOG, SettingKind
from family_safety.domain.policy.pack import PolicyPack

Party = Mapping[str, str]
"""Who sets a bound, as on the wire (read-only): {"kind": "age_gate", "band"} or
{"kind": "guardian", "guardian_id", "handle"}."""
PartyToken = tuple[str, ...]
"""A party, hashable: ("age_gate", band) or ("guardian", guardian_id, handle)."""
Source = Literal["default", "self", "age_gate", "guardian"]


@dataclass(frozen=True, slots=True)
class GuardianLimits:
    guardian_id: str
    handle: str
    limits: Mapping[str, Any]  # setting key -> canonical value


class Bound(NamedTuple):  # named tuples: immutable, and cheaper to build than dataclasses
    value: Any  # the combined bound of every party
    set_by: tuple[Party, ...]  # the parties it shows: the age gate first, then guardians


class EffectiveSetting(NamedTuple):
    value: Any
    source: Source
    bound: Bound | None
    can_change: bool


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    band: str
    policy_id: str
    policy_version: str
    settings: Mapping[str, EffectiveSetting]  # in catalogue order


def resolve(
    pack: PolicyPack,
    *,
    band: str,
    start_band: str,
    own_choices: Mapping[str, Any],
    guardians: Sequence[GuardianLimits],
) -> EffectiveSettings:
    """Every setting of an account now in band, which started in start_band.

    A key its holder never chose keeps the start band's default while that is at least as strict
    as the current band's (else joins the two): a birthday never loosens a value by itself. The
    value is the holder's choice, or that default, when it is at least as strict as every bound;
    else it is joined with the combined bound.
    """
    guardian_limits = [
        (("guardian", guardian.guardian_id, guardian.handle), guardian.limits)
        for guardian in guardians
    ]
    settings = {}
    for rule in _rules(pack, start_band, band):
        key = rule.key
        bounds: tuple[tuple[PartyToken, Any], ...] = tuple(
            [(party, limits[key]) for party, limits in guardian_limits if key in limits]
        )
        if rule.gate_bound is not None:
            bounds = (rule.gate_bound, *bounds)
        choice = own_choices.get(key)
        if choice is None:
            settings[key] = _resolve_setting(rule, rule.default, False, bounds)
        else:
            settings[key] = _resolve_setting(rule, choice, True, bounds)
    return EffectiveSettings(band, pack.id, pack.version, MappingProxyType(settings))


def violations(
    pack: PolicyPack, *, band: str, guardians: Sequence[GuardianLimits], key: str, value: Any
) -> list[Party]:
    """The parties whose own bound on key the canonical value is not at least as strict as: the
    band's age gate first, then guardians in the order given. Empty when the value is allowed."""
    kind = CATALOG[key]
    gate = pack.gates[band].get(key)
    found = (
        [] if gate is None or kind.at_least_as_strict(value, gate) else [_party(("age_gate", band))]
    )
    found.extend(
        _party(("guardian", guardian.guardian_id, guardian.handle))
        for guardian in guardians
        if key in guardian.limits and not kind.at_least_as_strict(value, guardian.limits[key])
    )
    return found


_PARTY_FIELDS = {"age_gate": ("kind", "band"), "guardian": ("kind", "guardian_id", "handle")}


@lru_cache(maxsize=4096)
def _party(token: PartyToken) -> Party:
    return MappingProxyType(dict(zip(_PARTY_FIELDS[token[0]], token, strict=True)))


@dataclass(frozen=True, slots=True, eq=False)  # identity hashing: a cheap key for _resolve_setting
class _Rule:
    """What the pack says about one key for an account in band that started in start_band."""

    key: str
    kind: SettingKind[Any]
    default: Any
    gate: Any | None
    gate_bound: tuple[PartyToken, Any] | None


@lru_cache(maxsize=64)
def _rules(pack: PolicyPack, start_band: str, band: str) -> tuple[_Rule, ...]:
    rules = []
    for key, kind in CATALOG.items():
        gate = pack.gates[band].get(key)
        rules.append(
            _Rule(
                key,
                kind,
                default=_default(kind, pack.defaults[start_band][key], pack.defaults[band][key]),
                gate=gate,
                gate_bound=None if gate is None else (("age_gate", band), gate),
            )
        )
    return tuple(rules)


def _default(kind: SettingKind[Any], start_band_default: Any, band_default: Any) -> Any:
    """The start band's default while it is at least as strict as the current band's."""
    if kind.at_least_as_strict(start_band_default, band_default):
        return start_band_default
    return kind.join((start_band_default, band_default))


# Two pure memos make resolve cheap. This one answers an account resolved again (after a change
# to one key, the other keys are found here); _decide answers the same values set by other parties.
# An entry bounded by a guardian names that guardian, so these fill it: 4,096 take ~2.1 MiB (at
# 16,384 it held 10.7 MiB once 100,000 teens were resolved); a miss costs ~2.5 us a key.
@lru_cache(maxsize=4096)
def _resolve_setting(
    rule: _Rule, base: Any, chosen: bool, bounds: tuple[tuple[PartyToken, Any], ...]
) -> EffectiveSetting:
    """One key's setting from its base value and its bounds (the age gate first, if any)."""
    outcome = _decide(rule, base, chosen, tuple([value for _, value in bounds]))
    if not bounds:
        return EffectiveSetting(outcome.value, outcome.source, None, True)
    set_by = tuple(
        [_party(party) for (party, _), shown in zip(bounds, outcome.shown, strict=True) if shown]
    )
    bound = Bound(outcome.combined, set_by)
    return EffectiveSetting(outcome.value, outcome.source, bound, outcome.can_change)


class _Outcome(NamedTuple):
    value: Any
    source: Source
    combined: Any  # the combined bound; None when there is none
    shown: tuple[bool, ...]  # per bound, whether its party shows in set_by
    can_change: bool


@lru_cache(maxsize=16384)
def _decide(rule: _Rule, base: Any, chosen: bool, bounds: tuple[Any, ...]) -> _Outcome:
    """One key's value, source and combined bound, from values alone (the contract's rules)."""
    own_source: Source = "self" if chosen else "default"
    if not bounds:
        return _Outcome(base, own_source, None, (), True)
    kind = rule.kind
    combined = kind.join(bounds)
    shown = tuple([kind.contributes(bound, combined) for bound in bounds])
    can_change = not kind.is_single_value(combined)
    if kind.at_least_as_strict(base, combined):
        return _Outcome(base, own_source, combined, shown, can_change)
    gate_alone_suffices = rule.gate is not None and kind.at_least_as_strict(
        kind.join((base, rule.gate)), combined
    )
    source: Source = "age_gate" if gate_alone_suffices else "guardian"
    return _Outcome(kind.join((base, combined)), source, combined, shown, can_change)
