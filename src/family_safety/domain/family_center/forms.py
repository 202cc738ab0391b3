"""What the pages' forms mean, in the wire shape the services take (they check every value, as
for the API): a guardian's limits as form fields and back (PUT /v1/teens/{id}/limits), a teen's
settings, and a report (POST /v1/reports)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from family_safety.domain.family_center.words import DAYS, LABELS, value_words
from family_safety.domain.policy.catalog import CATALOG, BoolKind, OrderedEnumKind

if TYPE_CHECKING:
    from collections.abc import Mapping

WINDOW_KEYS = ("screen_time.time_away", "notifications.quiet_hours")
DAILY_LIMIT = "screen_time.daily_limit_minutes"
KEYWORDS = "content.keyword_filters"


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    label: str
    kind: str  # "choice", "minutes", "window", "words"
    value: Any  # what the control shows
    options: list[tuple[str, str]]  # (value, words) for a choice; first is "no limit"
    # What the control cannot show (windows on some days only, limits that differ by day): kept
    # as it is unless the guardian unticks "Keep" (or, for the daily limit, types a number).
    kept: Any = None

    @property
    def id(self) -> str:
        return "f-" + self.key.replace(".", "-").replace("_", "-")

    @property
    def kept_json(self) -> str:
        return json.dumps(self.kept)

    @property
    def kept_words(self) -> str:
        return value_words(self.key, self.kept)


def choice_value(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)


def limit_fields(limits: Mapping[str, Any]) -> list[Field]:
    """One control per setting a guardian may bound, showing this guardian's limits."""
    fields = []
    for key, kind in CATALOG.items():
        current = limits.get(key)
        label = LABELS[key]
        if isinstance(kind, BoolKind | OrderedEnumKind):
            # A bound at the loosest value bounds nothing: "No limit" stands for it.
            options = [("", "No limit")] + [
                (choice_value(member), value_words(key, member)) for member in kind.members[1:]
            ]
            shown = "" if current is None else choice_value(current)
            fields.append(Field(key, label, "choice", shown, options))
        elif key == DAILY_LIMIT:
            per_day = set(current.values()) if current else {None}
            if len(per_day) == 1:
                minutes = per_day.pop()
                fields.append(Field(key, label, "minutes", "" if minutes is None else minutes, []))
            else:
                fields.append(Field(key, label, "minutes", "", [], kept=current))
        elif key in WINDOW_KEYS:
            windows = list(current or [])
            daily = next((w for w in windows if list(w["days"]) == list(DAYS)), None)
            others = [w for w in windows if w is not daily]
            window = daily or {"start": "", "end": ""}
            fields.append(Field(key, label, "window", window, [], kept=others or None))
        elif key == KEYWORDS:
            fields.append(Field(key, label, "words", "\n".join(current or []), []))
    return fields


def _kept(form: Mapping[str, str], key: str) -> Any:
    """What the form kept of a limit it cannot show, while "Keep" is ticked."""
    if form.get(f"{key}.keep") != "yes":
        return None
    try:
        return json.loads(form.get(f"{key}.kept", "null"))
    except ValueError:
        return None


def limits_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """The wire limits a submitted form means; blank means no limit."""
    limits: dict[str, Any] = {}
    for key, kind in CATALOG.items():
        if isinstance(kind, BoolKind | OrderedEnumKind):
            raw = form.get(key, "")
            if raw:
                limits[key] = {"true": True, "false": False}.get(raw, raw)
        elif key == DAILY_LIMIT:
            raw = form.get(key, "").strip()
            if raw:
                limits[key] = int(raw) if raw.isdigit() else raw
            elif (kept := _kept(form, key)) is not None:
                limits[key] = kept
        elif key in WINDOW_KEYS:
            windows = list(_kept(form, key) or [])
            start, end = form.get(f"{key}.start", ""), form.get(f"{key}.end", "")
            if start or end:
                windows.insert(0, {"days": list(DAYS), "start": start, "end": end})
            if windows:
                limits[key] = windows
        elif key == KEYWORDS and (words := words_from_form(form.get(key, ""))):
            limits[key] = words
    return limits


