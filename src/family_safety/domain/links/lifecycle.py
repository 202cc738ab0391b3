"""How links end: by either side, or by themselves on the teen's 18th birthday.

Nothing loosens silently: when a link ends, every key that guardian bounded keeps its current
effective value as the teen's own choice. Link events are audited on the teen's chain, the one
both sides can read. These functions write in the caller's transaction and never commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update

from family_safety.db import outbox
from family_safety.db.models import Account, GuardianLink, LinkStatus
from family_safety.db.outbox import EventType
from family_safety.domain.account_settings.services import AccountSettingsService
from family_safety.domain.audit import chain
from family_safety.domain.links.views import midnight_utc
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack


async def end_link(
    session: AsyncSession,
    pack: PolicyPack,
    link: GuardianLink,
    *,
    ended_by: AnyAccount,
    now: datetime,
) -> bool:
    """One side ends an active link; False when it had already ended (at 18 included)."""
    return await _end(session, pack, link, ended_by=ended_by, now=now, at_18=False)


async def end_link_at_18(session: AsyncSession, pack: PolicyPack, link: GuardianLink) -> bool:
    """Write down the end of a link whose teen has turned 18 (it stopped being active on that
    day whatever is written); False when that is already done."""
    return await _end(
        session, pack, link, ended_by=None, now=midnight_utc(link.ends_on), at_18=True
    )


async def end_link_no_longer_adult(
    session: AsyncSession, pack: PolicyPack, link: GuardianLink, now: datetime
) -> bool:
    """End an active link whose guardian is no longer of a guardian's age (an age signal made
    it younger): status ``ended``, ended by nobody, both sides told; False when it had ended."""
    return await _end(session, pack, link, ended_by=None, now=now, at_18=False)


async def _end(
    session: AsyncSession,
    pack: PolicyPack,
    link: GuardianLink,
    *,
    ended_by: AnyAccount | None,
    now: datetime,
    at_18: bool,
) -> bool:
    await chain.lock_account(session, link.teen_id)
    await session.refresh(link)
    if link.status != LinkStatus.ACTIVE.value or (not at_18 and not link.is_active_on(now.date())):
        return False
    status = LinkStatus.ENDED_AT_18 if at_18 else LinkStatus.ENDED
    teen = await session.get_one(Account, link.teen_id)
    guardian = await session.get_one(Account, link.guardian_id)
    # The bounded values are kept as they were on the link's last active day.
    last_active_day = link.ends_on - timedelta(days=1) if at_18 else now.date()
    kept = await _keep_bounded_values(session, pack, teen, link, now, last_active_day)
    await session.execute(
        update(GuardianLink)
        .where(GuardianLink.id == link.id)
        .values(
            status=status.value,
            ended_at=now,
            ended_by_id=ended_by.id if ended_by else None,
            # An ETag of the limits read while the link was active no longer matches.
            limits_version=GuardianLink.limits_version + 1,
        )
    )
    if ended_by is None:
        actor = chain.SYSTEM
    elif ended_by.id == teen.id:
        actor = chain.Actor(chain.ActorRole.SELF, teen.id)
    else:
        actor = chain.Actor(chain.ActorRole.GUARDIAN, guardian.id)
    action = "link.ended_at_18" if at_18 else "link.ended"
    await chain.record(
        session,
        account_id=teen.id,
        actor=actor,
        action=action,
        changes={"link": {"from": LinkStatus.ACTIVE.value, "to": status.value}, **kept},
        at=now,
        link_id=link.id,
    )
    _notify_ended(
        session, link, teen=teen, guardian=guardian, ended_by=ended_by, now=now, at_18=at_18
    )
    if at_18:
        reason = "turned_18"
    elif ended_by is None:
        reason = "age_changed"  # an age signal: the guardian is no longer an adult
    else:
        reason = "ended_by_teen" if actor.role == chain.ActorRole.SELF else "ended_by_guardian"
    outbox.enqueue(
        session,
        EventType.LINK_ENDED,
        link_id=link.id,
        guardian_id=guardian.id,
        teen_id=teen.id,
        reason=reason,
    )
    return True


async def _keep_bounded_values(
    session: AsyncSession,
    pack: PolicyPack,
    teen: Account,
    link: GuardianLink,
    now: datetime,
    last_active_day: date,
) -> dict[str, dict[str, object]]:
    settings = AccountSettingsService(session, pack)
    snapshot = await settings.snapshot(teen, now.date(), links_active_on=last_active_day)
    return settings.keep_as_own_choices(snapshot, snapshot.keys_bounded_by(link.id), now)


def _notify_ended(
    session: AsyncSession,
    link: GuardianLink,
    *,
    teen: AnyAccount,
    guardian: AnyAccount,
    ended_by: AnyAccount | None,
    now: datetime,
    at_18: bool,
) -> None:
    link_id = str(link.id)
    if ended_by is None:  # ended by itself: both sides are told
        kind = NotificationKind.LINK_ENDED_AT_18 if at_18 else NotificationKind.LINK_ENDED
        for recipient, role, other in ((teen, "guardian", guardian), (guardian, "teen", teen)):
            data: dict[str, object] = {"link_id": link_id, role: party(other)}
            if not at_18:
                data["ended_by"] = None
            notify(session, recipient.id, kind, data, now)
        return
    if ended_by.id == teen.id:
        recipient, role, other = guardian, "teen", teen
    else:
        recipient, role, other = teen, "guardian", guardian
    data = {"link_id": link_id, role: party(other), "ended_by": party(ended_by)}
    notify(session, recipient.id, NotificationKind.LINK_ENDED, data, now)
