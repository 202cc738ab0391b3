"""Holds: an account below a minimum age that applies to it is held, never deleted.

A held account can still sign in, refresh, sign out, read ``GET /v1/me``, export, delete itself,
read the laws and find help; every other path answers 403 ``account-held`` naming the law
(``may_pass_while_held``, checked where the signed-in account is: ``auth.signed_in``). The hold
lives on the account's row (``held_law_id``, ``held_title``, ``held_since``), so the signed-in
account kept in memory carries it and the check costs nothing more. A hold of the pack's own
minimum age would be ``held_law_id`` null with the title ``minimum age``.

A hold begins when a law with a minimum age comes to apply to an account below it (it comes into
force, its status changes, or the account's age, ``birthdays.age_today``, is lowered), and lifts
by itself from the day the account meets the minimum age or the law stops applying: checked
before any route serves the account (``hold_change_due``, pure and cheap) and by the periodic
sweep (``review_holds``), one transaction per account. Both tell the holder and each linked
guardian (``account.held``, ``account.released``) and write an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import func, or_, select

from family_safety.db import outbox
from family_safety.db.models import Account
from family_safety.db.outbox import EventType
from family_safety.domain.ages.birthdays import age_today
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.lib.clock import utc_now

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from sqlalchemy.sql import ColumnElement

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.components import Components
    from family_safety.domain.policy.laws import Law, LawBook

SWEEP_BATCH = 100
PACK_MINIMUM_AGE_TITLE = "minimum age"
"""The title of a hold of the pack's own minimum age (``held_law_id`` null)."""

# Paths a held account may still use (besides the public ones, which no account check sees:
# signing in, refreshing, signing out, GET /v1/laws..., GET /v1/safety/resources).
_HELD_MAY = frozenset({("GET", "/v1/me"), ("GET", "/v1/me/export"), ("DELETE", "/v1/me")})
_HELD_MAY_READ_UNDER = ("/v1/laws", "/v1/safety/resources")


@dataclass(frozen=True, slots=True)
class Held:
    """A hold as ``GET /v1/me`` shows it."""

    law_id: str | None
    title: str
    since: datetime


def held(account: AnyAccount) -> Held | None:
    if account.held_since is None:
        return None
    title = account.held_title or PACK_MINIMUM_AGE_TITLE
    return Held(account.held_law_id, title, account.held_since)


@dataclass(frozen=True, slots=True)
class PackMinimumAge:
    """The pack's own minimum age as a law that applies everywhere: only an age signal can make
    an account younger (registration refuses it), and its hold has ``law_id`` null."""

    minimum_age: int
    id: str = ""  # no law: held_law_id null
    title: str = PACK_MINIMUM_AGE_TITLE
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()

    def covers(self, country: str | None, region: str | None) -> bool:
        return True


if TYPE_CHECKING:
    MinimumAgeLaw: TypeAlias = Law | PackMinimumAge
    """A law with a minimum age that applies now, or the pack's own minimum age."""


def applying_laws(components: Components, today: date) -> Sequence[MinimumAgeLaw]:
    """The laws with a minimum age that apply today anywhere (status in force, in their dates),
    from the law book of this process (swapped on every instance when a status changes), and the
    pack's own minimum age. Asked on every request: memoised per book and day."""
    return _minimum_age_laws(components.laws.current(), today, components.pack.minimum_age)


@lru_cache(maxsize=8)
def _minimum_age_laws(
    book: LawBook, today: date, pack_minimum_age: int
) -> tuple[MinimumAgeLaw, ...]:
    laws: tuple[MinimumAgeLaw, ...] = tuple(
        law for law in book.laws if law.minimum_age is not None and book.applies_now(law, today)
    )
    return (*laws, PackMinimumAge(pack_minimum_age))


def region_of(account: AnyAccount) -> str | None:
    return account.region


def law_below_minimum_age(
    laws: Iterable[MinimumAgeLaw], country: str | None, region: str | None, age: int
) -> MinimumAgeLaw | None:
    """Of the laws given, the one with the highest minimum age above age that covers the place
    (ties: the first by id), or None; below the pack's own minimum age, that one."""
    found = [
        (law.id != "", -law.minimum_age, law.id, law)
        for law in laws
        if law.minimum_age is not None and age < law.minimum_age and law.covers(country, region)
    ]
    return min(found, key=lambda item: item[:3])[3] if found else None


def hold_due(
    account: AnyAccount, laws: Iterable[MinimumAgeLaw], today: date
) -> MinimumAgeLaw | None:
    """The law the account should be held under today, or None."""
    return law_below_minimum_age(
        laws, account.country, region_of(account), age_today(account, today)
    )


def hold_change_due(account: AnyAccount, laws: Iterable[MinimumAgeLaw], today: date) -> bool:
    """Pure and cheap: should a hold begin, end or move to another law?"""
    if account.held_since is None and not laws:  # most requests: nothing to compute
        return False
    law = hold_due(account, laws, today)
    if account.held_since is None:
        return law is not None
    return law is None or (law.id or None) != account.held_law_id


