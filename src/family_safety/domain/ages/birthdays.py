"""What a birthday changes, written once, whatever route is called first.

Two things follow a birthday: the holder hears that its band changed (``band.changed``, naming the
keys it may now change), and a teen's links end on its 18th birthday. Reads never wait for either:
bands are computed from the birthdate on every request, and every query of active links filters on
``GuardianLink.ends_on``, so on the birthday itself a link stops bounding settings and stops giving
its guardian access. What has to be written down (the notifications, the audit entry, the values
the guardian bounded kept as the teen's own) is written by ``apply_birthdays``, which the
authentication middleware calls before any route serves an account whose band has changed, and by
``end_links_at_18``, which the service runs periodically for teens who have not been served since.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select, update

from family_safety.db import changes, outbox
from family_safety.db.changes import ChangeKind
from family_safety.db.models import Account, GuardianLink, LinkStatus
from family_safety.db.outbox import EventType
from family_safety.domain.links.lifecycle import end_link_at_18, end_link_no_longer_adult
from family_safety.domain.links.repository import links_ending_by
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify
from family_safety.domain.policy.pack import age_on
from family_safety.domain.policy.transitions import lifted_gates

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack

SWEEP_BATCH = 100

_log = structlog.get_logger("family_safety.domain.ages.birthdays")


VERIFIED = "verified"
"""The only method whose signal may raise an account's age."""


def age_today(account: AnyAccount, today: date) -> int:
    """What this account's age is today: the one home of it (bands, gates, holds, minimum ages,
    who may be a guardian or be guarded). Its inputs are the birthdate and the kept age signal,
    folded into one date when the signal is applied (``assured_birthdate``)."""
    return age_on(account.age_birthdate, today)


def band_today(pack: PolicyPack, account: AnyAccount, today: date) -> str | None:
    """The account's band today, from ``age_today``'s date; None: under the minimum age."""
    return pack.band_for(account.age_birthdate, today)


def assured_birthdate(
    birthdate: date, lower: int | None, upper: int | None, method: str, on: date
) -> date | None:
    """The birthdate an age signal received on ``on`` makes the account's age count from, or
    None when it leaves the birthdate's age as it is. The age is lowered to ``upper`` when the
    birthdate says more (any method), and raised to ``lower`` when it says less (``verified``
    only), as of that day: the account counts as having turned that age on it, and grows a year
    older every year from then on, as a birthdate does."""
    age = age_on(birthdate, on)
    if upper is not None and age > upper:
        return _years_before(on, upper)  # turned ``upper`` that day: that age for a year
    if lower is not None and age < lower and method == VERIFIED:
        return _years_before(on, lower)  # turned ``lower`` that day
    return None


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier; 29 February becomes 28 February (who was born on it is
    that age on the day, as ``age_on`` counts)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def band_change_due(pack: PolicyPack, account: AnyAccount, today: date) -> bool:
    """Pure and cheap: has the account entered a band it has not been told about? (Under the
    minimum age, which only an age signal makes an account, it has no band: it is held.)"""
    band = band_today(pack, account, today)
    return band is not None and band != _announced_band(pack, account)


async def apply_birthdays(
    sessions: async_sessionmaker[AsyncSession], pack: PolicyPack, account_id: UUID, now: datetime
) -> None:
    """In a transaction of its own: announce the account's new band, and end its links as a teen
    that turned 18."""
    today = now.date()
    async with sessions() as session:
        account = await session.get(Account, account_id)
        if account is None:
            return
        await _announce_band_change(session, pack, account, today, now)
        due = await session.scalars(
            select(GuardianLink).where(
                GuardianLink.teen_id == account_id,
                GuardianLink.status == LinkStatus.ACTIVE.value,
                GuardianLink.ends_on <= today,
            )
        )
        for link in list(due):
            await end_link_at_18(session, pack, link)
        await session.commit()


