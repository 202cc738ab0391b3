"""The served OpenAPI document, completed from the service's own catalogues.

Litestar documents a settings object as ``{string: any}``; the policy catalogue knows every key
and its value type. So, after Litestar has built the document, this module:

- adds ``AgeBand``, ``SettingKey``, ``SettingSource``, ``SettingValues`` (one optional property
  per key, ``additionalProperties: false``) and ``EffectiveSettingsMap`` (one required property
  per key, each ``{value, source, bound, can_change}`` with ``value`` typed for that key), all
  generated from ``CATALOG`` and the policy pack: adding a setting updates the document by itself;
- points every settings-shaped field at them: the effective settings answer, the body of
  ``PATCH /v1/me/settings``, guardian limits, ``GET /v1/policy`` (one item shape per key), the
  guardians page, the export, the preview's ``controls``, ``DELETE /v1/me/settings/{key}``;
- turns the fields that hold a closed set of words into enums (age bands, notification kinds);
- names, on every problem answer, the problem types (slugs) it can carry, each with a real example
  built by the same constructor the service raises;
- replaces the random examples Litestar makes up with real answers computed by the policy engine.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, get_args

import msgspec

from family_safety.domain.account_settings.schemas import effective_settings_out, policy_out
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.policy.catalog import CATALOG, DailyLimitKind
from family_safety.domain.policy.engine import GuardianLimits, Source, resolve
from family_safety.lib import problems

if TYPE_CHECKING:
    from family_safety.domain.policy.catalog import SettingKind
    from family_safety.domain.policy.pack import PolicyPack

JsonSchema = dict[str, Any]
SCHEMAS = "#/components/schemas/"


def _ref(name: str) -> JsonSchema:
    return {"$ref": SCHEMAS + name}


def _answered(kind: SettingKind[Any]) -> JsonSchema:
    """A value as answered: a daily limit always as its seven-day map; a combined list (a union
    of several parties' lists) may be longer than any one party may send."""
    schema = copy.deepcopy(kind.json_schema())
    if isinstance(kind, DailyLimitKind):
        (schema,) = [branch for branch in schema["oneOf"] if branch.get("type") == "object"]
    schema.pop("maxItems", None)
    return schema


def _nullable(schema: JsonSchema) -> JsonSchema:
    return {"anyOf": [{"type": "null"}, schema]}


def _closed(properties: dict[str, JsonSchema], required: list[str] | None = None) -> JsonSchema:
    schema: JsonSchema = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    schema["required"] = list(properties) if required is None else required
    return schema


# --- settings -----------------------------------------------------------------------------


def _effective_setting(value: JsonSchema) -> JsonSchema:
    return _closed(
        {
            "value": value,
            "source": _ref("SettingSource"),
            "bound": _nullable(
                _closed(
                    {
                        "value": value,
                        "set_by": {"type": "array", "items": _ref("PartyOut"), "minItems": 1},
                    }
                )
            ),
            "can_change": {
                "type": "boolean",
                "description": "False only when the bound leaves a single value.",
            },
        }
    )


def _policy_setting(key: str, value: JsonSchema, bands: tuple[str, ...]) -> JsonSchema:
    return _closed(
        {
            "key": {"const": key},
            "schema": {"type": "object", "description": "The JSON Schema of a value."},
            "strictness": {"type": "string"},
            "defaults": _closed(dict.fromkeys(bands, value)),
            "gates": _closed(
                {band: _nullable(value) for band in bands} if bands else {},
            ),
        }
    )


def _example_answer(pack: PolicyPack) -> dict[str, Any]:
    """A real answer: a 14-year-old whose guardian limits screen time and blocks search."""
    band = next(band for band in pack.band_names if pack.is_teen(band))
    guardian = GuardianLimits(
        "0b8f4a52-5d0e-4c55-9a47-1f0d2f8c8a31",
        "alex",
        {
            "screen_time.daily_limit_minutes": CATALOG["screen_time.daily_limit_minutes"].parse(45),
            "search.enabled": False,
        },
    )
    effective = resolve(pack, band=band, start_band=band, own_choices={}, guardians=(guardian,))
    answer = effective_settings_out(effective, "5f1c7c1e-2b7a-4f6e-8d7e-6a3e9d2c4b10")
    return msgspec.to_builtins(answer)


def settings_components(pack: PolicyPack) -> dict[str, JsonSchema]:
    """The component schemas of settings, generated from the catalogue and the pack."""
    values = {key: kind.json_schema() for key, kind in CATALOG.items()}
    bands = pack.band_names
    return {
        "AgeBand": {"type": "string", "enum": list(bands)},
        "SettingKey": {"type": "string", "enum": list(CATALOG)},
        "SettingSource": {
            "type": "string",
            "enum": list(get_args(Source)),
        },
        "SettingValues": {
            **_closed(values, required=[]),
            "description": "`{key: value}`: any of the catalogue's keys, each with its own type.",
            "examples": [{"account.private": True, "screen_time.daily_limit_minutes": 45}],
        },
        "EffectiveSettingsMap": {
            **_closed({key: _effective_setting(_answered(kind)) for key, kind in CATALOG.items()}),
            "description": "Every key of the catalogue, resolved.",
        },
        "PartyOut": {
            "oneOf": [
                _closed(
                    {
                        "kind": {"const": "guardian"},
                        "guardian_id": {"type": "string", "format": "uuid"},
                        "handle": {"type": "string"},
                    }
                ),
                _closed({"kind": {"const": "age_gate"}, "band": _ref("AgeBand")}),
            ],
            "description": "Who sets a bound: the age gate of a band, or a guardian.",
        },
        "PolicySettingOut": {
            "oneOf": [
                _policy_setting(key, _answered(kind), bands) for key, kind in CATALOG.items()
            ],
            "description": "One setting of the catalogue: its JSON Schema, strictness, and its "
            "default and gate (null: none) in every band.",
        },
    }


# --- problems -----------------------------------------------------------------------------


def _problem_body(problem: problems.Problem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": problem.type_,
        "title": problem.title,
        "status": problem.status_code,
        "detail": problem.detail,
    }
    if isinstance(problem.extra, dict):
        body.update(problem.extra)
    return body


# The problems each status names unless an operation says otherwise below.
DEFAULT_SLUGS: dict[int, list[str]] = {
    400: ["malformed-body", "bad-request"],
    401: ["unauthorized"],
    403: ["forbidden"],
    404: ["not-found"],
    405: ["method-not-allowed"],
    409: ["conflict"],
    412: ["precondition-failed"],
    413: ["payload-too-large"],
    415: ["unsupported-media-type"],
    422: ["validation"],
    428: ["precondition-required"],
    429: ["rate-limited"],
    500: ["internal-error"],
    503: ["service-unavailable"],
}
_PROOF = {
    400: ["invitation-invalid", "malformed-body", "bad-request"],
    403: ["not-a-teen", "not-an-adult", "forbidden"],
    409: ["invitation-used", "already-linked", "guardian-limit-reached", "conflict"],
    410: ["invitation-expired"],
    429: ["rate-limited"],
}
# Routes that hash a password: past the hashing queue, 503 `overloaded`.
_HASHING = {503: ["overloaded", "service-unavailable"]}
_IDEMPOTENT = {
    409: ["request-in-progress"],
    422: ["validation", "idempotency-key-reused"],
}
# Where an operation answers other problems than the defaults of a status (the contract's tables).
OPERATION_SLUGS: dict[str, dict[int, list[str]]] = {
    "POST /v1/accounts": {
        409: ["handle-taken", "conflict"],
        422: ["validation", "minimum-age"],
        503: _HASHING[503],
    },
    "POST /v1/auth/token": {401: ["invalid-credentials"], **_HASHING},
    "POST /v1/auth/refresh": {401: ["invalid-refresh-token"]},
    "POST /v1/auth/logout": {401: ["invalid-refresh-token"]},
    "POST /v1/me/password": {403: ["wrong-password"], **_HASHING},
    "DELETE /v1/me": {403: ["wrong-password"], **_HASHING},
    "PATCH /v1/me/settings": {403: ["setting-locked"]},
    "POST /v1/pairing-invitations": {
        403: ["not-an-adult"],
        409: ["invitation-limit-reached", *_IDEMPOTENT[409], "conflict"],
        422: _IDEMPOTENT[422],
    },
    "GET /v1/pairing-invitations/{invitation_id}/qr.svg": {
        409: ["invitation-used"],
        410: ["invitation-expired"],
    },
    "POST /v1/pairing-invitations/preview": _PROOF,
    "POST /v1/me/time-requests": {409: ["no-guardian", "request-limit-reached"]},
    "POST /v1/teens/{teen_id}/time-requests/{request_id}/decision": {
        409: ["request-decided"],
        410: ["request-expired"],
    },
    "POST /v1/reports": {422: ["validation", "evidence-not-allowed"]},
    "POST /v1/me/blocks": {409: ["block-limit-reached"]},
    "POST /v1/pairings": {
        **_PROOF,
        409: [*_PROOF[409], *_IDEMPOTENT[409]],
        422: _IDEMPOTENT[422],
    },
}


def _slugs_for(label: str, status: int, catalogue: dict[str, problems.Problem]) -> list[str]:
    slugs = OPERATION_SLUGS.get(label, {}).get(status) or DEFAULT_SLUGS.get(status)
    if not slugs:  # a status nobody named: every problem of that status
        slugs = [slug for slug, problem in catalogue.items() if problem.status_code == status]
    return slugs


def _document_problems(document: dict[str, Any], catalogue: dict[str, problems.Problem]) -> None:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            label = f"{method.upper()} {path}"
            for status, response in operation["responses"].items():
                media = (response.get("content") or {}).get(problems.PROBLEM_MEDIA_TYPE)
                if media is None:
                    continue
                slugs = _slugs_for(label, int(status), catalogue)
                if "requestBody" not in operation:  # nothing to be malformed
                    slugs = [slug for slug in slugs if slug != "malformed-body"] or slugs
                media["schema"] = {
                    "allOf": [
                        _ref("ProblemDetails"),
                        {
                            "properties": {
                                "type": {"enum": [problems.PROBLEM_TYPE_BASE + s for s in slugs]},
                                "status": {"const": int(status)},
                            }
                        },
                    ]
                }
                media["examples"] = {
                    slug: {"summary": slug, "value": _problem_body(catalogue[slug])}
                    for slug in slugs
                    if slug in catalogue
                }
                names = ", ".join(f"`{slug}`" for slug in slugs)
                phrase = HTTPStatus(int(status)).phrase
                response["description"] = f"{phrase}. Problem types: {names}."


# --- answers carry every field ------------------------------------------------------------

# Answers that leave out a field when it has no value (``errors``; a party's unused fields).
SPARSE_ANSWERS = {"ProblemDetails", "PartyOut"}


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].removeprefix(SCHEMAS)} if "$ref" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node)) if node else set()
    return set()