def may_pass_while_held(method: str, path: str) -> bool:
    """Whether a held account may use this path."""
    if (method, path.rstrip("/") or "/") in _HELD_MAY:
        return True
    return method in ("GET", "HEAD") and any(
        path == prefix or path.startswith(prefix + "/") for prefix in _HELD_MAY_READ_UNDER
    )


async def review_hold(
    session: AsyncSession, account_id: UUID, laws: Sequence[MinimumAgeLaw], now: datetime
) -> str | None:
    """Begin, move or lift the account's hold as its age and the laws say, in the caller's
    transaction: ``"held"``, ``"released"`` or None when nothing changed. The account is locked
    first, so two instances reviewing it at once change it once."""
    today = now.date()
    await chain.lock_account(session, account_id)
    account = await session.get(Account, account_id, populate_existing=True)
    if account is None or not hold_change_due(account, laws, today):
        return None
    law = hold_due(account, laws, today)
    before = _audited(account)
    if law is None:
        account.held_law_id = account.held_title = account.held_since = None
        kind, action = NotificationKind.ACCOUNT_RELEASED, "account.released"
        data: dict[str, Any] = {"law_id": before["law_id"], "title": before["title"]}
    else:
        account.held_law_id, account.held_title = law.id or None, law.title
        account.held_since = account.held_since or now
        kind, action = NotificationKind.ACCOUNT_HELD, "account.held"
        data = {"law_id": law.id or None, "title": law.title, "minimum_age": law.minimum_age}
    # The audit entry moves the settings version: the account is forgotten from memory on every
    # instance, and its next request reads the hold.
    await chain.record(
        session,
        account_id=account.id,
        actor=chain.Actor(chain.ActorRole.SYSTEM),
        action=action,
        changes={"held": {"from": before, "to": _audited(account)}},
        at=now,
    )
    data["account"] = party(account)
    released = law is None
    outbox.enqueue(
        session,
        EventType.ACCOUNT_RELEASED if released else EventType.ACCOUNT_HELD,
        account_id=account.id,
        law_id=data["law_id"],
    )
    for recipient in [account.id, *await active_guardian_ids(session, account.id, today)]:
        notify(session, recipient, kind, data, now)
    return "released" if released else "held"


async def review_hold_now(
    sessions: async_sessionmaker[AsyncSession],
    account_id: UUID,
    laws: Sequence[MinimumAgeLaw],
    now: datetime,
) -> None:
    """``review_hold`` in a transaction of its own: what a hold changes is written before any
    route serves the account (as ``birthdays.apply_birthdays``)."""
    async with sessions() as session:
        await review_hold(session, account_id, laws, now)
        await session.commit()


async def review_holds(
    sessions: async_sessionmaker[AsyncSession], laws: Sequence[MinimumAgeLaw], now: datetime
) -> tuple[int, int]:
    """Every account whose hold should begin, move or lift today, one transaction each (safe on
    many instances at once: each locks the account and checks again). Run by the periodic sweep
    and after a law's status changes. Returns how many were held and released."""
    today = now.date()
    counts = {"held": 0, "released": 0}
    after: UUID | None = None
    while True:
        async with sessions() as session:
            query = select(Account).where(_candidates(laws, today))
            if after is not None:
                query = query.where(Account.id > after)
            batch = list(await session.scalars(query.order_by(Account.id).limit(SWEEP_BATCH)))
        if not batch:
            return counts["held"], counts["released"]
        # Only the accounts whose hold changes get a transaction of their own (most held
        # accounts stay held from one sweep to the next).
        for account_id in [a.id for a in batch if hold_change_due(a, laws, today)]:
            async with sessions() as session:
                if (changed := await review_hold(session, account_id, laws, now)) is not None:
                    counts[changed] += 1
                await session.commit()
        after = batch[-1].id


def _candidates(laws: Sequence[MinimumAgeLaw], today: date) -> ColumnElement[bool]:
    """Held accounts, and accounts younger than a law's minimum age where it applies (by the
    date their age counts from, ``Account.age_birthdate``)."""
    conditions: list[ColumnElement[bool]] = [Account.held_since.is_not(None)]
    for law in laws:
        if law.minimum_age is None:
            continue
        # Born after this day: younger than the minimum age today (a day early at most; the
        # review checks the exact age).
        born_after = today - timedelta(days=366 * law.minimum_age)
        young = func.coalesce(Account.assured_birthdate, Account.birthdate) > born_after
        if law.countries:
            conditions.append(Account.country.in_(sorted(law.countries)) & young)
        if law.regions:
            conditions.append(Account.region.in_(sorted(law.regions)) & young)
    return or_(*conditions)


def _audited(account: Account) -> dict[str, str | None]:
    return {
        "law_id": account.held_law_id,
        "title": account.held_title,
        "since": None if account.held_since is None else account.held_since.isoformat(),
    }


async def review_holds_today(components: Components) -> tuple[int, int]:
    """``review_holds`` with the laws that apply now (the periodic sweep; after a law's status
    changes)."""
    now = utc_now()
    return await review_holds(components.sessions, applying_laws(components, now.date()), now)
