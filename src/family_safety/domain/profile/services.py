"""Changing the holder's profile: the one use case behind ``PATCH /v1/me`` and the pages'
profile form.

Each named field is checked by the registration's own types (``accounts.schemas``); a change is
one transaction holding the new values, one audit entry (which bumps the settings version and
notes the change on the change bus, so cached settings answers, screen-time statuses, the
signed-in accounts kept in memory, the lane and the event streams all see it, here and on other
instances) and, for a 13-17 account whose country or time zone changed, a ``profile.changed``
notification to each linked guardian. A field is one entry of ``_DEFAULTS`` and one of
``ProfileChange``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from family_safety.db.models import Account
from family_safety.domain.accounts.schemas import DEFAULT_TIMEZONE
from family_safety.domain.accounts.services import check_minimum_age_by_law, check_region
from family_safety.domain.ages.birthdays import age_today
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.screen_time.usage import rezone

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.accounts.schemas import ProfileChange
    from family_safety.domain.components import Components

ACTION = "profile.changed"

_DEFAULTS: dict[str, Callable[[Account], Any]] = {
    # What null puts a field back to: what registration gives when the field is left out.
    "display_name": lambda account: account.handle,
    "country": lambda account: None,
    "region": lambda account: None,
    "timezone": lambda account: DEFAULT_TIMEZONE,
}
UNRECORDED_VALUES = frozenset({"display_name"})
"""Fields whose change the audit records without the values: the account holds the current name,
and a chain never needs a minor's past names (the least data)."""
GUARDIANS_TOLD = frozenset({"country", "region", "timezone"})
"""The fields whose change a 13-17 account's guardians are told of: they move its day, its quiet
hours and (with laws) its settings."""


async def change_profile(
    session: AsyncSession,
    components: Components,
    account_id: UUID,
    change: ProfileChange,
    now: datetime,
) -> Account:
    """Apply the fields ``change`` names to the account, in one transaction; the account as it
    now is. Nothing named differs from what is stored: nothing is written."""
    await chain.lock_account(session, account_id)  # serialise writers of this account
    account = await session.get_one(Account, account_id, populate_existing=True)
    changes: dict[str, dict[str, Any]] = {}
    for name, value in change.named().items():
        new = _DEFAULTS[name](account) if value is None else value
        old = getattr(account, name)
        if new != old:
            changes[name] = {"from": old, "to": new}
            setattr(account, name, new)
    named = change.named()
    if "country" in changes and "region" not in named and account.region is not None:
        # A region lies in its country: a new country without a region names none.
        changes["region"] = {"from": account.region, "to": None}
        account.region = None
    check_region(account.region, account.country)
    if "country" in changes or "region" in changes:  # a law there may set a higher minimum age
        today = now.date()
        check_minimum_age_by_law(
            components, account.country, account.region, age_today(account, today), today
        )
    if not changes:
        await session.commit()  # ends the lock's transaction; the row stays loaded
        return account
    if "timezone" in changes:  # usage already reported stays counted, on the new zone's days
        await rezone(session, account.id, changes["timezone"]["from"], changes["timezone"]["to"])
    await chain.record(
        session,
        account_id=account.id,
        actor=chain.Actor(chain.ActorRole.SELF, account.id),
        action=ACTION,
        changes={
            name: {"from": None, "to": None} if name in UNRECORDED_VALUES else change
            for name, change in changes.items()
        },
        at=now,
    )
    told = sorted(GUARDIANS_TOLD.intersection(changes))
    pack = components.pack
    if told and pack.is_teen(pack.band_for(account.birthdate, now.date())):
        data = {"teen": party(account), "fields": told}
        for guardian_id in await active_guardian_ids(session, account.id, now.date()):
            notify(session, guardian_id, NotificationKind.PROFILE_CHANGED, data, now)
    await session.commit()
    return account
