"""The wire shapes of effective settings and of the policy: one declared type per answer, which
is both what the service encodes and what the OpenAPI document shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

import msgspec

from family_safety.domain.policy.catalog import CATALOG
from family_safety.domain.policy.engine import GuardianLimits, resolve
from family_safety.domain.policy.schemas import (
    EFFECTIVE_SETTING,
    POLICY_SETTING,
    AgeBand,
    EffectiveSettingsMap,
    EffectiveSettingTypes,
    LawRef,
    SettingValues,
    field_name,
    party,
)
from family_safety.lib.openapi_docs import DocumentedAs

SettingValuesDict = Annotated[dict[str, Any], DocumentedAs(SettingValues)]
"""``{key: value}``, each value in its key's wire form: read as it comes (the catalogue checks each
value, naming every bad key), documented as ``SettingValues``."""

if TYPE_CHECKING:
    PolicySetting: TypeAlias = msgspec.Struct  # the union of the structs built at run time
else:
    PolicySetting = Union[tuple(types.item for types in POLICY_SETTING.values())]  # noqa: UP007 (built at run time)

if TYPE_CHECKING:
    from family_safety.domain.policy.catalog import SettingKind
    from family_safety.domain.policy.engine import EffectiveSetting, EffectiveSettings
    from family_safety.domain.policy.pack import PolicyPack


class PolicyRef(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    version: str
    laws: Annotated[
        list[str], msgspec.Meta(description="The ids of the laws applied (`GET /v1/laws`).")
    ] = msgspec.field(default_factory=list)


class EffectiveSettingsOut(msgspec.Struct, forbid_unknown_fields=True):
    account_id: Annotated[str, msgspec.Meta(extra_json_schema={"extra": {"format": "uuid"}})]
    age_band: AgeBand
    policy: PolicyRef
    settings: EffectiveSettingsMap


_FIELDS = tuple((key, CATALOG[key], EFFECTIVE_SETTING[key]) for key in CATALOG)


def effective_settings_out(effective: EffectiveSettings, account_id: str) -> EffectiveSettingsOut:
    """The effective settings answer of the HTTP contract."""
    settings = effective.settings
    return EffectiveSettingsOut(
        account_id=account_id,
        age_band=effective.band,
        policy=PolicyRef(effective.policy_id, effective.policy_version, list(effective.laws)),
        settings=EffectiveSettingsMap(
            *[_setting_out(kind, settings[key], types) for key, kind, types in _FIELDS]
        ),
    )


def example_answer(pack: PolicyPack) -> EffectiveSettingsOut:
    """A real answer: a 14-year-old whose guardian limits screen time and turns search off."""
    band = next(band for band in pack.band_names if pack.is_teen(band))
    kind = CATALOG["screen_time.daily_limit_minutes"]
    guardian = GuardianLimits(
        "0b8f4a52-5d0e-4c55-9a47-1f0d2f8c8a31",
        "alex",
        {"screen_time.daily_limit_minutes": kind.parse(45), "search.enabled": False},
    )
    effective = resolve(pack, band=band, start_band=band, own_choices={}, guardians=(guardian,))
    return effective_settings_out(effective, "5f1c7c1e-2b7a-4f6e-8d7e-6a3e9d2c4b10")


def _setting_out(
    kind: SettingKind[Any], setting: EffectiveSetting, types: EffectiveSettingTypes
) -> msgspec.Struct:
    value, source, bound, can_change, law = setting
    return types.setting(
        kind.dump(value),
        source,
        None
        if bound is None
        else types.bound(kind.dump(bound.value), [party(wire) for wire in bound.set_by]),
        can_change,
        None if law is None else LawRef(law["law_id"], law["title"]),
    )


class BandOut(msgspec.Struct, forbid_unknown_fields=True):
    name: AgeBand
    min_age: int
    max_age: int | None
    teen: bool


class PolicyOut(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    version: str
    minimum_age: int
    guardian_band: AgeBand
    bands: list[BandOut]
    settings: list[PolicySetting]


def policy_out(pack: PolicyPack) -> PolicyOut:
    """The pack as GET /v1/policy answers it: the catalogue, the bands, defaults and gates."""
    next_min_ages = [band.min_age for band in pack.bands[1:]] + [None]
    return PolicyOut(
        id=pack.id,
        version=pack.version,
        minimum_age=pack.minimum_age,
        guardian_band=pack.guardian_band,
        bands=[
            BandOut(
                name=band.name,
                min_age=band.min_age,
                max_age=None if next_min_age is None else next_min_age - 1,
                teen=pack.is_teen(band.name),
            )
            for band, next_min_age in zip(pack.bands, next_min_ages, strict=True)
        ],
        settings=[_policy_setting(pack, key, kind) for key, kind in CATALOG.items()],
    )


def _policy_setting(pack: PolicyPack, key: str, kind: SettingKind[Any]) -> msgspec.Struct:
    types = POLICY_SETTING[key]
    bands = [(band, field_name(band)) for band in pack.band_names]
    gates, needs = pack.gates, pack.needs_guardian
    return types.item(
        schema=kind.json_schema(),
        strictness=kind.strictness,
        defaults=types.defaults(
            **{name: kind.dump(pack.defaults[band][key]) for band, name in bands}
        ),
        gates=types.gates(
            **{
                name: kind.dump(gates[band][key]) if key in gates[band] else None
                for band, name in bands
            }
        ),
        needs_guardian=types.needs_guardian(
            **{
                name: kind.dump(needs[band][key]) if key in needs.get(band, {}) else None
                for band, name in bands
            }
        ),
    )
