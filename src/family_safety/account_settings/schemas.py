"""Wire shapes of effective settings, for the OpenAPI document; answers are built by the engine."""

from __future__ import annotations

from typing import Any, Literal, TypedDict


class PartyOut(TypedDict, total=False):
    kind: Literal["guardian", "age_gate"]
    guardian_id: str
    handle: str
    band: str


class BoundOut(TypedDict):
    value: Any
    set_by: list[PartyOut]


class SettingOut(TypedDict):
    value: Any
    source: Literal["default", "self", "guardian", "age_gate"]
    bound: BoundOut | None
    can_change: bool


class PolicyRef(TypedDict):
    id: str
    version: str


class EffectiveSettingsOut(TypedDict):
    account_id: str
    age_band: str
    policy: PolicyRef
    settings: dict[str, SettingOut]
