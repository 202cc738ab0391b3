"""How a link is shown to either side."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from family_safety.db.models import LinkStatus
from family_safety.domain.accounts.schemas import AccountSummary
from family_safety.domain.links.schemas import Link

if TYPE_CHECKING:
    from family_safety.db.account_records import AnyAccount
    from family_safety.db.models import GuardianLink


def summary(account: AnyAccount) -> AccountSummary:
    return AccountSummary(id=account.id, handle=account.handle, display_name=account.display_name)


def midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def link_view(link: GuardianLink, guardian: AnyAccount, teen: AnyAccount, today: date) -> Link:
    """A link as it stands today: one past the teen's 18th birthday has ended then, even before
    that end is written down (see family_safety.domain.ages.birthdays)."""
    status, ended_at = link.status, link.ended_at
    if status == LinkStatus.ACTIVE.value and not link.is_active_on(today):
        status, ended_at = LinkStatus.ENDED_AT_18.value, midnight_utc(link.ends_on)
    return Link(
        id=link.id,
        guardian=summary(guardian),
        teen=summary(teen),
        status=status,
        created_at=link.created_at,
        ended_at=ended_at,
    )