async def age_changed(
    session: AsyncSession, pack: PolicyPack, account: Account, now: datetime
) -> None:
    """What a change of the account's age (an age signal applied to its row) changes, written in
    the caller's transaction, as a birthday would: the holder hears of its new band; its links as
    a teen end from the day it is 18 (as at 18), or later when it became younger; its links as a
    guardian end when it is no longer of a guardian's age. (Its hold: ``holds.review_hold``.)"""
    today = now.date()
    await session.flush()
    await _announce_band_change(session, pack, account, today, now)
    as_teen = await session.scalars(
        select(GuardianLink).where(
            GuardianLink.teen_id == account.id, GuardianLink.status == LinkStatus.ACTIVE.value
        )
    )
    for link in list(as_teen):
        link.ends_on = max(today, pack.adult_on(account.age_birthdate))
        await session.flush()
        if link.ends_on <= today:
            await end_link_at_18(session, pack, link)
    if pack.is_guardian_band(band_today(pack, account, today)):
        return
    as_guardian = await session.scalars(
        select(GuardianLink).where(
            GuardianLink.guardian_id == account.id, GuardianLink.active_on(today)
        )
    )
    for link in list(as_guardian):
        await end_link_no_longer_adult(session, pack, link, now)


async def end_links_at_18(
    sessions: async_sessionmaker[AsyncSession], pack: PolicyPack, today: date
) -> int:
    """Write down the end of every link whose teen has turned 18, one transaction each (safe
    on many instances at once: ending locks the teen and re-reads the link). Returns how many."""
    ended = 0
    while True:
        async with sessions() as session:
            link_ids = [link.id for link in await links_ending_by(session, today, SWEEP_BATCH)]
        if not link_ids:
            return ended
        for link_id in link_ids:
            async with sessions() as session:
                link = await session.get_one(GuardianLink, link_id)
                ended += await end_link_at_18(session, pack, link)
                await session.commit()


async def sweep_periodically(
    sessions: async_sessionmaker[AsyncSession],
    pack: PolicyPack,
    today: Callable[[], date],
    interval_seconds: float,
    *,
    more: Sequence[tuple[str, Callable[[], Awaitable[object]]]] = (),
) -> None:
    """Run ``end_links_at_18``, then each named job of ``more`` (the holds' review), every
    interval until cancelled; a failure is logged and retried."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            if ended := await end_links_at_18(sessions, pack, today()):
                _log.info("ended links at 18", count=ended)
        except Exception as exc:  # the database may be down: try again next time
            _log.warning("could not end links at 18", error=type(exc).__name__)
        for name, job in more:
            try:
                if (done := await job()) not in (None, 0, (0, 0)):
                    _log.info(name, result=done)
            except Exception as exc:  # as above
                _log.warning(f"could not run: {name}", error=type(exc).__name__)


def _announced_band(pack: PolicyPack, account: AnyAccount) -> str | None:
    return account.notified_band or pack.band_for(account.birthdate, account.created_at.date())


async def _announce_band_change(
    session: AsyncSession, pack: PolicyPack, account: Account, today: date, now: datetime
) -> None:
    if not band_change_due(pack, account, today):
        return
    announced = _announced_band(pack, account)
    band = band_today(pack, account, today)
    # An account exists only once it was old enough: it had a band when it was created (or was
    # told of one since), and has one now.
    assert announced is not None
    assert band is not None
    claimed = await session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            Account.notified_band.is_not_distinct_from(account.notified_band),
        )
        .values(notified_band=band)
    )
    # An UPDATE's result is a CursorResult, which has rowcount; execute() is typed as Result.
    if claimed.rowcount == 0:  # type: ignore[attr-defined]  # another request announced it first
        return
    changes.note(session, account.id, ChangeKind.SETTINGS)  # the account row changed
    outbox.enqueue(session, EventType.AGE_BAND_CHANGED, account_id=account.id, age_band=band)
    data = {
        "from_band": announced,
        "to_band": band,
        "can_now_change": lifted_gates(pack, announced, band),
    }
    notify(session, account.id, NotificationKind.BAND_CHANGED, data, now)
