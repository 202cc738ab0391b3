"""The policy engine: setting kinds, policy packs (ages, bands, defaults, gates) and resolution.

It owns every rule about ages and strictness; it is pure apart from reading pack files, and
never reads the clock ("today" is always an argument).
"""

from family_safety.domain.policy.catalog import (
    CATALOG,
    SETTING_KEYS,
    InvalidValue,
    SettingKind,
    Window,
)
from family_safety.domain.policy.engine import (
    Approval,
    Bound,
    EffectiveSetting,
    EffectiveSettings,
    GuardianLimits,
    Party,
    needs_approval,
    resolve,
    violations,
)
from family_safety.domain.policy.laws import Law, LawPackError, LawRule, load_shipped_laws
from family_safety.domain.policy.pack import (
    Band,
    PolicyPack,
    PolicyPackError,
    age_on,
    load_default_pack,
    load_pack,
)

__all__ = [
    "CATALOG",
    "SETTING_KEYS",
    "Approval",
    "Band",
    "Bound",
    "EffectiveSetting",
    "EffectiveSettings",
    "GuardianLimits",
    "InvalidValue",
    "Law",
    "LawPackError",
    "LawRule",
    "Party",
    "PolicyPack",
    "PolicyPackError",
    "SettingKind",
    "Window",
    "age_on",
    "load_default_pack",
    "load_pack",
    "load_shipped_laws",
    "needs_approval",
    "resolve",
    "violations",
]
