"""A guardian's access to a teen: its active link, checked on every `/v1/teens/{teen_id}/...`
request."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation
from sqlalchemy.ext.asyncio import AsyncSession

from family_safety.db.models import Account, GuardianLink
from family_safety.domain.dependencies import CurrentAccount, DbSession
from family_safety.domain.links.repository import active_link_and_teen
from family_safety.lib import problems
from family_safety.lib.clock import utc_today


@dataclass(frozen=True, slots=True)
class GuardedTeen:
    """A teen as seen by one of its guardians, through their active link."""

    teen: Account
    link: GuardianLink


async def guarded_teen(session: AsyncSession, guardian_id: UUID, teen_id: UUID) -> GuardedTeen:
    """This guardian's active link to this teen, read from the database on every request; 404
    alike for a teen that does not exist and one that is not this guardian's."""
    found = await active_link_and_teen(
        session, guardian_id=guardian_id, teen_id=teen_id, today=utc_today()
    )
    if found is None:
        raise problems.not_found()
    return GuardedTeen(found[1], found[0])


async def provide_guarded_teen(
    teen_id: FromPath[UUID], current_account: CurrentAccount, db_session: DbSession
) -> GuardedTeen:
    return await guarded_teen(db_session, current_account.id, teen_id)


GUARDED_TEEN = {"guarded": Provide(provide_guarded_teen)}
Guarded = NamedDependency[SkipValidation[GuardedTeen]]
