"""Decisions: may this account do this now? One pure function, ``decide``, answers from the two
accounts' effective settings, the blocks between them and the subject's screen-time status.

Pure: no I/O and no clock (``at`` is passed in); the caller gathers what the function reads.
The contract's table (shared/API.md, "Decisions") is ``ACTIONS``: each action names whose
settings it reads and how. Every reason says what decided, with the provenance effective
settings show (value, source and who set the bound); a denial lists every thing that denied it,
in a fixed order (the accounts, then blocks, then settings, then screen time), so the first
thing that denied it comes first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from family_safety.domain.policy.catalog import CATALOG
from family_safety.domain.screen_time.status import covered_at

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from family_safety.domain.policy.engine import EffectiveSettings
    from family_safety.domain.screen_time.status import ScreenTimeStatus

Relationship = Literal["friend", "none"]

DIRECT_MESSAGES = "messaging.direct_messages"
WHO_CAN_COMMENT = "comments.who_can_comment"
DUET_STITCH = "remix.duet_stitch"
DOWNLOADS = "downloads.allowed"
GROUP_INVITES = "messaging.group_invites"
SUGGEST = "account.suggest_to_others"
LIVE = "live.enabled"
SEARCH = "search.enabled"
LOCATION = "location.sharing"
PUSH = "notifications.push"
QUIET_HOURS = "notifications.quiet_hours"
DAILY_LIMIT = "screen_time.daily_limit_minutes"
TIME_AWAY = "screen_time.time_away"


class Action(NamedTuple):
    """One row of the contract's table."""

    name: str
    between_two: bool  # S acts on R (a resource is required; blocks both ways deny)
    resource_admits: str | None  # R's audience setting that must admit S (everyone/friends/...)
    resource_allows: str | None  # R's boolean setting that must be true
    subject_allows: str | None  # S's boolean setting that must be true
    quiet_hours: bool = False  # ``at`` outside S's quiet hours
    screen_time: bool = False  # S has time left on ``at``'s local day and is not in time away
    subject_may_send: bool = False  # S's own direct messages are not ``no_one``


ACTIONS: Mapping[str, Action] = {
    action.name: action
    for action in (
        Action("message.send", True, DIRECT_MESSAGES, None, None, subject_may_send=True),
        Action("comment.create", True, WHO_CAN_COMMENT, None, None),
        Action("remix.create", True, DUET_STITCH, None, None),
        Action("download", True, None, DOWNLOADS, None),
        Action("group.invite", True, GROUP_INVITES, None, None),
        Action("suggest", True, None, SUGGEST, None),
        Action("live.start", False, None, None, LIVE),
        Action("search", False, None, None, SEARCH),
        Action("location.share", False, None, None, LOCATION),
        Action("notification.send", False, None, None, PUSH, quiet_hours=True),
        Action("app.use", False, None, None, None, screen_time=True),
    )
}
"""Every action a decision answers, by name."""


@dataclass(frozen=True, slots=True)
class Known:
    """An account as a decision reads it. ``blocks``: the ids of the accounts it blocks (only
    those that matter to this decision will do). ``screen_time``: its status at the decision's
    ``at`` (needed for ``app.use`` only)."""

    account_id: str
    settings: EffectiveSettings
    timezone: ZoneInfo
    blocks: frozenset[str] = frozenset()
    held: Mapping[str, Any] | None = None  # {law_id, title, since} while held
    screen_time: ScreenTimeStatus | None = None
    # The reasons its settings give, made once per account (the caller may keep the account for
    # many decisions): ``setting_reason`` fills it.
    setting_reasons: dict[str, Reason] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Unknown:
    """An id no account has."""

    account_id: str


Account = Known | Unknown


class Reason(NamedTuple):
    """What decided: its kind, and ``fields`` as on the wire (``{kind, ...}``, values in their
    JSON form)."""

    kind: Literal["setting", "block", "screen_time", "held", "unknown-account"]
    fields: Mapping[str, Any]


class Decision(NamedTuple):
    decision: bool
    reasons: tuple[Reason, ...]


