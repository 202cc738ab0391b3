"""The pure decision (``decisions.rules.decide``): each row of the contract's table allowed and
denied, and hypothesis properties: a decision never allows what either side's effective settings
forbid (nor denies what they allow), a block always denies, and a batch equals its items asked one
by one (``hot_path.Decisions.evaluate``, which reads each account once for a whole batch)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from family_safety.domain.decisions.hot_path import Decisions, Question
from family_safety.domain.decisions.rules import ACTIONS, Known, Unknown, decide
from family_safety.domain.policy import CATALOG, GuardianLimits, load_default_pack, resolve
from family_safety.domain.policy.catalog import (
    DAYS,
    MINUTES_PER_DAY,
    BoolKind,
    OrderedEnumKind,
    WindowListKind,
    coverage,
)
from family_safety.domain.screen_time.status import ScreenTimeStatus, TimeAway

PACK = load_default_pack()
UTC_ZONE = ZoneInfo("UTC")
MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BETWEEN_TWO = [name for name, action in ACTIONS.items() if action.between_two]


def effective(band: str = "18+", **choices: Any) -> Any:
    own = {
        key.replace("__", "."): CATALOG[key.replace("__", ".")].parse(v)
        for key, v in choices.items()
    }
    return resolve(PACK, band=band, start_band=band, own_choices=own, guardians=())


def status(remaining: int | None = None, *, away: bool = False) -> ScreenTimeStatus:
    return ScreenTimeStatus(
        date=MONDAY_NOON.date(),
        timezone="UTC",
        used_minutes=0,
        limit_minutes=remaining,
        granted_minutes=0,
        remaining_minutes=remaining,
        time_away=TimeAway(away, MONDAY_NOON + timedelta(hours=1) if away else None),
        state="time_away" if away else "limit_reached" if remaining == 0 else "allowed",
        resets_at=MONDAY_NOON + timedelta(hours=12),
        grants=(),
    )


def person(
    name: str, band: str = "18+", *, blocks: frozenset[str] = frozenset(), **choices: Any
) -> Known:
    return Known(
        account_id=name,
        settings=effective(band, **choices),
        timezone=UTC_ZONE,
        blocks=blocks,
        screen_time=status(),
    )


def ask(
    action: str,
    subject: Any,
    resource: Any = None,
    *,
    friend: bool = False,
    at: datetime = MONDAY_NOON,
):
    return decide(
        ACTIONS[action],
        subject,
        resource,
        relationship="friend" if friend else "none",
        at=at,
    )


def denied_by(answer: Any) -> list[tuple[str, Any]]:
    assert answer.decision is False
    return [(reason.kind, reason.fields.get("key")) for reason in answer.reasons]


ADULT = person("adult")
OTHER = person("other")
FIFTEEN = person("fifteen", "13-15")
SIXTEEN = person("sixteen", "16-17")


# --- each row, allowed and denied ------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "subject", "resource", "friend", "allowed", "denier"),
    [
        ("message.send", ADULT, OTHER, False, True, None),
        ("message.send", ADULT, FIFTEEN, True, False, "messaging.direct_messages"),
        ("message.send", FIFTEEN, ADULT, False, False, "messaging.direct_messages"),
        ("comment.create", ADULT, OTHER, False, True, None),
        ("comment.create", ADULT, FIFTEEN, True, True, None),
        ("comment.create", ADULT, FIFTEEN, False, False, "comments.who_can_comment"),
        ("remix.create", ADULT, OTHER, False, True, None),
        ("remix.create", ADULT, SIXTEEN, True, True, None),
        ("remix.create", FIFTEEN, FIFTEEN, False, True, None),
        ("remix.create", ADULT, FIFTEEN, True, False, "remix.duet_stitch"),
        ("download", FIFTEEN, ADULT, False, True, None),
        ("download", ADULT, SIXTEEN, False, False, "downloads.allowed"),
        ("group.invite", ADULT, OTHER, False, True, None),
        ("group.invite", ADULT, FIFTEEN, True, True, None),
        ("group.invite", ADULT, FIFTEEN, False, False, "messaging.group_invites"),
        ("suggest", FIFTEEN, ADULT, False, True, None),
        ("suggest", ADULT, SIXTEEN, False, False, "account.suggest_to_others"),
        ("live.start", SIXTEEN, None, False, True, None),
        ("live.start", FIFTEEN, None, False, False, "live.enabled"),
        ("search", FIFTEEN, None, False, True, None),
        (
            "search",
            person("no_search", search__enabled=False),
            None,
            False,
            False,
            "search.enabled",
        ),
        ("location.share", person("sharer", location__sharing=True), None, False, True, None),
        ("location.share", ADULT, None, False, False, "location.sharing"),
        ("notification.send", FIFTEEN, None, False, True, None),
        (
            "notification.send",
            person("mute", notifications__push=False),
            None,
            False,
            False,
            "notifications.push",
        ),
        ("app.use", ADULT, None, False, True, None),
    ],
)
def test_each_row(action, subject, resource, friend, allowed, denier) -> None:
    answer = ask(action, subject, resource, friend=friend)
    assert answer.decision is allowed
    if allowed:
        assert all(
            reason.kind == "setting" or reason.kind == "screen_time" for reason in answer.reasons
        )
    else:
        assert denied_by(answer) == [("setting", denier)]


def test_quiet_hours_and_time_away_are_read_at_the_moment_asked() -> None:
    night = MONDAY_NOON.replace(hour=22)
    assert denied_by(ask("notification.send", FIFTEEN, at=night)) == [
        ("setting", "notifications.quiet_hours")
    ]
    assert ask("notification.send", ADULT, at=night).decision
    away = Known("away", effective(), UTC_ZONE, screen_time=status(away=True))
    assert denied_by(ask("app.use", away)) == [("setting", "screen_time.time_away")]
    spent = Known("spent", effective("13-15"), UTC_ZONE, screen_time=status(0))
    assert denied_by(ask("app.use", spent)) == [
        ("screen_time", None),
        ("setting", "screen_time.daily_limit_minutes"),
    ]
    assert spent.screen_time is not None
    left = Known("left", effective("13-15"), UTC_ZONE, screen_time=status(12))
    answer = ask("app.use", left)
    assert answer.decision
    assert (
        "screen_time",
        {"kind": "screen_time", "account_id": "left", "remaining_minutes": 12},
    ) in answer.reasons


def test_a_reason_carries_the_settings_provenance() -> None:
    guarded = resolve(
        PACK,
        band="13-15",
        start_band="13-15",
        own_choices={},
        guardians=[GuardianLimits("g-1", "mum", {"search.enabled": False})],
    )
    teen = Known("teen", guarded, UTC_ZONE)
    (reason,) = ask("search", teen).reasons
    assert reason.kind == "setting"
    assert reason.fields == {
        "kind": "setting",
        "account_id": "teen",
        "key": "search.enabled",
        "value": False,
        "source": "guardian",
        "set_by": [{"kind": "guardian", "guardian_id": "g-1", "handle": "mum"}],
    }


def test_unknown_and_held_accounts_are_denied_first() -> None:
    held = Known(
        "held",
        effective(),
        UTC_ZONE,
        held={"law_id": "AU-SMMA", "title": "t", "since": MONDAY_NOON},
    )
    for action in ACTIONS:
        subject_answer = ask(action, held, ADULT)
        assert [reason.kind for reason in subject_answer.reasons] == ["held"]
        assert not subject_answer.decision
        unknown = ask(action, Unknown("x"), ADULT)
        assert [reason.kind for reason in unknown.reasons] == ["unknown-account"]
    for action in BETWEEN_TWO:
        assert [r.kind for r in ask(action, ADULT, held).reasons] == ["held"]
        assert [r.kind for r in ask(action, ADULT, Unknown("y")).reasons] == ["unknown-account"]


# --- properties ------------------------------------------------------------------------------

clock_times = st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.sampled_from([0, 30]))
windows = st.lists(
    st.fixed_dictionaries(
        {
            "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
            "start": clock_times,
            "end": clock_times,
        }
    ).filter(lambda window: window["start"] != window["end"]),
    max_size=2,
)


def choice(key: str) -> st.SearchStrategy[Any]:
    kind = CATALOG[key]
    if isinstance(kind, BoolKind | OrderedEnumKind):
        return st.sampled_from(kind.members)
    assert isinstance(kind, WindowListKind)
    return windows.map(kind.parse)


DECIDING_KEYS = sorted(
    {
        key
        for action in ACTIONS.values()
        for key in (action.resource_admits, action.resource_allows, action.subject_allows)
        if key
    }
    | {"messaging.direct_messages", "notifications.quiet_hours"}
)
own_choices = st.fixed_dictionaries({}, optional={key: choice(key) for key in DECIDING_KEYS})
guardian_limits = st.fixed_dictionaries({}, optional={key: choice(key) for key in DECIDING_KEYS})
screen_times = st.builds(status, st.none() | st.integers(0, 90), away=st.booleans())
NAMES = ["a", "b", "c"]


@st.composite
def accounts(draw: st.DrawFn, name: str) -> Known:
    band = draw(st.sampled_from(PACK.band_names))
    guardians = (
        [GuardianLimits("g", "guardian", draw(guardian_limits))] if draw(st.booleans()) else []
    )
    settings_ = resolve(
        PACK, band=band, start_band=band, own_choices=draw(own_choices), guardians=guardians
    )
    return Known(
        account_id=name,
        settings=settings_,
        timezone=UTC_ZONE,
        blocks=frozenset(draw(st.lists(st.sampled_from(NAMES), max_size=2))) - {name},
        screen_time=draw(screen_times),
    )


moments = st.datetimes(
    min_value=datetime(2026, 12, 7),
    max_value=datetime(2026, 12, 13, 23, 59),
    timezones=st.just(UTC),
)


def _quiet(account: Known, at: datetime) -> bool:
    windows_ = account.settings.settings["notifications.quiet_hours"].value
    minute = at.weekday() * MINUTES_PER_DAY + at.hour * 60 + at.minute
    return bool(coverage(windows_) >> minute & 1)


def forbids(action: str, s: Known, r: Known, friend: bool, at: datetime) -> bool:
    """What the contract's table forbids, read straight from both sides' effective settings."""
    S = {key: setting.value for key, setting in s.settings.settings.items()}
    R = {key: setting.value for key, setting in r.settings.settings.items()}
    same = s.account_id == r.account_id
    blocked = r.account_id in s.blocks or s.account_id in r.blocks

    def shut(audience: str) -> bool:
        return not (
            audience == "everyone"
            or (audience == "friends" and (friend or same))
            or (audience == "only_me" and same)
        )

    rows = {
        "message.send": blocked
        or shut(R["messaging.direct_messages"])
        or S["messaging.direct_messages"] == "no_one",
        "comment.create": blocked or shut(R["comments.who_can_comment"]),
        "remix.create": blocked or shut(R["remix.duet_stitch"]),
        "download": blocked or not R["downloads.allowed"],
        "group.invite": blocked or shut(R["messaging.group_invites"]),
        "suggest": blocked or not R["account.suggest_to_others"],
        "live.start": not S["live.enabled"],
        "search": not S["search.enabled"],
        "location.share": not S["location.sharing"],
        "notification.send": not S["notifications.push"] or _quiet(s, at),
        "app.use": s.screen_time is not None
        and (s.screen_time.time_away.active or s.screen_time.remaining_minutes == 0),
    }
    return rows[action]


@settings(max_examples=300, deadline=None)
@given(
    action=st.sampled_from(sorted(ACTIONS)),
    subject=accounts("a"),
    resource=accounts("b") | accounts("a"),
    friend=st.booleans(),
    at=moments,
)
def test_a_decision_allows_exactly_what_neither_side_forbids(
    action, subject, resource, friend, at
) -> None:
    if resource.account_id == subject.account_id:
        resource = subject
    answer = ask(action, subject, resource, friend=friend, at=at)
    assert answer.decision is not forbids(action, subject, resource, friend, at)
    if not answer.decision:
        assert answer.reasons, "a denial names what denied it"


@settings(max_examples=200, deadline=None)
@given(
    action=st.sampled_from(BETWEEN_TWO),
    subject=accounts("a"),
    resource=accounts("b"),
    which=st.booleans(),
    friend=st.booleans(),
)
def test_a_block_always_denies(action, subject, resource, which, friend) -> None:
    if which:
        subject = Known(**{**_fields(subject), "blocks": subject.blocks | {"b"}})
    else:
        resource = Known(**{**_fields(resource), "blocks": resource.blocks | {"a"}})
    answer = ask(action, subject, resource, friend=friend)
    assert answer.decision is False
    assert "block" in [reason.kind for reason in answer.reasons]


def _fields(account: Known) -> dict[str, Any]:
    return {name: getattr(account, name) for name in Known.__slots__}


class _World(Decisions):
    """Decisions over fixed accounts, without memory or database: what ``evaluate`` does with a
    batch, and only that."""

    def __init__(self, world: dict[str, Known]) -> None:  # no super(): nothing is read
        self._world = world

    async def _party(self, raw: str, at: datetime, now: datetime, screen_time: bool) -> Any:
        known = self._world.get(raw)
        if known is None:
            return Unknown(raw)
        # The status at ``at``: a different moment is a different status.
        minutes = None if known.screen_time is None else known.screen_time.remaining_minutes
        moved = None if minutes is None else max(0, minutes - at.minute)
        return Known(**{**_fields(known), "screen_time": status(moved) if screen_time else None})


questions = st.builds(
    Question,
    subject_id=st.sampled_from([*NAMES, "nobody"]),
    action=st.sampled_from(sorted(ACTIONS)),
    resource_id=st.sampled_from([*NAMES, "nobody"]),
    relationship=st.sampled_from(["friend", "none"]),
    at=st.none() | moments,
)


@settings(max_examples=100, deadline=None)
@given(
    world=st.tuples(accounts("a"), accounts("b"), accounts("c")),
    batch=st.lists(questions, max_size=12),
)
def test_a_batch_equals_its_items_asked_one_by_one(world, batch) -> None:
    decisions = _World({account.account_id: account for account in world})
    now = MONDAY_NOON

    async def both() -> tuple[list[Any], list[Any]]:
        together = await decisions.evaluate(batch, now)
        alone = [(await decisions.evaluate([question], now))[0] for question in batch]
        return together, alone

    together, alone = asyncio.run(both())
    assert together == alone


def test_every_action_of_the_contract_table_is_decided() -> None:
    assert set(ACTIONS) == {
        "message.send",
        "comment.create",
        "remix.create",
        "download",
        "group.invite",
        "suggest",
        "live.start",
        "search",
        "location.share",
        "notification.send",
        "app.use",
    }
    assert date(2026, 12, 7).weekday() == 0  # MONDAY_NOON is a Monday
