"""The settings catalogue: each key's kind, how its values are read and written, and strictness.

A kind turns a wire (JSON) value into a canonical, hashable value and back, and orders values by
strictness. ``join`` gives the least strict value at least as strict as all of its inputs: it
combines several bounds into one, and ``join((value, bound))`` clamps a value to a bound.
Adding a setting is one entry in ``CATALOG`` plus its defaults and gates in the policy packs.

Where a value has a fixed shape (a window, a number of minutes), msgspec reads it against a
declared type (``WindowIn``); the kind only words what is wrong, for people, and checks what a
type cannot say (distinct days, a window that ends where it starts).
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from functools import lru_cache
from itertools import chain
from typing import Annotated, Any, Generic, Literal, NamedTuple, TypeVar

import msgspec

from family_safety.lib.text import free_text_problem

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
WHOLE_WEEK = (1 << MINUTES_PER_WEEK) - 1

JsonSchema = dict[str, Any]
V = TypeVar("V", bound=Hashable)


class InvalidValue(ValueError):
    """A wire value that a setting does not accept; the message is written for people."""


def _show(raw: object) -> str:
    text = json.dumps(raw, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def _short_list(raw: object, items: str, most: int) -> list[object]:
    """``raw`` as a list of at most ``most`` ``items`` (words, windows: for the messages)."""
    if not isinstance(raw, list):
        raise InvalidValue(f"must be a list of {items}, not {_show(raw)}")
    if len(raw) > most:
        raise InvalidValue(f"must have at most {most} {items}, not {len(raw)}")
    return raw


class SettingKind(ABC, Generic[V]):
    """How one setting's values are read, written and compared."""

    strictness: str  # loosest to strictest, for people

    @abstractmethod
    def parse(self, raw: object) -> V:
        """The canonical value of a wire value; raises InvalidValue."""

    @abstractmethod
    def dump(self, value: V) -> Any:
        """The wire (JSON-ready) form of a canonical value."""

    @abstractmethod
    def at_least_as_strict(self, value: V, bound: V) -> bool: ...

    @abstractmethod
    def join(self, values: Iterable[V]) -> V:
        """The least strict value at least as strict as every one of values (loosest if none)."""

    @abstractmethod
    def is_single_value(self, bound: V) -> bool:
        """Whether a bound leaves its holder exactly one value to choose."""

    @abstractmethod
    def json_schema(self) -> JsonSchema:
        """A value as sent (``GET /v1/policy`` serves it)."""

    def answer_schema(self) -> JsonSchema:
        """A value as answered: a combined list (a union of several parties' lists) may be
        longer than any one party may send."""
        schema = self.json_schema()
        schema.pop("maxItems", None)
        return schema

    def contributes(self, party_bound: V, combined: V) -> bool:
        """Whether one party's bound shows in the combined bound (equal to it, ties included)."""
        return party_bound == combined


class _OrderedKind(SettingKind[V]):
    """A kind whose values form one chain, loosest first."""

    def __init__(self, members: tuple[V, ...]) -> None:
        self.members = members
        self.strictness = " → ".join(str(member).lower() for member in members)
        self._rank = {member: rank for rank, member in enumerate(members)}

    def dump(self, value: V) -> Any:
        return value

    def at_least_as_strict(self, value: V, bound: V) -> bool:
        return self._rank[value] >= self._rank[bound]

    def join(self, values: Iterable[V]) -> V:
        strictest = 0
        for value in values:
            rank = self._rank[value]
            if rank > strictest:
                strictest = rank
        return self.members[strictest]

    def is_single_value(self, bound: V) -> bool:
        return bound == self.members[-1]


class BoolKind(_OrderedKind[bool]):
    def __init__(self, strict_value: bool) -> None:
        super().__init__((not strict_value, strict_value))

    def parse(self, raw: object) -> bool:
        if not isinstance(raw, bool):
            raise InvalidValue(f"must be true or false, not {_show(raw)}")
        return raw

    def json_schema(self) -> JsonSchema:
        return {"type": "boolean"}


