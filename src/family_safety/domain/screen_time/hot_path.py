"""GET /v1/me/screen-time, beside the settings answer on the hot path: what a client app checks
before it lets the teen go on.

No session and no ORM: the daily limit and time-away windows come from the account's effective
settings, kept for its settings version as the settings answers resolve them (for the settings
GET or, when memory lacks them, for the status: no JSON is decoded). Today's usage and grants
come from two hot reads in one snapshot, kept in memory for the account's local day until a
change to the account says otherwise (as ``auth.signed_in`` keeps the account: the same
``MemoryTrust``). The status itself is computed again on every request: it moves with the clock.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, select

from family_safety.db.changes import ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.memory import MemoryRules, ProcessMemory
from family_safety.db.models import ScreenTimeDay
from family_safety.domain.screen_time import intervals
from family_safety.domain.screen_time.days import local_date, zone
from family_safety.domain.screen_time.grants import GRANTS_NOW, grant_from_row
from family_safety.domain.screen_time.schemas import StatusOut, status_out
from family_safety.domain.screen_time.status import status
from family_safety.domain.screen_time.usage import DAILY_LIMIT, TIME_AWAY, Reported

if TYPE_CHECKING:
    from datetime import date, datetime
    from uuid import UUID
    from zoneinfo import ZoneInfo

    from family_safety.db.account_records import AnyAccount
    from family_safety.db.changes import Change
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.domain.account_settings.hot_path import SettingsAnswers
    from family_safety.domain.policy.catalog import DailyLimit, Window
    from family_safety.domain.policy.engine import EffectiveSettings
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.screen_time.status import ScreenTimeStatus


@lru_cache(maxsize=1024)
def _shared(value: Any) -> Any:
    """One object for equal values: a setting's values repeat across accounts (most share a
    few), so each is kept once, however many accounts' limits hold it."""
    return value


_USAGE = HotQuery(
    select(ScreenTimeDay.spans).where(
        ScreenTimeDay.account_id == bindparam("account_id"), ScreenTimeDay.day == bindparam("day")
    )
)


class _ScreenTimeLimits(NamedTuple):
    # What the effective settings they come from were of: their ETag's parts besides the account
    # and the pack (kept instead of the ETag: no string an account, no digest a request).
    settings_version: int
    band: str
    laws: tuple[str, ...]  # the laws applied (a law's status change moves them)
    daily_limit: DailyLimit
    time_away: tuple[Window, ...]


def _limits_of(settings_version: int, effective: EffectiveSettings) -> _ScreenTimeLimits:
    settings = effective.settings
    return _ScreenTimeLimits(
        settings_version,
        effective.band,
        effective.laws,
        _shared(settings[DAILY_LIMIT].value),
        _shared(settings[TIME_AWAY].value),
    )


class ScreenTimeStatuses(ProcessMemory):
    """The status of an account's screen time now, for one process."""

    def __init__(
        self,
        pack: PolicyPack,
        settings_answers: SettingsAnswers,
        reader: HotPathReader,
        rules: MemoryRules,
    ) -> None:
        super().__init__(reader, rules)
        self._pack = pack
        self._settings_answers = settings_answers
        self._today: dict[UUID, tuple[date, Reported]] = {}
        self._nothing_yet: tuple[date, Reported] | None = None  # one entry for every such day
        # The limit and time-away windows of each account's effective settings, as the settings
        # answers resolve them (for a settings answer, or for the status).
        self._settings: dict[UUID, _ScreenTimeLimits] = {}
        settings_answers.on_resolved(self._keep_limits)

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

    async def status_at(self, account: AnyAccount, at: datetime, now: datetime) -> ScreenTimeStatus:
        """The status at ``at`` (a decision's moment, now unless said) as the pure rules give it,
        from the same memory as ``status``: the limits of the settings of now, the usage and
        grants of ``at``'s local day."""
        tz = zone(account.timezone)
        day = local_date(at, tz)
        limits = self._kept_limits(account, now) or await self._read_limits(account, now)
        # Read as of the earlier of the two: every pause still running at either is read.
        reported = self._kept_day(account.id, day) or await self._read_day(
            account.id, day, min(at, now)
        )
        return _pure_status(at, tz, limits, reported)

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
        """The daily limit and time away of the account's effective settings, when memory holds
        those of its settings version, band and laws."""
        kept = self._settings.get(account.id)
        if kept is None or kept.settings_version != account.settings_version:
            return None
        today = now.date()
        if kept.band != self._pack.settings_band(account.age_birthdate, today):
            return None
        return kept if kept.laws == self._settings_answers.laws_of(account, today) else None

    async def _read_limits(self, account: AnyAccount, now: datetime) -> _ScreenTimeLimits:
        effective = await self._settings_answers.effective(account, now.date())
        # Of this version or a newer one (a change since the account was read): never older.
        return _limits_of(account.settings_version, effective)

    def _keep_limits(
        self, account_id: UUID, settings_version: int, effective: EffectiveSettings
    ) -> None:
        """Keep the limits of effective settings the settings answers have just resolved."""
        self._keep(self._settings, account_id, _limits_of(settings_version, effective))

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
            # Pauses read as not yet over now stay in the list; the status drops each at its end.
            kept = (today, reported)
            if not (reported.usage or reported.grants):  # most accounts, most of the day
                if self._nothing_yet is None or self._nothing_yet[0] != today:
                    self._nothing_yet = kept
                kept = self._nothing_yet
            self._keep(self._today, account_id, kept)
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


def _pure_status(
    now: datetime, tz: ZoneInfo, limits: _ScreenTimeLimits, reported: Reported
) -> ScreenTimeStatus:
    return status(
        now,
        tz,
        usage=reported.usage,
        daily_limit=limits.daily_limit,
        time_away=limits.time_away,
        grants=reported.grants,
    )


def _status_out(
    now: datetime, tz: ZoneInfo, limits: _ScreenTimeLimits, reported: Reported
) -> StatusOut:
    return status_out(_pure_status(now, tz, limits, reported))
