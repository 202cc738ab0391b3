"""GET /v1/me/screen-time, beside the settings answer on the hot path: what a client app checks
before it lets the teen go on.

No session and no ORM: the daily limit and time-away windows come from the (usually cached)
effective settings answer, and today's usage and grants from two hot reads in one snapshot, kept
in memory for the account's local day until a change to the account says otherwise (as
``auth.signed_in`` keeps the account: the same ``MemoryTrust``). The status itself is computed
again on every request: it moves with the clock.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
from sqlalchemy import bindparam, select

from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import ScreenTimeDay
from family_safety.domain.account_settings.hot_path import Answer
from family_safety.domain.policy.catalog import CATALOG
from family_safety.domain.screen_time import intervals
from family_safety.domain.screen_time.days import local_date, zone
from family_safety.domain.screen_time.grants import GRANTS_NOW, grant_from_row, grant_out
from family_safety.domain.screen_time.schemas import StatusOut, TimeAwayOut
from family_safety.domain.screen_time.status import ScreenTimeStatus, status
from family_safety.domain.screen_time.usage import DAILY_LIMIT, TIME_AWAY, Reported

if TYPE_CHECKING:
    from datetime import date, datetime
    from uuid import UUID
    from zoneinfo import ZoneInfo

    from family_safety.db.account_records import AnyAccount
    from family_safety.db.changes import Change, ChangeBus, MemoryTrust
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.account_settings.hot_path import SettingsAnswers
    from family_safety.domain.policy.catalog import DailyLimit, Window
    from family_safety.domain.policy.pack import PolicyPack


class _Value(msgspec.Struct):
    value: msgspec.Raw


class _ScreenTimeSettings(msgspec.Struct):
    daily_limit: _Value = msgspec.field(name=DAILY_LIMIT)
    time_away: _Value = msgspec.field(name=TIME_AWAY)


class _SettingsAnswer(msgspec.Struct):
    settings: _ScreenTimeSettings


_decode_settings = msgspec.json.Decoder(_SettingsAnswer).decode


@lru_cache(maxsize=1024)
def _parsed(key: str, value: bytes) -> Any:
    """A setting's canonical value from its JSON, parsed once: equal values are one object, kept
    by every account whose answer has it (most share a few)."""
    return CATALOG[key].parse(msgspec.json.decode(value))


_USAGE = HotQuery(
    select(ScreenTimeDay.spans).where(
        ScreenTimeDay.account_id == bindparam("account_id"), ScreenTimeDay.day == bindparam("day")
    )
)


class _ScreenTimeLimits(NamedTuple):
    # What the settings answer they come from was of: its ETag's parts besides the account and
    # the pack (kept instead of the ETag: no string an account, no digest a request).
    settings_version: int
    band: str | None
    daily_limit: DailyLimit
    time_away: tuple[Window, ...]


class ScreenTimeStatuses:
    """The status of an account's screen time now, for one process."""

    def __init__(
        self,
        pack: PolicyPack,
        settings_answers: SettingsAnswers,
        reader: HotPathReader,
        bus: ChangeBus,
        trust: MemoryTrust,
        *,
        max_entries: int,
    ) -> None:
        self._pack = pack
        self._settings_answers = settings_answers
        self._reader = reader
        self._trusted = trust.watch(self._forget_everything)
        self._max_entries = max_entries
        self._forgotten = 0  # counts every forgetting: a read that overlapped one is not kept
        self._today: dict[UUID, tuple[date, Reported]] = {}
        self._nothing_yet: tuple[date, Reported] | None = None  # one entry for every such day
        # The limit and time-away windows of each account's settings answer.
        self._settings: dict[UUID, _ScreenTimeLimits] = {}
        bus.on_change(self._forget_change)

    async def status(
        self, account: AnyAccount, now: datetime, reported: Reported | None = None
    ) -> StatusOut:
        """The status now; after a usage report, from what it read under the account's lock
        (``reported``) instead of reading today's usage and grants again."""
        tz = zone(account.timezone)
        today = local_date(now, tz)
        limits = self._kept_limits(account, now) or await self._read_limits(account, now)
        if reported is None:
            reported = self._kept_day(account.id, today) or await self._read_day(
                account.id, today, now
            )
        return _status_out(now, tz, limits, reported)

    def remembered(self, account: AnyAccount, now: datetime) -> StatusOut | None:
        """As ``status`` when memory holds the account's limits and day; else None, with no
        read."""
        tz = zone(account.timezone)
        limits = self._kept_limits(account, now)
        reported = self._kept_day(account.id, local_date(now, tz))
        if limits is None or reported is None:
            return None
        return _status_out(now, tz, limits, reported)

    def _kept_limits(self, account: AnyAccount, now: datetime) -> _ScreenTimeLimits | None:
        """The daily limit and time away of the account's effective settings, parsed once per
        settings version and band; None when they are not in memory, nor its settings answer."""
        today = now.date()
        band = self._pack.band_for(account.birthdate, today)
        kept = self._settings.get(account.id)
        current = (account.settings_version, band)
        if kept is not None and (kept.settings_version, kept.band) == current:
            return kept
        answer = self._settings_answers.remembered(account, today, None)
        return self._keep_limits(account, band, answer) if isinstance(answer, Answer) else None

    async def _read_limits(self, account: AnyAccount, now: datetime) -> _ScreenTimeLimits:
        today = now.date()
        answer = await self._settings_answers.answer(account, today, None)
        assert isinstance(answer, Answer)
        # Of this version or a newer one (a change since the account was read): never older.
        return self._keep_limits(account, self._pack.band_for(account.birthdate, today), answer)

    def _keep_limits(
        self, account: AnyAccount, band: str | None, answer: Answer
    ) -> _ScreenTimeLimits:
        settings = _decode_settings(answer.body).settings
        limits = _ScreenTimeLimits(
            account.settings_version,
            band,
            _parsed(DAILY_LIMIT, bytes(settings.daily_limit.value)),
            _parsed(TIME_AWAY, bytes(settings.time_away.value)),
        )
        if len(self._settings) >= self._max_entries and account.id not in self._settings:
            del self._settings[next(iter(self._settings))]
        self._settings[account.id] = limits
        return limits

    def _kept_day(self, account_id: UUID, today: date) -> Reported | None:
        """Today's used time and the grants that may count today, when memory holds them."""
        kept = self._today.get(account_id) if self._trusted() else None
        return kept[1] if kept is not None and kept[0] == today else None

    async def _read_day(self, account_id: UUID, today: date, now: datetime) -> Reported:
        trusted = self._trusted()
        forgotten_before = self._forgotten
        parameters = {"account_id": account_id, "day": today, "now": now}
        async with self._reader.snapshot() as reads:
            usage = await reads.all(_USAGE, parameters)
            grants = await reads.all(GRANTS_NOW, parameters)
        reported = Reported(
            usage=intervals.decode(usage[0][0]) if usage else (),
            grants=tuple(grant_from_row(*row) for row in grants),
        )
        if trusted and self._forgotten == forgotten_before:
            if len(self._today) >= self._max_entries and account_id not in self._today:
                del self._today[next(iter(self._today))]
            # Pauses read as not yet over now stay in the list; the status drops each at its end.
            kept = (today, reported)
            if not (reported.usage or reported.grants):  # most accounts, most of the day
                if self._nothing_yet is None or self._nothing_yet[0] != today:
                    self._nothing_yet = kept
                kept = self._nothing_yet
            self._today[account_id] = kept
        return reported

    def __len__(self) -> int:
        return len(self._today)

    def _forget_change(self, change: Change) -> None:
        if change.kind != ChangeKind.NOTIFICATION:  # usage, grants, limits, links, sessions
            self._forgotten += 1
            self._today.pop(change.account_id, None)

    def _forget_everything(self) -> None:
        self._forgotten += 1
        self._today.clear()


def _status_out(
    now: datetime, tz: ZoneInfo, limits: _ScreenTimeLimits, reported: Reported
) -> StatusOut:
    return status_out(
        status(
            now,
            tz,
            usage=reported.usage,
            daily_limit=limits.daily_limit,
            time_away=limits.time_away,
            grants=reported.grants,
        )
    )


def status_out(answer: ScreenTimeStatus) -> StatusOut:
    return StatusOut(
        date=answer.date,
        timezone=answer.timezone,
        used_minutes=answer.used_minutes,
        limit_minutes=answer.limit_minutes,
        granted_minutes=answer.granted_minutes,
        remaining_minutes=answer.remaining_minutes,
        time_away=TimeAwayOut(active=answer.time_away.active, until=answer.time_away.until),
        state=answer.state,
        resets_at=answer.resets_at,
        grants=[grant_out(grant) for grant in answer.grants],
    )