class OrderedEnumKind(_OrderedKind[str]):
    def __init__(self, *members: str) -> None:
        super().__init__(members)

    def parse(self, raw: object) -> str:
        if not isinstance(raw, str) or raw not in self._rank:
            raise InvalidValue(f"{_show(raw)} is not one of {', '.join(self.members)}")
        return raw

    def json_schema(self) -> JsonSchema:
        return {"type": "string", "enum": list(self.members)}


@lru_cache(maxsize=4096)
def _folded(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word.casefold() for word in words)


class KeywordListKind(SettingKind[tuple[str, ...]]):
    """Words compared case-insensitively; more words is stricter, bounds combine by union.

    The item limit applies to each party's own list; a union of several may hold more.
    """

    strictness = "more words is stricter (compared case-insensitively); bounds combine by union"

    def __init__(self, max_words: int, max_length: int) -> None:
        self.max_words = max_words
        self.max_length = max_length

    def parse(self, raw: object) -> tuple[str, ...]:
        words = []
        for index, word in enumerate(_short_list(raw, "words", self.max_words)):
            if not isinstance(word, str):
                raise InvalidValue(f"item {index}: must be a string, not {_show(word)}")
            trimmed = word.strip()
            if not 1 <= len(trimmed) <= self.max_length:
                raise InvalidValue(
                    f"item {index}: must be 1 to {self.max_length} characters after trimming, "
                    f"not {len(trimmed)}"
                )
            if (refused := free_text_problem(trimmed)) is not None:
                raise InvalidValue(f"item {index}: {refused}")
            words.append(trimmed)
        return self.join((words,))

    def dump(self, value: tuple[str, ...]) -> list[str]:
        return list(value)

    def at_least_as_strict(self, value: tuple[str, ...], bound: tuple[str, ...]) -> bool:
        return not bound or _folded(bound) <= _folded(value)

    def join(self, values: Iterable[Iterable[str]]) -> tuple[str, ...]:
        first_spellings: dict[str, str] = {}
        for word in chain.from_iterable(values):
            first_spellings.setdefault(word.casefold(), word)
        return tuple(first_spellings.values())

    def is_single_value(self, bound: tuple[str, ...]) -> bool:
        return False

    def contributes(self, party_bound: tuple[str, ...], combined: tuple[str, ...]) -> bool:
        return bool(party_bound) or not combined

    def json_schema(self) -> JsonSchema:
        return {
            "type": "array",
            "maxItems": self.max_words,
            "items": {"type": "string", "minLength": 1, "maxLength": self.max_length},
            "description": "Trimmed, then de-duplicated case-insensitively keeping the first "
            "spelling.",
        }


DailyLimit = tuple[int | None, ...]


