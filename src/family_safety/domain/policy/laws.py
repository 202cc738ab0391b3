"""Laws as packs of data: one TOML file each, beside the default pack (``laws/*.toml``).

A law names where it applies (countries, ISO 3166-1 alpha-2, or regions, ISO 3166-2), its status
as shipped, its effective dates, a minimum age, and rules per band: a ``default`` that replaces
the platform's when stricter, a ``gate`` (a bound like an age gate) and a ``needs_guardian``
bound (the loosest value a teen may choose alone). Which laws apply now is the caller's to say
(``applies_on``, given the status in force and today): the engine takes the applying laws as an
input, as it takes the pack. Pure apart from reading the files; no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from pydantic import Field

from family_safety.domain.policy.catalog import CATALOG, InvalidValue
from family_safety.domain.policy.pack import PolicyPack, load_default_pack
from family_safety.lib.pack_files import PackError, PackModel, PackSource, read_toml, validated

LAWS_DIR = Path(__file__).parent / "packs" / "laws"

LawStatus = Literal["in_force", "enjoined", "proposed"]
LAW_STATUSES: tuple[str, ...] = get_args(LawStatus)
COUNTRY = re.compile(r"\A[A-Z]{2}\Z")
REGION = re.compile(r"\A([A-Z]{2})-[A-Z0-9]{1,3}\Z")
RULE_FIELDS = ("default", "gate", "needs_guardian")


class LawPackError(PackError):
    """A law file that cannot be used; the message names the file and, where known, the line."""


@dataclass(frozen=True, slots=True)
class LawRule:
    key: str
    band: str
    default: Any | None  # canonical values; None where the rule says nothing
    gate: Any | None
    needs_guardian: Any | None


@dataclass(frozen=True, slots=True, eq=False)  # identity equality: the engine caches per law
class Law:
    id: str
    title: str
    citation: str  # a URL
    countries: frozenset[str]
    regions: frozenset[str]
    status: LawStatus  # as shipped; the status in force may be changed by staff
    effective_from: date | None
    effective_until: date | None  # exclusive
    minimum_age: int | None
    rules: tuple[LawRule, ...]  # as written
    # band -> setting key -> canonical value, from the rules
    defaults: Mapping[str, Mapping[str, Any]]
    gates: Mapping[str, Mapping[str, Any]]
    needs_guardian: Mapping[str, Mapping[str, Any]]

    def covers(self, country: str | None, region: str | None) -> bool:
        """Whether an account in country (and region, if any) is where this law applies."""
        return (country is not None and country in self.countries) or (
            region is not None and region in self.regions
        )

    def applies_on(self, today: date, status: str, in_force_since: date | None = None) -> bool:
        """``applies_now``: status is ``in_force`` and today lies in [effective_from,
        effective_until). With no effective_from, the law applies from in_force_since (the day
        its status became ``in_force``), or always when that is not known."""
        if status != "in_force":
            return False
        start = self.effective_from or in_force_since
        if start is not None and today < start:
            return False
        return self.effective_until is None or today < self.effective_until


def law_of(
    law_id: str,
    title: str,
    rules: Iterable[LawRule],
    *,
    citation: str,
    countries: Iterable[str] = (),
    regions: Iterable[str] = (),
    status: LawStatus = "in_force",
    effective_from: date | None = None,
    effective_until: date | None = None,
    minimum_age: int | None = None,
) -> Law:
    """A law from its rules (already checked: canonical values, at most one per key, band and
    field); the rules' values are gathered by band for the engine."""
    rules = tuple(rules)
    by_field: dict[str, dict[str, dict[str, Any]]] = {field: {} for field in RULE_FIELDS}
    for rule in rules:
        for field in RULE_FIELDS:
            value = getattr(rule, field)
            if value is not None:
                by_field[field].setdefault(rule.band, {})[rule.key] = value
    return Law(
        id=law_id,
        title=title,
        citation=citation,
        countries=frozenset(countries),
        regions=frozenset(regions),
        status=status,
        effective_from=effective_from,
        effective_until=effective_until,
        minimum_age=minimum_age,
        rules=rules,
        defaults=_frozen(by_field["default"]),
        gates=_frozen(by_field["gate"]),
        needs_guardian=_frozen(by_field["needs_guardian"]),
    )


def by_id(laws: Iterable[Law]) -> tuple[Law, ...]:
    """Laws in one canonical order (by id): the engine's answer never depends on their order."""
    return tuple(sorted(laws, key=lambda law: law.id))


@cache
def load_shipped_laws() -> tuple[Law, ...]:
    """The laws shipped with the service, checked against the default pack (loaded once)."""
    return load_laws(LAWS_DIR, load_default_pack())


def load_laws(directory: Path, pack: PolicyPack) -> tuple[Law, ...]:
    """Every ``*.toml`` law in directory, by id; raises LawPackError naming file and line."""
    laws = [load_law(path, pack) for path in sorted(directory.glob("*.toml"))]
    seen: dict[str, str] = {}
    for law, path in zip(laws, sorted(directory.glob("*.toml")), strict=True):
        if law.id in seen:
            raise LawPackError(f"{path.name}: id {law.id!r} is also the id of {seen[law.id]}")
        seen[law.id] = path.name
    return by_id(laws)


def load_law(path: Path, pack: PolicyPack) -> Law:
    source, data = read_toml(path, LawPackError)
    return _build(source, validated(source, _LawFile, data), pack)


