"""A linked guardian's limits on a teen, and who controls what as the teen sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Date, bindparam, delete, insert, select, update

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import GuardianLimit, GuardianLink
from family_safety.db.writes import ExecuteMany, Fetch, Step
from family_safety.domain.account_settings.bounds import limits_by_link, linked_guardians
from family_safety.domain.account_settings.services import parse_settings
from family_safety.domain.audit import chain
from family_safety.domain.guardians.schemas import GuardianControls
from family_safety.domain.links.views import link_view
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notified, party
from family_safety.domain.policy.catalog import CATALOG
from family_safety.lib import problems
from family_safety.lib.http_caching import etag_matches, etag_of
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from collections.abc import Generator, Mapping
    from datetime import date, datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.links.access import GuardedTeen


def limits_etag(link: GuardianLink) -> str:
    return etag_of(link.id, link.limits_version)


_LINK_AND_LIMITS = HotQuery(
    select(GuardianLink.id, GuardianLink.limits_version, GuardianLimit.key, GuardianLimit.value)
    .outerjoin(GuardianLimit, GuardianLimit.link_id == GuardianLink.id)
    .where(
        GuardianLink.guardian_id == bindparam("guardian_id"),
        GuardianLink.teen_id == bindparam("teen_id"),
        GuardianLink.active_on(bindparam("today", type_=Date)),
    )
)
_DELETE_LIMITS = HotQuery(
    delete(GuardianLimit).where(GuardianLimit.link_id == bindparam("link_id"))
)
_INSERT_LIMIT = HotQuery(
    insert(GuardianLimit).values(
        link_id=bindparam("link_id"), key=bindparam("key"), value=bindparam("value")
    )
)
_NEXT_LIMITS_VERSION = HotQuery(
    update(GuardianLink)
    .where(GuardianLink.id == bindparam("link_id"))
    .values(limits_version=bindparam("limits_version"))
)


@dataclass(frozen=True, slots=True)
class Replaced:
    limits: dict[str, Any]
    etag: str


def replace_limits(
    guardian: AnyAccount,
    teen_id: UUID,
    raw_limits: Mapping[str, Any],
    if_match: str | None,
    now: datetime,
) -> Generator[Step, Any, Replaced]:
    """Replace this guardian's limits on this teen, a lean write (``db.writes``), its errors in
    the contract's order: 404 unless the guardian has an active link to the teen (before any
    precondition: a stranger learns nothing), 428 without If-Match, 412 when stale, 422 for any
    bad key or value. A limit looser than the age gate is kept for when the gate lifts."""
    head = yield from chain.locked(teen_id)
    # Read under the teen's lock: a link that ended meanwhile is not found, and no change by a
    # guardian lands after its link ended.
    rows = yield Fetch(
        _LINK_AND_LIMITS, {"guardian_id": guardian.id, "teen_id": teen_id, "today": now.date()}
    )
    if head is None or not rows:
        raise problems.not_found()
    if if_match is None:
        raise problems.precondition_required()
    link_id, limits_version = rows[0][0], rows[0][1]
    if not etag_matches(if_match, etag_of(link_id, limits_version)):
        raise problems.precondition_failed()
    wire = {key: CATALOG[key].dump(value) for key, value in parse_settings(raw_limits).items()}
    current = {key: value for _, _, key, value in rows if key is not None}
    changes = {
        key: {"from": current.get(key), "to": wire.get(key)}
        for key in CATALOG
        if current.get(key) != wire.get(key)
    }
    if not changes:
        return Replaced(current, etag_of(link_id, limits_version))
    yield Fetch(_DELETE_LIMITS, {"link_id": link_id})
    if wire:
        yield ExecuteMany(
            _INSERT_LIMIT,
            [{"link_id": link_id, "key": key, "value": value} for key, value in wire.items()],
        )
    yield Fetch(_NEXT_LIMITS_VERSION, {"link_id": link_id, "limits_version": limits_version + 1})
    yield from chain.recorded(
        head,
        account_id=teen_id,
        actor=chain.Actor(chain.ActorRole.GUARDIAN, guardian.id),
        action="limits.updated",
        changes=changes,
        at=now,
        link_id=link_id,
    )
    data = {"link_id": str(link_id), "guardian": party(guardian), "keys": list(changes)}
    yield from notified(teen_id, NotificationKind.LIMITS_UPDATED, data, now)
    return Replaced(wire, etag_of(link_id, limits_version + 1))


@dataclass(frozen=True, slots=True)
class LimitsService:
    session: AsyncSession

    async def limits(self, guarded: GuardedTeen) -> dict[str, Any]:
        return (await limits_by_link(self.session, [guarded.link.id])).get(guarded.link.id, {})

    async def my_guardians(
        self, teen: AnyAccount, limit: int, cursor: str | None, today: date
    ) -> Page[GuardianControls]:
        """Who controls what: every active link of this account as teen, with its limits."""
        after = decode_cursor(cursor, UUID)
        guardians = sorted(
            await linked_guardians(self.session, teen.id, today), key=lambda g: g.link.id
        )
        rows = [g for g in guardians if after is None or g.link.id > after][: limit + 1]
        page = page_of(rows, limit, lambda g: g.link.id)
        items = [
            GuardianControls(link=link_view(g.link, g.guardian, teen, today), limits=g.limits)
            for g in page.items
        ]
        return Page(items=items, next_cursor=page.next_cursor)
