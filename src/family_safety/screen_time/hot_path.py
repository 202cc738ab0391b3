"""GET /v1/me/screen-time, beside the settings answer on the hot path: what a client app checks
before it lets the teen go on.

No session and no ORM: the daily limit and time-away windows come from the (usually cached)
effective settings answer, and today's usage and grants from two hot reads in one snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import and_, bindparam, or_, select

from family_safety.account_settings.hot_path import Answer
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import ScreenTimeDay, TimeGrant
from family_safety.policy.catalog import CATALOG
from family_safety.screen_time import intervals
from family_safety.screen_time.days import local_date
from family_safety.screen_time.schemas import StatusOut, TimeAwayOut
from family_safety.screen_time.services import DAILY_LIMIT, TIME_AWAY, grant_out, zone
from family_safety.screen_time.status import Grant, ScreenTimeStatus, status

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
_GRANTS = HotQuery(
    select(
        TimeGrant.id,
        TimeGrant.kind,
        TimeGrant.minutes,
        TimeGrant.day,
        TimeGrant.starts,
        TimeGrant.until,
        TimeGrant.granted_by,
        TimeGrant.request_id,
    )
    .where(
        TimeGrant.account_id == bindparam("account_id"),
        or_(
            TimeGrant.day == bindparam("day"),
            and_(TimeGrant.kind == "time_away_pause", TimeGrant.until > bindparam("now")),
        ),
    )
    .order_by(TimeGrant.id)
)


class ScreenTimeStatuses:
    """The status of an account's screen time now, for one process."""

    def __init__(self, settings_answers: SettingsAnswers, reader: HotPathReader) -> None:
        self._settings_answers = settings_answers
        self._reader = reader

    async def status(self, account: AnyAccount, now: datetime) -> StatusOut:
        tz = zone(account.timezone)
        today = local_date(now, tz)
        answer = await self._settings_answers.answer(account, now.date(), None)
        assert isinstance(answer, Answer)  # no If-None-Match was given
        settings = _decode_settings(answer.body).settings
        parameters = {"account_id": account.id, "day": today, "now": now}
        async with self._reader.snapshot() as reads:
            usage = await reads.all(_USAGE, parameters)
            grants = await reads.all(_GRANTS, parameters)
        return status_out(
            status(
                now,
                tz,
                usage=intervals.decode(usage[0][0]) if usage else (),
                daily_limit=CATALOG[DAILY_LIMIT].parse(settings.daily_limit.value),
                time_away=CATALOG[TIME_AWAY].parse(settings.time_away.value),
                grants=[_grant(*row) for row in grants],
            )
        )


def _grant(
    grant_id: Any,
    kind: str,
    minutes: int,
    day: Any,
    starts: datetime,
    until: datetime,
    granted_by: Any,
    request_id: Any,
) -> Grant:
    return Grant(
        id=str(grant_id),
        kind=kind,  # type: ignore[arg-type]
        minutes=minutes,
        date=day,
        starts=starts,
        until=until,
        granted_by=str(granted_by),
        request_id=str(request_id) if request_id else None,
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