def admits(audience: str, *, friend: bool, same: bool) -> bool:
    """Whether an audience setting (``everyone``, ``friends``, ``only_me``, ``no_one``) admits
    the acting account: a friend, or the holder itself."""
    if audience == "everyone":
        return True
    if audience == "friends":
        return friend or same
    if audience == "only_me":
        return same
    return False  # no_one


def setting_reason(account: Known, key: str) -> Reason:
    """A setting as the account's effective settings show it (value, source, who set the bound),
    in its JSON form."""
    reason = account.setting_reasons.get(key)
    if reason is None:
        setting = account.settings.settings[key]
        set_by = [] if setting.bound is None else [dict(party) for party in setting.bound.set_by]
        reason = account.setting_reasons[key] = Reason(
            "setting",
            {
                "kind": "setting",
                "account_id": account.account_id,
                "key": key,
                "value": CATALOG[key].dump(setting.value),
                "source": setting.source,
                "set_by": set_by,
            },
        )
    return reason


def _account_reasons(account: Account) -> list[Reason]:
    if isinstance(account, Unknown):
        return [
            Reason("unknown-account", {"kind": "unknown-account", "account_id": account.account_id})
        ]
    if account.held is not None:
        return [Reason("held", {"kind": "held", "account_id": account.account_id, **account.held})]
    return []


def decide(
    action: Action,
    subject: Account,
    resource: Account | None,
    *,
    relationship: Relationship,
    at: datetime,
) -> Decision:
    """May ``subject`` do ``action`` (to ``resource``) at ``at``? ``resource`` is required for an
    action between two accounts and ignored for the others."""
    denied = _account_reasons(subject)
    if action.between_two:
        assert resource is not None, "an action between two accounts names its resource"
        denied += _account_reasons(resource)
    if denied:
        return Decision(False, tuple(denied))
    assert isinstance(subject, Known)
    allowed: list[Reason] = []

    def check(ok: bool, reason: Reason) -> None:
        (allowed if ok else denied).append(reason)

    if action.between_two:
        assert isinstance(resource, Known)
        for blocker, blocked in ((subject, resource), (resource, subject)):
            if blocked.account_id in blocker.blocks:
                denied.append(
                    Reason(
                        "block",
                        {
                            "kind": "block",
                            "blocker_id": blocker.account_id,
                            "blocked_id": blocked.account_id,
                        },
                    )
                )
        same = subject.account_id == resource.account_id
        friend = relationship == "friend"
        if action.subject_may_send:
            own = subject.settings.settings[DIRECT_MESSAGES].value
            check(own != "no_one", setting_reason(subject, DIRECT_MESSAGES))
        if action.resource_admits is not None:
            audience = resource.settings.settings[action.resource_admits].value
            check(
                admits(audience, friend=friend, same=same),
                setting_reason(resource, action.resource_admits),
            )
        if action.resource_allows is not None:
            check(
                resource.settings.settings[action.resource_allows].value is True,
                setting_reason(resource, action.resource_allows),
            )
    if action.subject_allows is not None:
        check(
            subject.settings.settings[action.subject_allows].value is True,
            setting_reason(subject, action.subject_allows),
        )
    if action.quiet_hours:
        windows = subject.settings.settings[QUIET_HOURS].value
        quiet = covered_at(at, subject.timezone, windows)
        check(not quiet, setting_reason(subject, QUIET_HOURS))
    if action.screen_time:
        status = subject.screen_time
        assert status is not None, "app.use reads the subject's screen-time status at ``at``"
        check(not status.time_away.active, setting_reason(subject, TIME_AWAY))
        remaining = status.remaining_minutes
        left = Reason(
            "screen_time",
            {
                "kind": "screen_time",
                "account_id": subject.account_id,
                "remaining_minutes": remaining,
            },
        )
        check(remaining is None or remaining > 0, left)
        if remaining is not None:  # the limit that counts, and who set it
            check(remaining > 0, setting_reason(subject, DAILY_LIMIT))
    if denied:
        return Decision(False, tuple(denied))
    return Decision(True, tuple(allowed))