class DailyLimitKind(SettingKind[DailyLimit]):
    """Minutes per day, mon..sun; None is no limit. Smaller is stricter, day by day."""

    strictness = "null (no limit) → larger → smaller, per day; bounds combine by the daily minimum"

    def __init__(self, minimum: int, maximum: int) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self._minutes_type = Annotated[int, msgspec.Meta(ge=minimum, le=maximum)] | None

    def parse(self, raw: object) -> DailyLimit:
        if not isinstance(raw, dict):
            return (self._minutes(raw),) * len(DAYS)
        missing = [day for day in DAYS if day not in raw]
        unknown = [str(day) for day in raw if day not in DAYS]
        if missing or unknown:
            problems = [f"missing {', '.join(missing)}"] if missing else []
            problems += [f"unknown {', '.join(unknown)}"] if unknown else []
            raise InvalidValue(f"must name every day mon..sun ({'; '.join(problems)})")
        return tuple(self._minutes(raw[day], day) for day in DAYS)

    def _minutes(self, raw: object, day: str | None = None) -> int | None:
        try:
            minutes: int | None = msgspec.convert(raw, self._minutes_type, strict=True)
        except msgspec.ValidationError:
            expected = f"null or a whole number of minutes from {self.minimum} to {self.maximum}"
            if day is None:
                raise InvalidValue(
                    f"must be {expected}, or a map of those for mon..sun, not {_show(raw)}"
                ) from None
            raise InvalidValue(f"{day}: must be {expected}, not {_show(raw)}") from None
        return minutes

    def dump(self, value: DailyLimit) -> dict[str, int | None]:
        return dict(zip(DAYS, value, strict=True))

    def at_least_as_strict(self, value: DailyLimit, bound: DailyLimit) -> bool:
        for minutes, limit in zip(value, bound, strict=True):
            if limit is not None and (minutes is None or minutes > limit):
                return False
        return True

    def join(self, values: Iterable[DailyLimit]) -> DailyLimit:
        joined: DailyLimit = (None,) * len(DAYS)
        for value in values:
            joined = tuple(  # per day the smaller limit, None (no limit) being the largest
                [
                    limit if minutes is None or (limit is not None and limit < minutes) else minutes
                    for minutes, limit in zip(joined, value, strict=True)
                ]
            )
        return joined

    def is_single_value(self, bound: DailyLimit) -> bool:
        return bound == (self.minimum,) * len(DAYS)

    def contributes(self, party_bound: DailyLimit, combined: DailyLimit) -> bool:
        if party_bound == combined:
            return True
        for minutes, limit in zip(party_bound, combined, strict=True):
            if limit is not None and minutes == limit:
                return True
        return False

    def _minutes_schema(self) -> JsonSchema:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}

    def json_schema(self) -> JsonSchema:
        return {
            "oneOf": [
                {"type": "null", "description": "No limit on any day."},
                {**self._minutes_schema(), "description": "The same limit every day."},
                self.answer_schema(),
            ],
            "description": "Answered as the full seven-day map; null is no limit.",
        }

    def answer_schema(self) -> JsonSchema:
        """Always the seven-day map."""
        day_schema = {"oneOf": [self._minutes_schema(), {"type": "null"}]}
        return {
            "type": "object",
            "properties": dict.fromkeys(DAYS, day_schema),
            "required": list(DAYS),
            "additionalProperties": False,
        }


class Window(NamedTuple):  # a tuple, so hashing it (for the coverage caches) is cheap
    """A weekly time window: it starts on each of days (in week order) at start and lasts until
    end, both in minutes after midnight; an end before start falls on the next day."""

    days: tuple[str, ...]
    start: int
    end: int


_CLOCK = tuple(f"{minutes // 60:02d}:{minutes % 60:02d}" for minutes in range(MINUTES_PER_DAY))
_MINUTE_OF = {time: minute for minute, time in enumerate(_CLOCK)}
_TIME_MESSAGE = "must be a time HH:MM from 00:00 to 23:59"
Time = Annotated[str, msgspec.Meta(pattern=r"\A([01][0-9]|2[0-3]):[0-5][0-9]\Z")]


class WindowIn(msgspec.Struct, forbid_unknown_fields=True):
    """A window as sent. msgspec reads its shape; ``_parse_window`` words what is wrong."""

    days: Annotated[list[Literal[DAYS]], msgspec.Meta(min_length=1)]  # type: ignore[valid-type]
    start: Time
    end: Time


_WINDOW_FIELD_MESSAGES = {
    "days": "days must be a non-empty list of distinct days from mon..sun",
    "start": f"start {_TIME_MESSAGE}",
    "end": f"end {_TIME_MESSAGE}",
}
_ERROR_FIELD = re.compile(r" - at `\$\.([a-z]+)")


def _parse_window(raw: object, where: str) -> Window:
    try:
        window = msgspec.convert(raw, WindowIn, strict=True)
    except msgspec.ValidationError as error:
        field = _ERROR_FIELD.search(str(error))
        if field is None or not isinstance(raw, dict):
            raise InvalidValue(
                f"{where}: must be an object with days, start and end, not {_show(raw)}"
            ) from None
        name = field[1]
        raise InvalidValue(
            f"{where}: {_WINDOW_FIELD_MESSAGES[name]}, not {_show(raw[name])}"
        ) from None
    if len(set(window.days)) != len(window.days):
        raise InvalidValue(f"{where}: {_WINDOW_FIELD_MESSAGES['days']}, not {_show(window.days)}")
    start, end = _MINUTE_OF[window.start], _MINUTE_OF[window.end]
    if start == end:
        raise InvalidValue(f"{where}: start and end must differ")
    return Window(tuple(day for day in DAYS if day in window.days), start, end)


