"""The wire shapes of effective settings and of the policy: one declared type per answer, which
is both what the service encodes and what the OpenAPI document shows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

from family_safety.domain.policy.catalog import CATALOG

if TYPE_CHECKING:
    from family_safety.domain.policy.catalog import SettingKind
    from family_safety.domain.policy.engine import EffectiveSetting, EffectiveSettings
    from family_safety.domain.policy.pack import PolicyPack


class PartyOut(msgspec.Struct, omit_defaults=True):
    """Who sets a bound: the age gate of a band, or a guardian."""

    kind: Literal["guardian", "age_gate"]
    band: str | None = None
    guardian_id: str | None = None
    handle: str | None = None


class BoundOut(msgspec.Struct):
    value: Any
    set_by: list[PartyOut]


class SettingOut(msgspec.Struct):
    value: Any
    source: Literal["default", "self", "guardian", "age_gate"]
    bound: BoundOut | None
    can_change: bool


class PolicyRef(msgspec.Struct):
    id: str
    version: str


class EffectiveSettingsOut(msgspec.Struct):
    account_id: str
    age_band: str
    policy: PolicyRef
    settings: dict[str, SettingOut]


def effective_settings_out(effective: EffectiveSettings, account_id: str) -> EffectiveSettingsOut:
    """The effective settings answer of the HTTP contract."""
    return EffectiveSettingsOut(
        account_id=account_id,
        age_band=effective.band,
        policy=PolicyRef(effective.policy_id, effective.policy_version),
        settings={
            key: _setting_out(CATALOG[key], setting) for key, setting in effective.settings.items()
        },
    )


def _setting_out(kind: SettingKind[Any], setting: EffectiveSetting) -> SettingOut:
    bound = setting.bound
    return SettingOut(
        value=kind.dump(setting.value),
        source=setting.source,
        bound=None
        if bound is None
        else BoundOut(kind.dump(bound.value), [PartyOut(**party) for party in bound.set_by]),
        can_change=setting.can_change,
    )


class BandOut(msgspec.Struct):
    name: str
    min_age: int
    max_age: int | None
    teen: bool


class PolicySettingOut(msgspec.Struct):
    key: str
    schema: dict[str, Any]
    strictness: str
    defaults: dict[str, Any]
    gates: dict[str, Any]


class PolicyOut(msgspec.Struct):
    id: str
    version: str
    minimum_age: int
    guardian_band: str
    bands: list[BandOut]
    settings: list[PolicySettingOut]


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
        settings=[
            PolicySettingOut(
                key=key,
                schema=kind.json_schema(),
                strictness=kind.strictness,
                defaults={band: kind.dump(pack.defaults[band][key]) for band in pack.band_names},
                gates={
                    band: None if key not in pack.gates[band] else kind.dump(pack.gates[band][key])
                    for band in pack.band_names
                },
            )
            for key, kind in CATALOG.items()
        ],
    )