def _reachable(names: set[str], schemas: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    while names:
        name = names.pop()
        if name not in seen and name in schemas:
            seen.add(name)
            names |= _refs(schemas[name])
    return seen


def _answers_carry_every_field(document: dict[str, Any]) -> None:
    """A field with a default is optional in a request, but every answer carries it: a schema
    only ever answered (never sent) requires all of its properties."""
    schemas = document["components"]["schemas"]
    sent = _refs(
        [
            op.get("requestBody")
            for item in document["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
        ]
    )
    for name in _reachable(_refs(document["paths"]), schemas) - _reachable(sent, schemas):
        schema = schemas[name]
        if name not in SPARSE_ANSWERS and "properties" in schema:
            schema["required"] = list(schema["properties"])


# --- putting it together ------------------------------------------------------------------


def _property(document: dict[str, Any], component: str, name: str) -> JsonSchema:
    """A property of a component schema; a KeyError when the models drifted from this module."""
    return document["components"]["schemas"][component]["properties"][name]


def _set_property(document: dict[str, Any], component: str, name: str, schema: JsonSchema) -> None:
    properties = document["components"]["schemas"][component]["properties"]
    if name not in properties:
        raise KeyError(f"{component}.{name}")
    description = properties[name].get("description")
    properties[name] = {**schema, **({"description": description} if description else {})}


def _request_body_schema(document: dict[str, Any], path: str, method: str) -> JsonSchema:
    return document["paths"][path][method]["requestBody"]["content"]["application/json"]


def complete(document: dict[str, Any], pack: PolicyPack) -> dict[str, Any]:
    """The document as the service answers: every key typed, every enum closed, every problem
    named. Changes and returns ``document``."""
    schemas = document["components"]["schemas"]
    schemas.update(settings_components(pack))
    for unused in ("SettingOut", "BoundOut"):
        schemas.pop(unused, None)

    # The effective settings answer, with a real example.
    _set_property(document, "EffectiveSettingsOut", "settings", _ref("EffectiveSettingsMap"))
    _set_property(document, "EffectiveSettingsOut", "age_band", _ref("AgeBand"))
    _set_property(
        document, "EffectiveSettingsOut", "account_id", {"type": "string", "format": "uuid"}
    )
    schemas["EffectiveSettingsOut"]["examples"] = [_example_answer(pack)]
    schemas["EffectiveSettingsOut"]["additionalProperties"] = False
    schemas["PolicyRef"] = _closed({"id": {"type": "string"}, "version": {"type": "string"}})

    # The policy, with itself as its example.
    _set_property(document, "PolicyOut", "guardian_band", _ref("AgeBand"))
    _set_property(document, "BandOut", "name", _ref("AgeBand"))
    schemas["PolicyOut"]["examples"] = [msgspec.to_builtins(policy_out(pack))]

    # Everything else shaped like settings.
    for component, name in (
        ("Limits", "limits"),
        ("GuardianControls", "limits"),
        ("ExportedLink", "limits"),
        ("Export", "settings_chosen"),
    ):
        _set_property(document, component, name, _ref("SettingValues"))
    schemas["Limits"]["examples"] = [
        {"limits": {"screen_time.daily_limit_minutes": 45, "search.enabled": False}}
    ]
    _set_property(
        document, "InvitationPreview", "controls", {"type": "array", "items": _ref("SettingKey")}
    )
    for component in ("PublicAccount", "OwnAccount"):
        if component in schemas:
            _set_property(document, component, "age_band", _ref("AgeBand"))
    _set_property(
        document,
        "NotificationOut",
        "kind",
        {"type": "string", "enum": [kind.value for kind in NotificationKind]},
    )

    _request_body_schema(document, "/v1/me/settings", "patch")["schema"] = _ref("SettingValues")
    for parameter in document["paths"]["/v1/me/settings/{key}"]["delete"]["parameters"]:
        if parameter["in"] == "path" and parameter["name"] == "key":
            parameter["schema"] = _ref("SettingKey")

    _answers_carry_every_field(document)
    _document_problems(document, problems.examples(pack))
    return document