@lru_cache(maxsize=4096)
def _window_coverage(window: Window) -> int:
    run = (1 << (window.end - window.start) % MINUTES_PER_DAY) - 1
    week = 0
    for day in window.days:
        week |= run << (DAYS.index(day) * MINUTES_PER_DAY + window.start)
    return (week & WHOLE_WEEK) | (week >> MINUTES_PER_WEEK)  # past Sunday night wraps to Monday


@lru_cache(maxsize=4096)
def coverage(windows: tuple[Window, ...]) -> int:
    """The minutes of the week (bit n is minute n after Monday 00:00) that windows cover."""
    week = 0
    for window in windows:
        week |= _window_coverage(window)
    return week


class WindowListKind(SettingKind[tuple[Window, ...]]):
    """Weekly windows; covering more minutes of the week is stricter, bounds combine by union.

    The item limit applies to each party's own list; a union of several may hold more.
    """

    strictness = "covering more minutes of the week is stricter; bounds combine by union"

    def __init__(self, max_windows: int) -> None:
        self.max_windows = max_windows

    def parse(self, raw: object) -> tuple[Window, ...]:
        windows = _short_list(raw, "windows", self.max_windows)
        return self.join(
            (tuple(_parse_window(window, f"item {index}") for index, window in enumerate(windows)),)
        )

    def dump(self, value: tuple[Window, ...]) -> list[dict[str, Any]]:
        return [
            {
                "days": list(window.days),
                "start": _CLOCK[window.start],
                "end": _CLOCK[window.end],
            }
            for window in value
        ]

    def at_least_as_strict(self, value: tuple[Window, ...], bound: tuple[Window, ...]) -> bool:
        if not bound:
            return True
        bound_minutes = coverage(bound)
        return coverage(value) & bound_minutes == bound_minutes

    def join(self, values: Iterable[tuple[Window, ...]]) -> tuple[Window, ...]:
        return tuple(dict.fromkeys(chain.from_iterable(values)))

    def is_single_value(self, bound: tuple[Window, ...]) -> bool:
        return coverage(bound) == WHOLE_WEEK

    def contributes(self, party_bound: tuple[Window, ...], combined: tuple[Window, ...]) -> bool:
        return bool(party_bound) or not combined

    def json_schema(self) -> JsonSchema:
        time = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
        return {
            "type": "array",
            "maxItems": self.max_windows,
            "items": {
                "type": "object",
                "properties": {
                    "days": {
                        "type": "array",
                        "items": {"enum": list(DAYS)},
                        "minItems": 1,
                        "uniqueItems": True,
                        "description": "The days the window starts on.",
                    },
                    "start": time,
                    "end": {**time, "description": "Before start: the window crosses midnight."},
                },
                "required": ["days", "start", "end"],
                "additionalProperties": False,
            },
        }


CATALOG: dict[str, SettingKind[Any]] = {
    "account.private": BoolKind(strict_value=True),
    "account.suggest_to_others": BoolKind(strict_value=False),
    "messaging.direct_messages": OrderedEnumKind("everyone", "friends", "no_one"),
    "live.enabled": BoolKind(strict_value=False),
    "comments.who_can_comment": OrderedEnumKind("everyone", "friends", "no_one"),
    "remix.duet_stitch": OrderedEnumKind("everyone", "friends", "only_me"),
    "downloads.allowed": BoolKind(strict_value=False),
    "content.restricted_mode": BoolKind(strict_value=True),
    "content.keyword_filters": KeywordListKind(max_words=200, max_length=50),
    "search.enabled": BoolKind(strict_value=False),
    "screen_time.daily_limit_minutes": DailyLimitKind(minimum=15, maximum=1440),
    "screen_time.time_away": WindowListKind(max_windows=20),
    "notifications.quiet_hours": WindowListKind(max_windows=20),
    "notifications.push": BoolKind(strict_value=False),
    "feed.autoplay": BoolKind(strict_value=False),
    "feed.personalised": BoolKind(strict_value=False),
    "messaging.read_receipts": BoolKind(strict_value=False),
    "messaging.group_invites": OrderedEnumKind("everyone", "friends", "no_one"),
    "location.sharing": BoolKind(strict_value=False),
    "content.maturity": OrderedEnumKind("all", "13+", "limited"),
}
SETTING_KEYS = tuple(CATALOG)
