"""GET /v1/me/screen-time, beside the settings answer on the hot path: what a client app checks
before it lets the teen go on.

No session and no ORM: the daily limit and time-away windows come from the (usually cached)
effective settings answer, and today's usage and grants from two hot reads in one snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import bindparam, select

from family_safety.account_settings.hot_path import Answer
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import ScreenTimeDay
from family_safety.policy.catalog import CATALOG
from family_safety.screen_time import intervals
from family_safety.screen_time.days import local_date
from family_safety.screen_time.schemas import StatusOut, TimeAwayOut
from family_safety.screen_time.services import (
    DAILY_LIMIT,
    GRANTS_NOW,
    TIME_AWAY,
    Reported,
    grant_from_row,
    grant_out,
    zone,
)
from family_safety.screen_time.status import ScreenTimeStatus, status

if TYPE_CHECKING:
    from datetime import datetime

    from family_safety.account_settings.hot_path import SettingsAnswers
    from family_safety.db.account_records import AnyAccount
    from family_safety.db.hot_reads import HotPathReader


class _Value(msgspec.Struct):
    value: Any


class _ScreenTimeSettings(msgspec.Struct):
    daily_limit: _Value = msgspec.field(name=DAILY_LIMIT)
    time_away: _Value = msgspec.field(name=TIME_AWAY)


class _SettingsAnswer(msgspec.Struct):
    settings: _ScreenTimeSettings


_decode_settings = msgspec.json.Decoder(_SettingsAnswer).decode

_USAGE = HotQuery(
    select(ScreenTimeDay.spans).where(
        ScreenTimeDay.account_id == bindparam("account_id"), ScreenTimeDay.day == bindparam("day")
    )
)


class ScreenTimeStatuses:
    """The status of an account's screen time now, for one process."""

    def __init__(self, settings_answers: SettingsAnswers, reader: HotPathReader) -> None:
        self._settings_answers = settings_answers
        self._reader = reader

    async def status(
        self, account: AnyAccount, now: datetime, reported: Reported | None = None
    ) -> StatusOut:
        """The status now; after a usage report, from what it read under the account's lock
        (``reported``) instead of reading today's usage and grants again."""
        tz = zone(account.timezone)
        today = local_date(now, tz)
        answer = await self._settings_answers.answer(account, now.date(), None)
        assert isinstance(answer, Answer)  # no If-None-Match was given
        settings = _decode_settings(answer.body).settings
        if reported is None:
            parameters = {"account_id": account.id, "day": today, "now": now}
            async with self._reader.snapshot() as reads:
                usage = await reads.all(_USAGE, parameters)
                grants = await reads.all(GRANTS_NOW, parameters)
            reported = Reported(
                usage=intervals.decode(usage[0][0]) if usage else (),
                grants=[grant_from_row(*row) for row in grants],
            )
        return status_out(
            status(
                now,
                tz,
                usage=reported.usage,
                daily_limit=CATALOG[DAILY_LIMIT].parse(settings.daily_limit.value),
                time_away=CATALOG[TIME_AWAY].parse(settings.time_away.value),
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
