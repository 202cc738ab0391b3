"""How links end, and catching an account up with its birthdays.

Nothing loosens silently: when a link ends, every key that guardian bounded keeps its current
effective value as the teen's own choice. Links end by themselves on the teen's 18th birthday;
that, and the band.changed notification, are written the first time the account (or one of its
guardians) is served after the birthday, so correctness never waits on a background job. Until
then the link's limits still apply, which is exactly what ending it keeps.

Link events are audited on the teen's chain, the one both sides can read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update

from family_safety.account_settings.services import AccountSettingsService
from family_safety.accounts.records import AnyAccount
from family_safety.audit import chain
from family_safety.db.models import Account, GuardianLink, LinkStatus
from family_safety.notifications.kinds import NotificationKind
from family_safety.notifications.services import notify, party
from family_safety.policy.transitions import lifted_gates

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.policy.pack import PolicyPack


async def end_link(
    session: AsyncSession,
    pack: PolicyPack,
    link: GuardianLink,
    *,
    status: LinkStatus,
    ended_by: AnyAccount | None,
    now: datetime,
    today: date,
) -> bool:
    """End an active link in the caller's transaction; False when it had already ended."""
    await chain.lock_account(session, link.teen_id)
    await session.refresh(link)
    if link.status != LinkStatus.ACTIVE:
        return False
    teen = await session.get_one(Account, link.teen_id)
    guardian = await session.get_one(Account, link.guardian_id)
    settings = AccountSettingsService(session, pack)
    snapshot = await settings.snapshot(teen, today)
    kept = await settings.keep_as_own_choices(snapshot, snapshot.keys_bounded_by(link.id), now)
    await session.execute(
        update(GuardianLink)
        .where(GuardianLink.id == link.id)
        .values(status=status.value, ended_at=now, ended_by_id=ended_by.id if ended_by else None)
    )
    if ended_by is None:
        actor = chain.SYSTEM
    elif ended_by.id == teen.id:
        actor = chain.Actor(chain.ActorRole.SELF, teen.id)
    else:
        actor = chain.Actor(chain.ActorRole.GUARDIAN, guardian.id)
    action = "link.ended_at_18" if status == LinkStatus.ENDED_AT_18 else "link.ended"
    await chain.record(
        session,
        account_id=teen.id,
        actor=actor,
        action=action,
        changes={"link": {"from": LinkStatus.ACTIVE.value, "to": status.value}, **kept},
        at=now,
        link_id=link.id,
    )
    _notify_ended(session, link, teen=teen, guardian=guardian, ended_by=ended_by, now=now)
    return True


def _notify_ended(
    session: AsyncSession,
    link: GuardianLink,
    *,
    teen: AnyAccount,
    guardian: AnyAccount,
    ended_by: AnyAccount | None,
    now: datetime,
) -> None:
    link_id = str(link.id)
    if ended_by is None:
        for recipient, role, other in ((teen, "guardian", guardian), (guardian, "teen", teen)):
            data = {"link_id": link_id, role: party(other)}
            notify(session, recipient.id, NotificationKind.LINK_ENDED_AT_18, data, now)
        return
    if ended_by.id == teen.id:
        recipient, role, other = guardian, "teen", teen
    else:
        recipient, role, other = teen, "guardian", guardian
    data = {"link_id": link_id, role: party(other), "ended_by": party(ended_by)}
    notify(session, recipient.id, NotificationKind.LINK_ENDED, data, now)


async def catch_up(
    session: AsyncSession, pack: PolicyPack, account: AnyAccount, today: date, now: datetime
) -> bool:
    """Write what birthdays have made due for this account, then commit: the band.changed
    notification, and the end of links (as teen or as guardian) whose teen has turned 18.
    True when it wrote (the account's settings version may then have moved)."""
    wrote = await _announce_band_change(session, pack, account, today, now)
    for link in await _links_due_to_end_at_18(session, pack, account, today):
        ended = await end_link(
            session, pack, link, status=LinkStatus.ENDED_AT_18, ended_by=None, now=now, today=today
        )
        wrote = wrote or ended
    if wrote:
        await session.commit()
    return wrote


def band_change_due(pack: PolicyPack, account: AnyAccount, today: date) -> bool:
    """Pure and cheap: has the account entered a band it has not been told about?"""
    return pack.band_for(account.birthdate, today) != _announced_band(pack, account)


def _announced_band(pack: PolicyPack, account: AnyAccount) -> str:
    return account.notified_band or pack.band_for(account.birthdate, account.created_at.date())


async def _announce_band_change(
    session: AsyncSession, pack: PolicyPack, account: AnyAccount, today: date, now: datetime
) -> bool:
    if not band_change_due(pack, account, today):
        return False
    announced = _announced_band(pack, account)
    band = pack.band_for(account.birthdate, today)
    claimed = await session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            Account.notified_band.is_not_distinct_from(account.notified_band),
        )
        .values(notified_band=band)
    )
    if claimed.rowcount == 0:  # another request announced it first
        return False
    data = {
        "from_band": announced,
        "to_band": band,
        "can_now_change": lifted_gates(pack, announced, band),
    }
    notify(session, account.id, NotificationKind.BAND_CHANGED, data, now)
    return True


async def _links_due_to_end_at_18(
    session: AsyncSession, pack: PolicyPack, account: AnyAccount, today: date
) -> list[GuardianLink]:
    rows = await session.execute(
        select(GuardianLink, Account.birthdate)
        .join(Account, Account.id == GuardianLink.teen_id)
        .where(
            GuardianLink.status == LinkStatus.ACTIVE,
            (GuardianLink.teen_id == account.id) | (GuardianLink.guardian_id == account.id),
        )
    )
    return [link for link, birthdate in rows if not pack.is_teen(pack.band_for(birthdate, today))]
