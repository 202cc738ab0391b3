"""The words of the pages: labels, values and problems, written for a 13-year-old (short
sentences, no jargon; ICO Children's Code standard 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import iso3166

from family_safety.domain.policy.laws import load_shipped_laws
from family_safety.lib import field_errors

if TYPE_CHECKING:
    from pydantic import ValidationError

    from family_safety.lib.problems import Problem

LABELS: dict[str, str] = {
    "account.private": "Private account",
    "account.suggest_to_others": "Suggest my account to others",
    "messaging.direct_messages": "Direct messages",
    "live.enabled": "LIVE videos",
    "comments.who_can_comment": "Who can comment",
    "remix.duet_stitch": "Duets and stitches",
    "downloads.allowed": "Downloads of my videos",
    "content.restricted_mode": "Restricted mode",
    "content.keyword_filters": "Hidden words",
    "search.enabled": "Search",
    "screen_time.daily_limit_minutes": "Daily screen time",
    "screen_time.time_away": "Time away",
    "notifications.quiet_hours": "Quiet hours",
    "notifications.push": "Push notifications",
    "feed.autoplay": "Autoplay videos",
    "feed.personalised": "Feed picked for me",
    "messaging.read_receipts": "Show when I read messages",
    "messaging.group_invites": "Who can add me to group chats",
    "location.sharing": "Share my location",
    "content.maturity": "Content level",
}

# What each value of a yes/no or a choice setting reads as. Most yes/no settings read On or Off,
# and the "who can" settings offering everyone, friends or no one read their choices alike.
ON_OFF: dict[Any, str] = {True: "On", False: "Off"}
WHO_CAN: dict[Any, str] = {"everyone": "Everyone", "friends": "Friends only", "no_one": "No one"}
VALUE_WORDS: dict[str, dict[Any, str]] = {
    "account.private": {True: "Private", False: "Public"},
    "account.suggest_to_others": ON_OFF,
    "live.enabled": ON_OFF,
    "downloads.allowed": {True: "Allowed", False: "Not allowed"},
    "content.restricted_mode": ON_OFF,
    "search.enabled": ON_OFF,
    "messaging.direct_messages": WHO_CAN,
    "comments.who_can_comment": WHO_CAN,
    "remix.duet_stitch": {"everyone": "Everyone", "friends": "Friends only", "only_me": "Only me"},
    "notifications.push": ON_OFF,
    "feed.autoplay": ON_OFF,
    "feed.personalised": {True: "On", False: "Off: newest first"},
    "messaging.read_receipts": ON_OFF,
    "messaging.group_invites": WHO_CAN,
    "location.sharing": ON_OFF,
    "content.maturity": {
        "all": "Everything",
        "13+": "Fine for 13 and up",
        "limited": "Extra careful",
    },
}

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The problems of the API (problems.py, by slug) in the words of the pages.
PROBLEM_WORDS: dict[str, str] = {
    "invalid-credentials": "That handle or password is wrong. Please try again.",
    "rate-limited": "Too many tries. Please wait a few minutes and try again.",
    "handle-taken": "That handle is taken. Please pick another one.",
    "minimum-age": "You need to be 13 or older to have an account.",
    "invitation-invalid": "That code does not work. Check it and try again.",
    "invitation-used": "That code was already used. Ask for a new one.",
    "invitation-expired": "That code has run out. Ask for a new one.",
    "already-linked": "You are already linked to this person.",
    "guardian-limit-reached": "You already have 2 guardians. That is the most you can have.",
    "invitation-limit-reached": "You have 5 codes waiting. Wait for one to run out first.",
    "not-a-teen": "Only people aged 13 to 17 can use a pairing code.",
    "not-an-adult": "Only adults (18 and over) can invite a teen.",
    "precondition-failed": "These limits changed since you opened the page.",
    "setting-locked": "That choice is not allowed right now.",
    "needs-guardian-approval": "A guardian needs to say yes to that first. You can ask them.",
    "no-guardian": "You need a linked guardian before you can ask for more time.",
    "request-limit-reached": "You already have 3 questions waiting. Wait for an answer first.",
    "request-decided": "Someone already answered this.",
    "request-expired": "This question has run out.",
    "not-found": "We could not find that.",
    "forbidden": "This page is not for your account.",
}


def problem_words(slug: str, detail: str) -> str:
    return PROBLEM_WORDS.get(slug, detail)


def problem_in_words(problem: Problem) -> str:
    """An API problem as a page says it; a refused setting or field names what it refuses."""
    words = problem_words(problem.slug, problem.detail)
    errors = (problem.extra or {}).get("errors") if isinstance(problem.extra, dict) else None
    if problem.slug == "setting-locked" and errors:
        # The detail names who bounds each key ("KEY is bounded by guardian @mum; ...").
        who = {
            part.split(" is bounded by ")[0]: part.split(" is bounded by ")[-1]
            for part in problem.detail.rstrip(".").split("; ")
        }
        words = " ".join(
            f"You can't change {LABELS.get(e['field'], e['field'])} that way: it is set by "
            f"{who.get(e['field'], 'a limit').replace('guardian ', '')}."
            for e in errors
        )
    if problem.slug == "validation" and errors:
        words = _check(errors)
    return words


def validation_words(error: ValidationError) -> str:
    """A form the API's schema refused, in the API's sentences ("Please check: Password must be
    at least 10 characters.")."""
    return _check(field_errors.from_pydantic(error.errors()))


def _check(errors: list[dict[str, str]]) -> str:
    """The API's sentences (``lib/field_errors``), a setting named by its label on the page."""
    labelled = [
        {**e, "message": LABELS[e["field"]] + e["message"].removeprefix(e["field"])}
        if e["field"] in LABELS and e["message"].startswith(e["field"])
        else e
        for e in errors
    ]
    return "Please check: " + field_errors.as_sentence(labelled)


def law_shown(setting: Any) -> dict[str, str] | None:
    """The law that set a setting's value, to show with its title and a link to its citation:
    the law whose default or bound decided it (``law``), else a law whose bound it sits on."""
    law_id = setting.law.law_id if setting.law is not None else None
    bound = setting.bound
    if law_id is None and bound is not None and bound.value == setting.value:
        law_id = next((party.law_id for party in bound.set_by if party.kind == "law"), None)
    law = None if law_id is None else _SHIPPED_LAWS.get(law_id)
    return None if law is None else {"title": law.title, "citation": law.citation}


_SHIPPED_LAWS = {law.id: law for law in load_shipped_laws()}


def party_words(party: Any) -> str:
    """Who sets a bound (a ``set_by`` party), in words: "your age", "@mum", "law: ..."."""
    if party.kind == "age_gate":
        return "your age"
    if party.kind == "law":
        return f"law: {party.title}"
    if party.kind == "guardian_approval":
        return f"@{party.handle}'s OK"
    return f"@{party.handle}"


def minutes_words(minutes: int | None) -> str:
    if minutes is None:
        return "No limit"
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def _windows_words(windows: list[dict[str, Any]]) -> str:
    if not windows:
        return "None"
    parts = []
    for window in windows:
        days = window["days"]
        when = "every day" if list(days) == list(DAYS) else ", ".join(d.title() for d in days)
        parts.append(f"{window['start']} to {window['end']}, {when}")
    return "; ".join(parts)


def value_words(key: str, value: Any) -> str:
    """A setting's wire value, in words."""
    if key in VALUE_WORDS:
        return VALUE_WORDS[key].get(value, str(value))
    if key == "screen_time.daily_limit_minutes":
        if value is None:
            return "No limit"
        if isinstance(value, int):
            return minutes_words(value)
        distinct = {value[day] for day in DAYS}
        if len(distinct) == 1:
            return minutes_words(distinct.pop()) + " a day"
        return ", ".join(f"{day.title()} {minutes_words(value[day])}" for day in DAYS)
    if key in ("screen_time.time_away", "notifications.quiet_hours"):
        return _windows_words(value)
    if key == "content.keyword_filters":
        return ", ".join(value) if value else "None"
    return str(value)


PROFILE_FIELDS = {"display_name": "name", "country": "country", "timezone": "time zone"}

# Short names people use, where ISO 3166's are long or formal.
_SHORT_COUNTRY_NAMES = {
    "GB": "United Kingdom",
    "US": "United States",
    "KR": "South Korea",
    "KP": "North Korea",
    "RU": "Russia",
    "IR": "Iran",
    "VN": "Vietnam",
    "BO": "Bolivia",
    "VE": "Venezuela",
    "TZ": "Tanzania",
    "MD": "Moldova",
    "LA": "Laos",
    "SY": "Syria",
    "FM": "Micronesia",
    "BN": "Brunei",
    "CD": "Congo (DRC)",
}


def country_name(code: str) -> str:
    """A country's name, as people say it: "United Kingdom", "France"."""
    known = iso3166.countries_by_alpha2.get(code.upper())
    if known is None:
        return code
    return _SHORT_COUNTRY_NAMES.get(known.alpha2, known.apolitical_name)


COUNTRIES: list[tuple[str, str]] = sorted(
    ((code, country_name(code)) for code in iso3166.countries_by_alpha2),
    key=lambda country: country[1],
)
"""Every country a profile may name, as ``(code, name)`` by name: the pages' country list."""


ACTION_WORDS: dict[str, str] = {
    "link.created": "linked a guardian",
    "link.ended": "ended a link",
    "link.ended_at_18": "a link ended at 18",
    "limits.updated": "changed limits",
    "settings.changed": "changed settings",
    "settings.reset": "reset a setting",
    "time_request.created": "asked for more time",
    "time_request.decided": "answered a time request",
    "time_request.cancelled": "cancelled a time request",
    "time_grant.created": "gave more time",
    "band.changed": "a birthday changed the age band",
    "profile.changed": "changed the profile",
}


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace(".", " ").replace("_", " "))


