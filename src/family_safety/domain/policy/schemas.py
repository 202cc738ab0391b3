"""The wire types of settings, generated from the catalogue and the default pack at import.

One field per setting key, its value typed by the JSON Schema of that key's kind (the same schema
``GET /v1/policy`` serves): adding a setting to ``CATALOG`` adds it to every type below, and so to
the OpenAPI document, which Litestar writes from these types by itself.

- ``SettingValues``: ``{key: value}`` as sent (the body of ``PATCH /v1/me/settings``, a guardian's
  limits): every key optional, no other key.
- ``EffectiveSettingsMap``: every key, resolved: ``{value, source, bound, can_change}``.
- ``POLICY_SETTING``: per key, the types of its item of ``GET /v1/policy`` (its default and gate
  in every band).
- ``AgeBand``, ``SettingKey``, ``SettingSource``: the closed sets of words, as enums.

The service reads the values of a body with the catalogue itself (``SettingKind.parse``: one
message per bad key); these types say what it accepts and answers.
"""

from __future__ import annotations

from enum import StrEnum
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    NamedTuple,
    Protocol,
    TypeAlias,
    get_args,
)

import msgspec

from family_safety.domain.policy.catalog import CATALOG, JsonSchema
from family_safety.domain.policy.engine import Source
from family_safety.domain.policy.pack import load_default_pack

_BANDS = load_default_pack().band_names

if TYPE_CHECKING:
    # Their members are read from the pack and the catalogue at run time, so a type checker
    # cannot know them: to it, a band or a key is the str it holds.
    AgeBand: TypeAlias = str
    SettingKey: TypeAlias = str
else:
    AgeBand = StrEnum("AgeBand", [(band, band) for band in _BANDS])
    AgeBand.__doc__ = "An age band of the policy, youngest first."
    SettingKey = StrEnum("SettingKey", [(key, key) for key in CATALOG])
    SettingKey.__doc__ = "A key of the settings catalogue."
SettingSource = StrEnum("SettingSource", [(source, source) for source in get_args(Source)])  # type: ignore[misc]
SettingSource.__doc__ = "Where a value comes from."


def _typed(schema: JsonSchema) -> Any:
    """A value described by a JSON Schema (Litestar writes it as the property's schema)."""
    return Annotated[Any, msgspec.Meta(extra_json_schema={"extra": schema})]


def _nullable(schema: JsonSchema) -> JsonSchema:
    return {"oneOf": [{"type": "null"}, schema]}


def field_name(name: str) -> str:
    """A Python name for a wire name (``account.private``, ``13-15``); ``rename`` maps it back."""
    if name.isidentifier():
        return name
    return "f_" + "".join(char if char.isalnum() else "_" for char in name)


def _type_name(key: str) -> str:
    """``screen_time.daily_limit_minutes`` -> ``ScreenTimeDailyLimitMinutes``."""
    return "".join(word.capitalize() for word in key.replace(".", "_").split("_"))


def _closed_struct(
    name: str,
    fields: dict[str, Any],
    *,
    optional: bool = False,
    doc: str | None = None,
    key: str | None = None,
    namespace: dict[str, Any] | None = None,
    last_optional: bool = False,
) -> type[msgspec.Struct]:
    """A struct whose wire fields are ``fields`` (wire name -> type), refusing other fields;
    with ``key``, it starts with ``"key": key`` (a tag: these structs can share a list); with
    ``last_optional``, the last field defaults to None and is left out of the answer then."""
    default: Any = msgspec.UNSET if optional else msgspec.NODEFAULT
    names = list(fields)
    struct = msgspec.defstruct(
        name,
        [
            (
                field_name(wire),
                annotation,
                None if last_optional and wire == names[-1] else default,
            )
            for wire, annotation in fields.items()
        ],
        omit_defaults=last_optional,
        rename={field_name(wire): wire for wire in fields},
        forbid_unknown_fields=True,
        kw_only=optional,
        tag_field=None if key is None else "key",
        tag=key,
        namespace=namespace,
    )
    struct.__doc__ = doc
    return struct


# --- parties ------------------------------------------------------------------------------


class GuardianParty(msgspec.Struct, tag_field="kind", tag="guardian", forbid_unknown_fields=True):
    """A bound set by a linked guardian."""

    kind: ClassVar[Literal["guardian"]] = "guardian"  # the tag, for reading
    guardian_id: Annotated[str, msgspec.Meta(extra_json_schema={"extra": {"format": "uuid"}})]
    handle: str


class AgeGateParty(msgspec.Struct, tag_field="kind", tag="age_gate", forbid_unknown_fields=True):
    """A bound set by the age gate of a band."""

    kind: ClassVar[Literal["age_gate"]] = "age_gate"  # the tag, for reading
    band: AgeBand


class LawParty(msgspec.Struct, tag_field="kind", tag="law", forbid_unknown_fields=True):
    """A bound set by a law that applies to the account (``GET /v1/laws/{law_id}``)."""

    kind: ClassVar[Literal["law"]] = "law"  # the tag, for reading
    law_id: str
    title: str


class GuardianApprovalParty(
    msgspec.Struct, tag_field="kind", tag="guardian_approval", forbid_unknown_fields=True
):
    """A linked guardian's approval of a value looser than a `needs_guardian` bound."""

    kind: ClassVar[Literal["guardian_approval"]] = "guardian_approval"  # the tag, for reading
    guardian_id: Annotated[str, msgspec.Meta(extra_json_schema={"extra": {"format": "uuid"}})]
    handle: str


Party: TypeAlias = GuardianParty | AgeGateParty | LawParty | GuardianApprovalParty