def uniform_minutes(daily_limit: Mapping[str, int | None] | None) -> int | str:
    """The daily limit as one number when it is the same every day, else ""."""
    per_day = set(daily_limit.values()) if daily_limit else {None}
    minutes = per_day.pop() if len(per_day) == 1 else None
    return "" if minutes is None else minutes


def words_from_form(typed: str) -> list[str]:
    """Words typed one per line (or with commas)."""
    return [w.strip() for w in typed.replace(",", "\n").splitlines() if w.strip()]


def allowed_choices(key: str, bound: Any) -> list[tuple[str, str]] | None:
    """For a holder's own choice of a yes/no or choice setting: the values at least as strict
    as its bound (None for other kinds of setting)."""
    kind = CATALOG[key]
    if not isinstance(kind, BoolKind | OrderedEnumKind):
        return None
    held: tuple[Any, ...] = kind.members  # a BoolKind's bools or an OrderedEnumKind's words
    members = [m for m in held if bound is None or kind.at_least_as_strict(m, bound)]
    return [(choice_value(m), value_words(key, m)) for m in members]


def choice_from_form(key: str, raw: str) -> Any:
    if isinstance(CATALOG[key], BoolKind):
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def settings_from_form(form: Mapping[str, str], current: Mapping[str, Any]) -> dict[str, Any]:
    """The changes a teen's settings form means, against the current values (key: value): what
    differs, plus a window added to a window setting."""
    changes = {
        key: choice_from_form(key, form[key])
        for key in CATALOG
        if key in form
        and key not in (KEYWORDS, DAILY_LIMIT)
        and form[key] != choice_value(current[key])
    }
    typed_minutes = form.get(DAILY_LIMIT, "").strip()
    if typed_minutes and typed_minutes != str(uniform_minutes(current[DAILY_LIMIT])):
        changes[DAILY_LIMIT] = int(typed_minutes) if typed_minutes.isdigit() else typed_minutes
    for key in WINDOW_KEYS:
        start, end = form.get(f"{key}.start", ""), form.get(f"{key}.end", "")
        if start or end:
            added = {"days": list(DAYS), "start": start, "end": end}
            changes[key] = [*current[key], added]
    if KEYWORDS in form:
        words = words_from_form(form[KEYWORDS])
        if {w.casefold() for w in words} != {w.casefold() for w in current[KEYWORDS]}:
            changes[KEYWORDS] = words
    return changes


def _local_to_utc(typed: str, timezone: str) -> str:
    """A ``datetime-local`` field's value, in the account's timezone, as UTC."""
    try:
        local = datetime.fromisoformat(typed)
    except ValueError:
        return typed  # refused, in words, by the report's own validation
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).isoformat()


def report_from_form(form: Mapping[str, str], timezone: str) -> dict[str, Any]:
    """The report a submitted form means, in the shape of POST /v1/reports."""
    subject = {"kind": form.get("subject_kind", "")}
    if handle := form.get("subject_handle", "").strip().lstrip("@"):
        subject["handle"] = handle
    if url := form.get("subject_url", "").strip():
        subject["url"] = url
    report: dict[str, Any] = {"category": form.get("category", ""), "subject": subject}
    if description := form.get("description", "").strip():
        report["description"] = description
    if said := form.get("evidence_text", "").strip():
        item: dict[str, Any] = {"kind": "message_text", "text": said}
        if when := form.get("evidence_when", "").strip():
            item["captured_at"] = _local_to_utc(when, timezone)
        if "handle" in subject:
            item["username"] = subject["handle"]
        report["evidence"] = [item]
    report["tell_guardians"] = form.get("tell_guardians") == "yes"
    return report