REPORT_STATUS_WORDS = {
    "received": "received",
    "in_review": "being looked at",
    "actioned": "acted on",
    "no_violation": "checked: it did not break the rules",
}


def _handle(party: Any) -> str:
    return f"@{party['handle']}" if isinstance(party, dict) and party.get("handle") else "someone"


def notification_words(kind: str, data: dict[str, Any], me: str, teens: dict[str, str]) -> str:
    """A notification (``GET /v1/me/notifications``) in words, for the account ``me``;
    ``teens`` names the linked teens by id (a time request names its teen by id only)."""
    teen = f"@{teens[data['teen_id']]}" if data.get("teen_id") in teens else "Your teen"
    if kind == "link.created":
        if "teen" in data:
            return f"{_handle(data['teen'])} linked with you."
        return f"You linked with {_handle(data.get('guardian'))}."
    if kind == "link.ended":
        return f"{_handle(data.get('ended_by'))} ended your link."
    if kind == "link.ended_at_18":
        if "teen" in data:
            return f"{_handle(data['teen'])} turned 18, so your link ended."
        return f"You turned 18, so your link with {_handle(data.get('guardian'))} ended."
    if kind == "limits.updated":
        keys = ", ".join(LABELS.get(key, key) for key in data.get("keys", []))
        return f"{_handle(data.get('guardian'))} changed your limits: {keys}."
    if kind == "time_request.created":
        return f"{teen} asked for {minutes_words(data.get('minutes'))} more."
    if kind == "time_request.decided":
        if data.get("teen_id") == me:
            if data.get("status") == "approved":
                return f"Yes! You got {minutes_words(data.get('granted_minutes'))} more."
            return "Your guardian said no to more time this time."
        return f"Another guardian answered {teen}'s request for more time."
    if kind == "time_grant.created":
        return f"You were given {minutes_words(data.get('minutes'))} more."
    if kind == "report.filed":
        title = data.get("title", "a report")
        return f"Your teen made a report ({title}). You could ask if they are OK."
    if kind == "report.updated":
        status = REPORT_STATUS_WORDS.get(data.get("status", ""), "updated")
        return f"Your report was {status}."
    if kind == "profile.changed":
        what = " and ".join(PROFILE_FIELDS.get(field, field) for field in data.get("fields", []))
        return f"{_handle(data.get('teen'))} changed their {what or 'profile'}."
    if kind == "band.changed":
        keys = ", ".join(LABELS.get(key, key) for key in data.get("can_now_change", []))
        if keys:
            return f"Your age group changed. You can now choose: {keys}. Nothing changed by itself."
        return "Your age group changed. Nothing changed by itself."
    return kind.replace(".", " ").replace("_", " ").capitalize() + "."