class LawRef(msgspec.Struct, forbid_unknown_fields=True):
    """The law that decided a value (its `source` is `law`)."""

    law_id: str
    title: str


def party(wire: Any) -> Party:
    """The wire type of a party of the engine (``{"kind", ...}``)."""
    kind = wire["kind"]
    if kind == "guardian":
        return GuardianParty(guardian_id=wire["guardian_id"], handle=wire["handle"])
    if kind == "law":
        return LawParty(law_id=wire["law_id"], title=wire["title"])
    if kind == "guardian_approval":
        return GuardianApprovalParty(guardian_id=wire["guardian_id"], handle=wire["handle"])
    return AgeGateParty(band=wire["band"])


# --- values as sent -----------------------------------------------------------------------

SettingValues = _closed_struct(
    "SettingValues",
    {key: _typed(kind.json_schema()) for key, kind in CATALOG.items()},
    optional=True,
    doc="`{key: value}`: any of the catalogue's keys, each with its own type.",
)

# --- values as answered -------------------------------------------------------------------

CAN_CHANGE = "False only when the bound leaves a single value."
LAW = "Only when `source` is `law`: the law that decided the value."


class EffectiveSettingTypes(NamedTuple):
    setting: type[msgspec.Struct]  # {value, source, bound, can_change}
    bound: type[msgspec.Struct]  # {value, set_by}


def _effective_setting(key: str) -> EffectiveSettingTypes:
    value = _typed(CATALOG[key].answer_schema())
    bound = _closed_struct(
        f"{_type_name(key)}Bound",
        {"value": value, "set_by": Annotated[list[Party], msgspec.Meta(min_length=1)]},
        doc=f"The combined bound on {key}, and who sets it.",
    )
    setting = _closed_struct(
        f"{_type_name(key)}Setting",
        {
            "value": value,
            "source": SettingSource,
            "bound": bound | None,
            "can_change": Annotated[bool, msgspec.Meta(description=CAN_CHANGE)],
            "law": Annotated[LawRef | None, msgspec.Meta(description=LAW)],
        },
        doc=f"The effective {key}.",
        last_optional=True,
    )
    return EffectiveSettingTypes(setting, bound)


EFFECTIVE_SETTING = {key: _effective_setting(key) for key in CATALOG}
"""Each key's effective setting and bound types, by key."""


class BoundView(Protocol):
    """What every key's bound struct holds, for reading."""

    @property
    def value(self) -> Any: ...
    @property
    def set_by(self) -> list[Party]: ...


class EffectiveSettingView(Protocol):
    """What every key's effective setting struct holds, for reading."""

    @property
    def value(self) -> Any: ...
    @property
    def source(self) -> Source: ...
    @property
    def bound(self) -> BoundView | None: ...
    @property
    def can_change(self) -> bool: ...
    @property
    def law(self) -> LawRef | None: ...


_ATTRIBUTES = tuple((key, field_name(key)) for key in CATALOG)


def _setting_of(settings: Any, key: str) -> Any:
    return getattr(settings, field_name(key))


def _settings_by_key(settings: Any) -> list[tuple[str, Any]]:
    return [(key, getattr(settings, name)) for key, name in _ATTRIBUTES]


if TYPE_CHECKING:

    class EffectiveSettingsMap(msgspec.Struct):
        """What a type checker knows of the struct built below: one field per key, read like
        ``{key: setting}``."""

        def __init__(self, *settings: msgspec.Struct) -> None: ...
        def __getitem__(self, key: str) -> EffectiveSettingView: ...
        def items(self) -> list[tuple[str, EffectiveSettingView]]: ...

else:
    EffectiveSettingsMap = _closed_struct(
        "EffectiveSettingsMap",
        {key: types.setting for key, types in EFFECTIVE_SETTING.items()},
        doc="Every key of the catalogue, resolved.",
        namespace={"__getitem__": _setting_of, "items": _settings_by_key},  # like {key: setting}
    )

# --- the policy ---------------------------------------------------------------------------


class PolicySettingTypes(NamedTuple):
    item: type[msgspec.Struct]  # {key, schema, strictness, defaults, gates}
    defaults: type[msgspec.Struct]  # {band: value}
    gates: type[msgspec.Struct]  # {band: value or null}
    needs_guardian: type[msgspec.Struct]  # {band: value or null}


def _policy_setting(key: str) -> PolicySettingTypes:
    answered = CATALOG[key].answer_schema()
    name = _type_name(key)
    defaults = _closed_struct(
        f"{name}Defaults",
        {band: _typed(answered) for band in _BANDS},
        doc=f"The default of {key} in every band.",
    )
    gates = _closed_struct(
        f"{name}Gates",
        {band: _typed(_nullable(answered)) for band in _BANDS},
        doc=f"The gate on {key} in every band (null: none).",
    )
    needs_guardian = _closed_struct(
        f"{name}NeedsGuardian",
        {band: _typed(_nullable(answered)) for band in _BANDS},
        doc=f"The loosest {key} a teen may choose without a guardian's approval, in every band "
        "(null: any value the bounds allow).",
    )
    item = _closed_struct(
        f"{name}Policy",
        {
            "schema": Annotated[
                dict[str, Any], msgspec.Meta(description="The JSON Schema of a value.")
            ],
            "strictness": str,
            "defaults": defaults,
            "gates": gates,
            "needs_guardian": needs_guardian,
        },
        doc=f"{key}: its JSON Schema, strictness, and its default, gate and needs_guardian "
        "bound in every band.",
        key=key,
    )
    return PolicySettingTypes(item, defaults, gates, needs_guardian)


POLICY_SETTING = {key: _policy_setting(key) for key in CATALOG}
"""Each key's item types of ``GET /v1/policy``, by key."""
