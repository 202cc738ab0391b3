"""Validator errors in words a person understands: the one home of every validation message.

pydantic (request bodies, the pages' forms) and msgspec (query parameters, settings-shaped
bodies) explain a refused value in their own terms ("String should have at least 10
characters", "Invalid RFC3339 encoded date", "Expected `str` of length <= 2"). The API's
``validation`` problem and the Family Center's pages say the same thing instead, in one
sentence per field that starts with the name the client sent: "password must be at least 10
characters", "from must be a date like 2026-12-07", "handle, password and birthdate are
required". Nothing of a validator's internals (types, locations, Python names) reaches people.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FieldErrors = list[dict[str, str]]

BODY = "body"
"""The field named when the whole body is wrong (not an object, empty)."""

# What a value of a kind looks like, shown in "must be ... like ...".
DATE_EXAMPLE = "2026-12-07"
DATETIME_EXAMPLE = "2026-12-07T18:30:00Z"
UUID_EXAMPLE = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

# Fields whose every refusal is best said by what a good value looks like.
_ANY_ERROR: Mapping[str, str] = {
    "birthdate": "{field} must be a date like 2011-04-30",
    "country": "{field} must be a two-letter country code like GB",
    "handle": "{field} must be 3 to 30 characters, each a-z, 0-9, _ or .",
    "timezone": "{field} must be a time zone name like Europe/London",
    "device_id": "{field} must be 1 to 64 characters, each A-Z, a-z, 0-9, ., _ or -",
}

_KINDS: Mapping[str, str] = {
    "str": "text",
    "string": "text",
    "int": "a whole number",
    "integer": "a whole number",
    "float": "a number",
    "number": "a number",
    "bool": "true or false",
    "boolean": "true or false",
    "array": "a list",
    "list": "a list",
    "object": "an object",
    "dict": "an object",
    "null": "null",
}

# pydantic's error types, by the sentence they become ({field}, then the error's ctx).
_PYDANTIC: Mapping[str, str] = {
    "missing": "{field} is required",
    "extra_forbidden": "{field} is not a field this request takes",
    "string_type": "{field} must be text",
    "string_too_short": "{field} must be at least {min_length} {characters}",
    "string_too_long": "{field} must be at most {max_length} {characters}",
    "too_short": "{field} must have at least {min_length} {items}",
    "too_long": "{field} must have at most {max_length} {items}",
    "string_pattern_mismatch": "{field} holds characters that are not allowed",
    "int_type": "{field} must be a whole number",
    "int_parsing": "{field} must be a whole number",
    "int_from_float": "{field} must be a whole number",
    "float_type": "{field} must be a number",
    "float_parsing": "{field} must be a number",
    "bool_type": "{field} must be true or false",
    "bool_parsing": "{field} must be true or false",
    "greater_than_equal": "{field} must be at least {ge}",
    "greater_than": "{field} must be more than {gt}",
    "less_than_equal": "{field} must be at most {le}",
    "less_than": "{field} must be less than {lt}",
    "literal_error": "{field} must be one of {expected}",
    "enum": "{field} must be one of {expected}",
    "dict_type": "{field} must be an object",
    "model_type": "{field} must be an object",
    "model_attributes_type": "{field} must be an object",
    "list_type": "{field} must be a list",
    "uuid_type": "{field} must be an id like " + UUID_EXAMPLE,
    "uuid_parsing": "{field} must be an id like " + UUID_EXAMPLE,
    "date_type": "{field} must be a date like " + DATE_EXAMPLE,
    "date_parsing": "{field} must be a date like " + DATE_EXAMPLE,
    "date_from_datetime_parsing": "{field} must be a date like " + DATE_EXAMPLE,
    "date_from_datetime_inexact": "{field} must be a date like " + DATE_EXAMPLE,
    "datetime_type": "{field} must be a time like " + DATETIME_EXAMPLE,
    "datetime_parsing": "{field} must be a time like " + DATETIME_EXAMPLE,
    "datetime_from_date_parsing": "{field} must be a time like " + DATETIME_EXAMPLE,
    "timezone_aware": "{field} must be a time with its offset, like " + DATETIME_EXAMPLE,
}

# msgspec's messages (it keeps no error types), each with the sentence it becomes.
_MSGSPEC: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), sentence)
    for pattern, sentence in (
        (r"^Object missing required field `(?P<name>[^`]+)`", "{name} is required"),
        (
            r"^Object contains unknown field `(?P<name>[^`]+)`",
            "{name} is not a field this request takes",
        ),
        (r"^Invalid RFC3339 encoded date$", "{field} must be a date like " + DATE_EXAMPLE),
        (r"^Invalid RFC3339 encoded datetime$", "{field} must be a time like " + DATETIME_EXAMPLE),
        (r"^Invalid RFC3339 encoded time$", "{field} must be a time of day like 18:30"),
        (r"^Invalid UUID", "{field} must be an id like " + UUID_EXAMPLE),
        (r"^Invalid enum value (?P<value>.+)$", "{field} cannot be {value}"),
        (r"^Expected `str` of length >= (?P<n>\d+)$", "{field} must be at least {n} characters"),
        (r"^Expected `str` of length <= (?P<n>\d+)$", "{field} must be at most {n} characters"),
        (
            r"^Expected `(?:array|object)` of length >= (?P<n>\d+)$",
            "{field} must have at least {n} items",
        ),
        (
            r"^Expected `(?:array|object)` of length <= (?P<n>\d+)$",
            "{field} must have at most {n} items",
        ),
        (r"^Expected `\w+` >= (?P<n>\S+)$", "{field} must be at least {n}"),
        (r"^Expected `\w+` > (?P<n>\S+)$", "{field} must be more than {n}"),
        (r"^Expected `\w+` <= (?P<n>\S+)$", "{field} must be at most {n}"),
        (r"^Expected `\w+` < (?P<n>\S+)$", "{field} must be less than {n}"),
        (r"^Expected `str` matching regex", "{field} holds characters that are not allowed"),
        (r"^Expected `(?P<kind>\w+)(?: \| null)?`, got `\w+`$", "{field} must be {kind}"),
    )
)


def field_name(location: Sequence[Any], aliases: Mapping[str, str] | None = None) -> str:
    """The name the client sent: the body's own keys without the framework's ``data`` or
    ``body`` prefix, a parameter by its alias (``from``, not the Python name ``start``), list
    items as ``intervals[0]``."""
    parts = [part for part in location if part not in ("data", "body", "__root__")]
    if not parts:
        return BODY
    first = str(parts[0])
    name = (aliases or {}).get(first, first)
    for part in parts[1:]:
        name += f"[{part}]" if isinstance(part, int) else f".{part}"
    return name


def _kind(name: str) -> str:
    return _KINDS.get(name, name)


def pydantic_sentence(field: str, error: Mapping[str, Any]) -> str:
    """One pydantic error (``ValidationError.errors()``'s item) as a sentence about ``field``."""
    if field in _ANY_ERROR and error.get("type") not in ("missing", "extra_forbidden"):
        return _ANY_ERROR[field].format(field=field)
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    is_text = isinstance(error.get("input"), str)
    values = {
        "field": field,
        "characters": "characters" if is_text else "items",
        "items": "characters" if is_text else "items",
        **{key: str(value) for key, value in ctx.items()},
    }
    template = _PYDANTIC.get(kind)
    if template is not None:
        try:
            return template.format(**values)
        except KeyError:
            pass
    if kind in ("value_error", "assertion_error"):
        reason = str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
        if field == BODY:  # a rule about the whole body says it in its own sentence
            return reason[:1].upper() + reason[1:]
        return f"{field} {reason}" if reason[:1].islower() else reason
    return f"{field} is not valid"


def message_sentence(field: str, message: str) -> str:
    """A validator's message (msgspec's, or a reason the service wrote) as a sentence about
    ``field``."""
    message = message.split(" - at `", 1)[0].strip()
    if message.startswith(field + " "):
        return message  # already a sentence about the field
    if message == "Field required":
        return f"{field} is required"
    if field in _ANY_ERROR and not message.startswith(("Object missing", "Object contains")):
        return _ANY_ERROR[field].format(field=field)
    for pattern, sentence in _MSGSPEC:
        found = pattern.search(message)
        if found:
            values = {"field": field, **found.groupdict()}
            if "kind" in values:
                values["kind"] = _kind(values["kind"])
            return sentence.format(**values)
    return f"{field} {message}" if message[:1].islower() else f"{field}: {message}"


def from_pydantic(
    errors: Iterable[Mapping[str, Any]], aliases: Mapping[str, str] | None = None
) -> FieldErrors:
    """pydantic's errors (a body's, a form's) as ``{field, message}`` items, one per field."""
    answer: dict[str, str] = {}
    for error in errors:
        field = field_name(tuple(error.get("loc", ())), aliases)
        answer.setdefault(field, pydantic_sentence(field, error))
    return [{"field": field, "message": message} for field, message in answer.items()]


_REQUIRED = re.compile(r"^(?P<name>\S+) is required$")


def summary(errors: FieldErrors) -> str:
    """The errors in one sentence, for a problem's ``detail`` or the top of a form: the missing
    fields together ("handle, password and birthdate are required"), then each other one."""
    missing = [found.group("name") for e in errors if (found := _REQUIRED.match(e["message"]))]
    others = [e["message"] for e in errors if not _REQUIRED.match(e["message"])]
    parts = []
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        parts.append(f"{_listed(missing)} {verb} required")
    parts.extend(others)
    return "; ".join(parts) or "the request is not valid"


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def as_sentence(errors: FieldErrors) -> str:
    """The summary as a page shows it: capitalised, with a full stop ("Password must be at
    least 10 characters.")."""
    text = summary(errors)
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")