class _RuleFile(PackModel):
    key: str
    band: str
    default: Any = None
    gate: Any = None
    needs_guardian: Any = None


class _LawFile(PackModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    title: str = Field(min_length=1, max_length=200)
    citation: str = Field(pattern=r"^https://\S+$")
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    status: LawStatus
    effective_from: date | None = None
    effective_until: date | None = None
    minimum_age: int | None = Field(default=None, ge=0, le=21)
    rules: list[_RuleFile] = Field(default_factory=list)


def _build(source: PackSource, law_file: _LawFile, pack: PolicyPack) -> Law:
    for code in law_file.countries:
        if not COUNTRY.match(code):
            raise source.error(f"countries: {code!r} is not an ISO 3166-1 alpha-2 code", code)
    for code in law_file.regions:
        if not REGION.match(code):
            raise source.error(f"regions: {code!r} is not an ISO 3166-2 code", code)
    if not law_file.countries and not law_file.regions:
        raise source.error("a law needs countries or regions", "id")
    if (
        law_file.effective_from is not None
        and law_file.effective_until is not None
        and law_file.effective_until <= law_file.effective_from
    ):
        raise source.error("effective_until must be after effective_from", "effective_until")
    by_field: dict[str, dict[str, dict[str, Any]]] = {
        field: {band: {} for band in pack.band_names} for field in RULE_FIELDS
    }
    rules = []
    for index, rule in enumerate(law_file.rules):
        where = ("rules", index)
        kind = CATALOG.get(rule.key)
        if kind is None:
            raise source.error(f"rules[{index}]: unknown setting {rule.key!r}", *where, "key")
        if rule.band not in pack.band_names:
            raise source.error(f"rules[{index}]: unknown band {rule.band!r}", *where, "band")
        values: dict[str, Any] = {}
        for field in RULE_FIELDS:
            raw = getattr(rule, field)
            if raw is None:
                continue
            if rule.key in by_field[field][rule.band]:
                raise source.error(
                    f"rules[{index}]: a second {field} for {rule.key} in {rule.band}", *where, field
                )
            try:
                values[field] = by_field[field][rule.band][rule.key] = kind.parse(raw)
            except InvalidValue as error:
                raise source.error(f"rules[{index}]: {field}: {error}", *where, field) from None
        if not values:
            raise source.error(
                f"rules[{index}]: a rule needs a default, a gate or needs_guardian", *where, "key"
            )
        if "needs_guardian" in values and not pack.is_teen(rule.band):
            raise source.error(
                f"rules[{index}]: needs_guardian: {rule.band} is not a teen band", *where, "band"
            )
        default, gate = values.get("default"), values.get("gate")
        if default is not None and gate is not None and not kind.at_least_as_strict(default, gate):
            raise source.error(f"rules[{index}]: default is looser than gate", *where, "default")
        rules.append(LawRule(rule.key, rule.band, default, gate, values.get("needs_guardian")))
    # The file's other fields are law_of's keywords, by name.
    attributes = law_file.model_dump(exclude={"id", "title", "rules"})
    return law_of(law_file.id, law_file.title, rules, **attributes)


def _frozen(by_band: dict[str, dict[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({band: MappingProxyType(values) for band, values in by_band.items()})


@dataclass(frozen=True, slots=True)
class StatusInForce:
    """A law's status as staff set it (operational data), and the day it was set."""

    status: LawStatus
    since: date


class LawBook:
    """The shipped laws with the statuses in force: immutable (a status change makes a new book).

    ``applying`` answers which laws apply to an account's country and region on a day, memoised:
    the settings answers ask it on every request, so it is one dict lookup once warm. Pure: the
    caller passes today and the statuses.
    """

    __slots__ = ("_applying", "_laws", "_statuses", "laws")

    def __init__(self, laws: Iterable[Law], statuses: Mapping[str, StatusInForce]) -> None:
        self.laws = by_id(laws)
        self._laws = {law.id: law for law in self.laws}
        self._statuses = dict(statuses)
        self._applying: dict[
            tuple[str | None, str | None, date], tuple[tuple[Law, ...], tuple[str, ...]]
        ] = {}

    def get(self, law_id: str) -> Law | None:
        return self._laws.get(law_id)

    def status(self, law: Law) -> LawStatus:
        override = self._statuses.get(law.id)
        return law.status if override is None else override.status

    def applies_now(self, law: Law, today: date) -> bool:
        override = self._statuses.get(law.id)
        if override is None:
            return law.applies_on(today, law.status)
        return law.applies_on(today, override.status, override.since)

    def applying(self, country: str | None, region: str | None, today: date) -> tuple[Law, ...]:
        """The laws that apply now to an account in country and region, by id."""
        return self._found(country, region, today)[0]

    def applying_ids(self, country: str | None, region: str | None, today: date) -> tuple[str, ...]:
        """Their ids (``policy.laws``; part of the settings ETag)."""
        return self._found(country, region, today)[1]

    def _found(
        self, country: str | None, region: str | None, today: date
    ) -> tuple[tuple[Law, ...], tuple[str, ...]]:
        key = (country, region, today)
        found = self._applying.get(key)
        if found is None:
            if len(self._applying) > 4096:  # days go by: forget the old ones
                self._applying.clear()
            laws = tuple(
                law
                for law in self.laws
                if law.covers(country, region) and self.applies_now(law, today)
            )
            found = self._applying[key] = (laws, tuple(law.id for law in laws))
        return found
