"""Effective settings, resolved from the policy pack, the applying laws, the holder's own choices,
guardian limits and guardians' approvals.

Pure: no I/O and no clock; the caller passes the bands. Values are canonical (see catalog).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from family_safety.domain.policy.catalog import CATALOG, SettingKind
from family_safety.domain.policy.laws import Law, by_id
from family_safety.domain.policy.pack import PolicyPack

Party = Mapping[str, str]
"""Who sets a bound, as on the wire (read-only): {"kind": "age_gate", "band"},
{"kind": "guardian", "guardian_id", "handle"}, {"kind": "law", "law_id", "title"} or
{"kind": "guardian_approval", "guardian_id", "handle"}."""
PartyToken = tuple[str, ...]
"""A party, hashable: ("age_gate", band), ("guardian", guardian_id, handle), ("law", law_id,
title) or ("guardian_approval", guardian_id, handle)."""
LawRef = Mapping[str, str]
"""The law that decided a value, as on the wire: {"law_id", "title"}."""
Source = Literal["default", "self", "age_gate", "law", "guardian"]


@dataclass(frozen=True, slots=True)
class GuardianLimits:
    guardian_id: str
    handle: str
    limits: Mapping[str, Any]  # setting key -> canonical value


@dataclass(frozen=True, slots=True)
class Approval:
    """A linked guardian's approval of a value for one key with a ``needs_guardian`` bound (the
    engine's input; the caller stores approvals and passes only those of guardians linked now).

    It replaces the key's ``needs_guardian`` bounds (the pack's and every applying law's) when
    it is looser than their combination, and shows in ``bound.set_by`` as
    ``{kind: "guardian_approval", guardian_id, handle}``; gates, laws' gates and guardian limits
    still bound it. An approval no looser than the ``needs_guardian`` bounds changes nothing.
    """

    guardian_id: str
    handle: str
    value: Any  # canonical


_NO_APPROVALS: Mapping[str, Approval] = MappingProxyType({})
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Bound(NamedTuple):  # named tuples: immutable, and cheaper to build than dataclasses
    value: Any  # the combined bound of every party
    set_by: tuple[Party, ...]  # the parties it shows: the age gate, laws, approvals, guardians


class EffectiveSetting(NamedTuple):
    value: Any
    source: Source
    bound: Bound | None
    can_change: bool
    law: LawRef | None = None  # the law that decided the value (source "law"), else None


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    band: str
    policy_id: str
    policy_version: str
    settings: Mapping[str, EffectiveSetting]  # in catalogue order
    laws: tuple[str, ...] = ()  # the ids of the laws applied, in id order


def resolve(
    pack: PolicyPack,
    *,
    band: str,
    start_band: str,
    own_choices: Mapping[str, Any],
    guardians: Sequence[GuardianLimits],
    laws: Iterable[Law] = (),
    approvals: Mapping[str, Approval] = _NO_APPROVALS,
) -> EffectiveSettings:
    """Every setting of an account now in band, which started in start_band.

    A key its holder never chose keeps the start band's default while that is at least as strict
    as the current band's (else joins the two): a birthday never loosens a value by itself. Each
    law of ``laws`` (those that apply to the account now: the caller decides, the engine reads no
    clock) replaces that default with its own where stricter, and bounds the key with its gate
    and its ``needs_guardian`` value. ``approvals`` (setting key -> a linked guardian's approval)
    lift ``needs_guardian`` bounds (see ``Approval``). The value is the holder's choice, or that
    default, when it is at least as strict as every bound; else it is joined with the combined
    bound. The answer does not depend on the order of ``laws``.
    """
    applied = by_id(laws)
    guardian_limits = [
        (("guardian", guardian.guardian_id, guardian.handle), guardian.limits)
        for guardian in guardians
    ]
    settings = {}
    for rule in _rules(pack, applied, start_band, band):
        key = rule.key
        bounds: tuple[tuple[PartyToken, Any], ...] = rule.fixed_bounds
        if rule.needs_guardian:
            approval = approvals.get(key)
            if approval is not None and not rule.kind.at_least_as_strict(
                approval.value, rule.needs_guardian_value
            ):
                token = ("guardian_approval", approval.guardian_id, approval.handle)
                bounds = (*bounds, (token, approval.value))
            else:
                bounds = (*bounds, *rule.needs_guardian)
        limits = tuple([(party, limits[key]) for party, limits in guardian_limits if key in limits])
        if limits:
            bounds = (*bounds, *limits)
        choice = own_choices.get(key)
        if choice is None:
            settings[key] = _resolve_setting(rule, rule.default, False, bounds)
        else:
            settings[key] = _resolve_setting(rule, choice, True, bounds)
    return EffectiveSettings(
        band,
        pack.id,
        pack.version,
        MappingProxyType(settings),
        tuple([law.id for law in applied]),
    )


def violations(
    pack: PolicyPack,
    *,
    band: str,
    guardians: Sequence[GuardianLimits],
    key: str,
    value: Any,
    laws: Iterable[Law] = (),
) -> list[Party]:
    """The parties whose own bound on key the canonical value is not at least as strict as: the
    band's age gate first, then the gates of laws (by id), then guardians in the order given.
    Empty when the value is allowed. ``needs_guardian`` bounds are not here (see
    ``needs_approval``): a guardian's approval may lift them."""
    kind = CATALOG[key]
    gate = pack.gates[band].get(key)
    found = (
        [] if gate is None or kind.at_least_as_strict(value, gate) else [_party(("age_gate", band))]
    )
    for law in by_id(laws):
        law_gate = law.gates.get(band, _EMPTY).get(key)
        if law_gate is not None and not kind.at_least_as_strict(value, law_gate):
            found.append(_party(("law", law.id, law.title)))
    found.extend(
        _party(("guardian", guardian.guardian_id, guardian.handle))
        for guardian in guardians
        if key in guardian.limits and not kind.at_least_as_strict(value, guardian.limits[key])
    )
    return found


def needs_approval(
    pack: PolicyPack,
    *,
    band: str,
    key: str,
    value: Any,
    laws: Iterable[Law] = (),
    approvals: Mapping[str, Approval] = _NO_APPROVALS,
) -> list[Party]:
    """The parties whose ``needs_guardian`` bound on key the canonical value is looser than (the
    pack's as ``{kind: "age_gate", band}``, then laws by id), unless a guardian approved at least
    that value (``approvals``). Empty when the holder may choose the value alone."""
    kind = CATALOG[key]
    approval = approvals.get(key)
    if approval is not None and kind.at_least_as_strict(value, approval.value):
        return []
    rules = _needs_guardian(pack, by_id(laws), band, key)
    return [_party(party) for party, bound in rules if not kind.at_least_as_strict(value, bound)]


_PARTY_FIELDS = {
    "age_gate": ("kind", "band"),
    "guardian": ("kind", "guardian_id", "handle"),
    "law": ("kind", "law_id", "title"),
    "guardian_approval": ("kind", "guardian_id", "handle"),
}
# The layer a party's bound belongs to, for a value's source: an approval is a guardian's.
_LAYER: dict[str, Source] = {
    "age_gate": "age_gate",
    "law": "law",
    "guardian": "guardian",
    "guardian_approval": "guardian",
}


@lru_cache(maxsize=4096)
def _party(token: PartyToken) -> Party:
    return MappingProxyType(dict(zip(_PARTY_FIELDS[token[0]], token, strict=True)))


@lru_cache(maxsize=256)
def _law_ref(token: PartyToken) -> LawRef:
    return MappingProxyType({"law_id": token[1], "title": token[2]})


def _needs_guardian(
    pack: PolicyPack, laws: tuple[Law, ...], band: str, key: str
) -> tuple[tuple[PartyToken, Any], ...]:
    """The ``needs_guardian`` bounds on key in band: the pack's, then each law's (by id)."""
    found: list[tuple[PartyToken, Any]] = []
    own = pack.needs_guardian.get(band, _EMPTY).get(key)
    if own is not None:
        found.append((("age_gate", band), own))
    for law in laws:
        value = law.needs_guardian.get(band, _EMPTY).get(key)
        if value is not None:
            found.append((("law", law.id, law.title), value))
    return tuple(found)


@dataclass(frozen=True, slots=True, eq=False)  # identity hashing: a cheap key for _resolve_setting
class _Rule:
    """What the pack and the applying laws say about one key for an account in band that started
    in start_band."""

    key: str
    kind: SettingKind[Any]
    default: Any
    default_law: PartyToken | None  # the law whose default replaced the platform's, if any
    fixed_bounds: tuple[tuple[PartyToken, Any], ...]  # the age gate, then laws' gates (by id)
    needs_guardian: tuple[tuple[PartyToken, Any], ...]  # the pack's, then laws' (by id)
    needs_guardian_value: Any | None  # their combination


@lru_cache(maxsize=256)
def _rules(
    pack: PolicyPack, laws: tuple[Law, ...], start_band: str, band: str
) -> tuple[_Rule, ...]:
    rules = []
    for key, kind in CATALOG.items():
        default = _default(kind, pack.defaults[start_band][key], pack.defaults[band][key])
        default_law = None
        fixed: list[tuple[PartyToken, Any]] = []
        gate = pack.gates[band].get(key)
        if gate is not None:
            fixed.append((("age_gate", band), gate))
        for law in laws:
            token = ("law", law.id, law.title)
            law_default = law.defaults.get(band, _EMPTY).get(key)
            if law_default is not None and not kind.at_least_as_strict(default, law_default):
                # A law's default replaces the platform's only where stricter (joined: never
                # looser than either); the first law (by id) that made it stricter names it.
                default = kind.join((default, law_default))
                default_law = default_law or token
            law_gate = law.gates.get(band, _EMPTY).get(key)
            if law_gate is not None:
                fixed.append((token, law_gate))
        needs_guardian = _needs_guardian(pack, laws, band, key)
        rules.append(
            _Rule(
                key,
                kind,
                default=default,
                default_law=default_law,
                fixed_bounds=tuple(fixed),
                needs_guardian=needs_guardian,
                needs_guardian_value=(
                    kind.join([value for _, value in needs_guardian]) if needs_guardian else None
                ),
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
    outcome = _decide(rule, base, chosen, tuple([(party[0], value) for party, value in bounds]))
    law = None
    if outcome.source == "law":
        law_token = rule.default_law if outcome.law_bound is None else bounds[outcome.law_bound][0]
        law = None if law_token is None else _law_ref(law_token)
    if not bounds:
        return EffectiveSetting(outcome.value, outcome.source, None, True, law)
    set_by = tuple(
        [_party(party) for (party, _), shown in zip(bounds, outcome.shown, strict=True) if shown]
    )
    bound = Bound(outcome.combined, set_by)
    return EffectiveSetting(outcome.value, outcome.source, bound, outcome.can_change, law)


class _Outcome(NamedTuple):
    value: Any
    source: Source
    combined: Any  # the combined bound; None when there is none
    shown: tuple[bool, ...]  # per bound, whether its party shows in set_by
    can_change: bool
    law_bound: int | None = None  # with source "law" from a bound: the index of that law's bound


@lru_cache(maxsize=16384)
def _decide(rule: _Rule, base: Any, chosen: bool, bounds: tuple[tuple[str, Any], ...]) -> _Outcome:
    """One key's value, source and combined bound, from values alone (the contract's rules);
    each bound is (the kind of party that sets it, its value)."""
    own_source: Source = "self" if chosen else ("law" if rule.default_law else "default")
    if not bounds:
        return _Outcome(base, own_source, None, (), True)
    kind = rule.kind
    combined = kind.join([value for _, value in bounds])
    shown = tuple([kind.contributes(value, combined) for _, value in bounds])
    can_change = not kind.is_single_value(combined)
    if kind.at_least_as_strict(base, combined):
        return _Outcome(base, own_source, combined, shown, can_change)
    value = kind.join((base, combined))
    # The source is the first layer whose bounds, with those of the layers before it, suffice to
    # make the value: the age gate, then laws, then guardians (and their approvals).
    reached = base
    for layer in ("age_gate", "law"):
        layer_bounds = [bound for party, bound in bounds if _LAYER[party] == layer]
        if not layer_bounds:
            continue
        reached = kind.join((reached, *layer_bounds))
        if kind.at_least_as_strict(reached, combined):
            law_bound = None
            if layer == "law":
                law_bound = next(
                    index
                    for index, (party, bound) in enumerate(bounds)
                    if party == "law" and not kind.at_least_as_strict(base, bound)
                )
            return _Outcome(value, layer, combined, shown, can_change, law_bound)
    return _Outcome(value, "guardian", combined, shown, can_change)
