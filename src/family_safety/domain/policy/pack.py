"""Policy packs: the age bands, and each setting's defaults and gates per band, as TOML data.

The policy owns every rule about ages; nothing else in the service computes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import Field

from family_safety.domain.policy.catalog import CATALOG, InvalidValue
from family_safety.lib.pack_files import PackError, PackModel, PackSource, read_toml, validated

DEFAULT_PACK_PATH = Path(__file__).parent / "packs" / "default.toml"
TOML_NULL = "null"
"""TOML has no null: in a pack, this string stands for JSON null, as a whole value or as a value
inside a table (such as a daily limit's day)."""


class PolicyPackError(PackError):
    """A pack file that cannot be used; the message names the file and, where known, the line."""


def age_on(birthdate: date, today: date) -> int:
    """Whole years of age on today.

    A 29 February birthday falls on 1 March in other years: comparing (month, day) does exactly
    that, as those years have no day between 28 February and 1 March.
    """
    before_birthday = (today.month, today.day) < (birthdate.month, birthdate.day)
    return today.year - birthdate.year - before_birthday


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min_age: int


@dataclass(frozen=True, slots=True)
class RetentionRule:
    """How long one kind of record is kept after it stops being needed, and why
    (docs/retention.md; swept by domain/retention)."""

    period: timedelta
    reason: str


@dataclass(frozen=True, slots=True, eq=False)  # identity equality: the engine caches per pack
class PolicyPack:
    id: str
    version: str
    minimum_age: int
    bands: tuple[Band, ...]  # youngest first; a band runs up to the next one's min_age
    guardian_band: str  # the youngest band that may be a guardian
    defaults: Mapping[str, Mapping[str, Any]]  # band -> setting key -> canonical value, every key
    gates: Mapping[str, Mapping[str, Any]]  # band -> setting key -> canonical value, gated keys
    retention: Mapping[str, RetentionRule]  # what is kept how long (the table `retention`)
    # band -> setting key -> the loosest value a teen may choose without a guardian's approval
    needs_guardian: Mapping[str, Mapping[str, Any]] = dataclass_field(default_factory=dict)

    @property
    def band_names(self) -> tuple[str, ...]:
        return tuple(band.name for band in self.bands)

    @property
    def guardian_age(self) -> int:
        """The age from which an account may be a guardian, and is no longer a teen."""
        return next(band.min_age for band in self.bands if band.name == self.guardian_band)

    @property
    def teen_ages(self) -> tuple[int, int]:
        """The youngest and the oldest age of a teen, for messages."""
        return self.minimum_age, self.guardian_age - 1

    @property
    def teen_bands(self) -> tuple[str, ...]:
        return tuple(band.name for band in self.bands if band.min_age < self.guardian_age)

    def adult_on(self, birthdate: date) -> date:
        """The day someone born on birthdate reaches the guardian age (a 29 February birthday
        falls on 1 March in other years, as in age_on)."""
        year = birthdate.year + self.guardian_age
        try:
            return birthdate.replace(year=year)
        except ValueError:
            return date(year, 3, 1)

    def band_for(self, birthdate: date, today: date) -> str | None:
        """The band of someone born on birthdate, on today; None when under the minimum age."""
        age = age_on(birthdate, today)
        # The last band reached, found from the end: every request asks (no list built).
        for band in reversed(self.bands):
            if band.min_age <= age:
                return band.name
        return None

    def settings_band(self, birthdate: date, today: date) -> str:
        """The band whose defaults and gates apply: ``band_for``, or the youngest band under the
        minimum age (only an age signal makes an account that young, and it is then held)."""
        return self.band_for(birthdate, today) or self.bands[0].name

    def is_teen(self, band: str | None) -> bool:
        """Whether band (None: under the minimum age, see band_for) is a teen band."""
        return band in self.teen_bands

    def is_guardian_band(self, band: str | None) -> bool:
        return band in self.band_names and band not in self.teen_bands


@cache
def load_default_pack() -> PolicyPack:
    """The pack shipped with the service (loaded once)."""
    return load_pack(DEFAULT_PACK_PATH)


def load_pack(path: Path) -> PolicyPack:
    """Read and check a pack file; raises PolicyPackError."""
    source, data = read_toml(path, PolicyPackError)
    return _build(source, validated(source, _PackFile, data))


class _BandFile(PackModel):
    name: str = Field(min_length=1)
    min_age: int = Field(ge=0)


class _SettingFile(PackModel):
    defaults: dict[str, Any]
    gates: dict[str, Any] = Field(default_factory=dict)
    needs_guardian: dict[str, Any] = Field(default_factory=dict)


class _RetentionFile(PackModel):
    days: int = Field(ge=1)
    reason: str = Field(min_length=1)


class _PackFile(PackModel):
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    minimum_age: int = Field(ge=0)
    guardian_band: str
    bands: list[_BandFile] = Field(min_length=1)
    settings: dict[str, _SettingFile]
    retention: dict[str, _RetentionFile] = Field(default_factory=dict)


def _from_toml(value: Any) -> Any:
    """The wire value a pack value stands for (see TOML_NULL)."""
    if isinstance(value, dict):
        return {name: None if item == TOML_NULL else item for name, item in value.items()}
    return None if value == TOML_NULL else value


def _build(source: PackSource, pack_file: _PackFile) -> PolicyPack:
    bands = _checked_bands(source, pack_file)
    names = [band.name for band in bands]
    unknown = [key for key in pack_file.settings if key not in CATALOG]
    if unknown:
        raise source.error(f"settings: unknown setting {unknown[0]!r}", unknown[0])
    missing = [key for key in CATALOG if key not in pack_file.settings]
    if missing:
        raise source.error(f"settings: no defaults for {', '.join(missing)}")

    defaults: dict[str, dict[str, Any]] = {name: {} for name in names}
    gates: dict[str, dict[str, Any]] = {name: {} for name in names}
    needs_guardian: dict[str, dict[str, Any]] = {name: {} for name in names}
    teen_bands = {band.name for band in bands if band.min_age < _guardian_age(bands, pack_file)}
    for key, kind in CATALOG.items():
        setting = pack_file.settings[key]
        for band in setting.needs_guardian:
            if band in names and band not in teen_bands:
                raise source.error(
                    f"{key}: needs_guardian: {band} is not a teen band", key, "needs_guardian", band
                )
        for field, raw_values, values in (
            ("defaults", setting.defaults, defaults),
            ("gates", setting.gates, gates),
            ("needs_guardian", setting.needs_guardian, needs_guardian),
        ):
            for band, raw in raw_values.items():
                if band not in names:
                    raise source.error(f"{key}: {field}: unknown band {band!r}", key, field, band)
                try:
                    values[band][key] = kind.parse(_from_toml(raw))
                except InvalidValue as error:
                    raise source.error(
                        f"{key}: {field}.{band}: {error}", key, field, band
                    ) from None
        for band in names:
            if band not in setting.defaults:
                raise source.error(f"{key}: defaults: no value for band {band}", key)
            gate = gates[band].get(key)
            if gate is not None and not kind.at_least_as_strict(defaults[band][key], gate):
                raise source.error(
                    f"{key}: defaults.{band} {kind.dump(defaults[band][key])!r} is looser than "
                    f"gates.{band} {kind.dump(gate)!r}",
                    key,
                    "defaults",
                    band,
                )

    return PolicyPack(
        id=pack_file.id,
        version=pack_file.version,
        minimum_age=pack_file.minimum_age,
        bands=bands,
        guardian_band=pack_file.guardian_band,
        defaults=_frozen(defaults),
        gates=_frozen(gates),
        retention=MappingProxyType(
            {
                item: RetentionRule(timedelta(days=rule.days), rule.reason.strip())
                for item, rule in pack_file.retention.items()
            }
        ),
        needs_guardian=_frozen(needs_guardian),
    )


def _guardian_age(bands: tuple[Band, ...], pack_file: _PackFile) -> int:
    return next(band.min_age for band in bands if band.name == pack_file.guardian_band)


def _checked_bands(source: PackSource, pack_file: _PackFile) -> tuple[Band, ...]:
    bands = tuple(Band(band.name, band.min_age) for band in pack_file.bands)
    names = [band.name for band in bands]
    if len(set(names)) != len(names):
        raise source.error("bands: band names must differ", "bands")
    if bands[0].min_age != pack_file.minimum_age:
        raise source.error(
            f"bands: the first band must start at minimum_age {pack_file.minimum_age}",
            "bands",
            bands[0].name,
        )
    for younger, older in pairwise(bands):
        if older.min_age <= younger.min_age:
            raise source.error(
                f"bands: {older.name} must start older than {younger.name}", "bands", older.name
            )
    if pack_file.guardian_band not in names:
        raise source.error(
            f"guardian_band: {pack_file.guardian_band!r} is not a band", "guardian_band"
        )
    return bands


def _frozen(by_band: dict[str, dict[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({band: MappingProxyType(values) for band, values in by_band.items()})