_ASSURED_BY = {
    "self_declared": "as you told it",
    "guardian_declared": "as a parent or guardian told it",
    "estimated": "from its own estimate",
    "verified": "after checking",
}
_ASSURED_BY_THEM = {
    "self_declared": "as they told it",
    "guardian_declared": "as a parent or guardian told it",
    "estimated": "from its own estimate",
    "verified": "after checking",
}


def _age_range_words(lower: int | None, upper: int | None) -> str:
    if lower is not None and upper is not None:
        return f"{lower}" if lower == upper else f"{lower} to {upper}"
    return f"{lower} or older" if lower is not None else f"{upper} or younger"


def _band_words(band: str) -> str:
    return "18 or older" if band.endswith("+") else band.replace("-", " to ")


def age_assurance_words(account: Any, band: str, *, name: str | None = None) -> str | None:
    """What an app store said about the account's age, and what that changes, in plain words:
    to the holder (``name`` None) or to a guardian about the teen ``name``. None: no signal."""
    if account.assurance_method is None:
        return None
    said = _age_range_words(account.assurance_lower, account.assurance_upper)
    if name is None:
        how = _ASSURED_BY[account.assurance_method]
        return (
            f"An app store said you are {said}, {how}. That is the age that counts here: your "
            f"settings, and what you can change, follow the rules for ages {_band_words(band)}."
        )
    how = _ASSURED_BY_THEM[account.assurance_method]
    return (
        f"An app store said {name} is {said}, {how}. That is the age that counts here: their "
        f"settings, and what they can change, follow the rules for ages {_band_words(band)}."
    )
