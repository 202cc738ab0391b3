"""Setting requests: a teen asks its guardians for a value looser than the ``needs_guardian``
bound of a key; the first guardian to decide settles it (``db.requests.settle``, the lifecycle
time requests share). An approval sets the teen's choice to the value at once and stays an
approval the settings read (``account_settings.bounds.approvals_of``) until a guardian withdraws
it; then the value returns to the bound.

Every write is one transaction, committed here at the end of its use case. Each moves the
teen's settings version (the audit entry does) and so is noted on the change bus: caches, the
lane and the event streams re-resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import select

from family_safety.db.models import SettingRequest
from family_safety.db.requests import PENDING, settle
from family_safety.domain.account_settings.bounds import (
    APPROVED,
    approvals_of,
    linked_guardians,
)
from family_safety.domain.account_settings.services import (
    AccountSettingsService,
    engine_approvals,
    engine_guardians,
)
from family_safety.domain.audit import chain
from family_safety.domain.laws.repository import read_book
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.policy.catalog import CATALOG, InvalidValue
from family_safety.domain.policy.engine import Party, needs_approval, violations
from family_safety.domain.setting_requests.schemas import SettingRequestOut
from family_safety.lib import problems
from family_safety.lib.pagination import Page, decode_cursor, page_of

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack

DECLINED = "declined"
WITHDRAWN = "withdrawn"


def request_out(request: SettingRequest) -> SettingRequestOut:
    return SettingRequestOut(
        id=request.id,
        key=request.key,
        value=request.value,
        note=request.note,
        status=request.status,  # type: ignore[arg-type]
        created_at=request.created_at,
        decided_at=request.decided_at,
        decided_by=request.decided_by,
    )


def _audited(request: SettingRequest, status: str) -> dict[str, Any]:
    """What the audit keeps of a request: ids and values, never the note."""
    return {"id": str(request.id), "key": request.key, "value": request.value, "status": status}


def _broken(party: Party) -> str:
    if party["kind"] == "age_gate":
        return f"breaks the gate of the {party['band']} age band"
    if party["kind"] == "law":
        return f"breaks a gate of {party['title']}"
    return f"breaks the limit of guardian @{party['handle']}"


@dataclass(frozen=True, slots=True)
class SettingRequestService:
    session: AsyncSession
    pack: PolicyPack

    async def ask(
        self, teen: AnyAccount, key: str, raw_value: Any, note: str | None, now: datetime
    ) -> SettingRequestOut:
        """A teen asks for a value looser than the key's ``needs_guardian`` bound: 422 when it
        is not looser, or breaks a gate or a guardian's limit; 409 with no linked guardian."""
        today = now.date()
        await chain.lock_account(self.session, teen.id)
        kind = CATALOG[key]
        try:
            value = kind.parse(raw_value)
        except InvalidValue as exc:
            raise problems.invalid_field("value", str(exc)) from exc
        band = self.pack.settings_band(teen.age_birthdate, today)
        laws = (await read_book(self.session)).applying(teen.country, teen.region, today)
        if not needs_approval(self.pack, band=band, key=key, value=value, laws=laws):
            raise problems.invalid_field(
                "value", "not looser than what you may choose alone: no approval is needed"
            )
        linked = await linked_guardians(self.session, teen.id, today)
        parties = violations(
            self.pack,
            band=band,
            guardians=engine_guardians(linked),
            key=key,
            value=value,
            laws=laws,
        )
        if parties:
            raise problems.validation(
                [{"field": "value", "message": _broken(party)} for party in parties]
            )
        if not linked:
            raise problems.no_guardian()
        request = SettingRequest(
            account_id=teen.id,
            key=key,
            value=kind.dump(value),
            note=note,
            status=PENDING,
            created_at=now,
        )
        self.session.add(request)
        await self.session.flush()
        await self._audit("created", teen, now, None, _audited(request, PENDING))
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            "key": key,
        }
        for guardian in linked:
            notify(
                self.session,
                guardian.guardian.id,
                NotificationKind.SETTING_REQUEST_CREATED,
                {**data, "value": request.value},
                now,
            )
        await self.session.commit()
        return request_out(request)

    async def requests(
        self, teen: AnyAccount, limit: int, cursor: str | None
    ) -> Page[SettingRequestOut]:
        """The teen's setting requests, oldest first."""
        query = select(SettingRequest).where(SettingRequest.account_id == teen.id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(SettingRequest.id > after)
        rows = list(await self.session.scalars(query.order_by(SettingRequest.id).limit(limit + 1)))
        page = page_of(rows, limit, lambda row: row.id)
        return Page(items=[request_out(row) for row in page.items], next_cursor=page.next_cursor)

    async def all_of(self, teen: AnyAccount) -> list[SettingRequestOut]:
        """Every setting request of the teen, oldest first (its export)."""
        rows = await self.session.scalars(
            select(SettingRequest)
            .where(SettingRequest.account_id == teen.id)
            .order_by(SettingRequest.id)
        )
        return [request_out(row) for row in rows]

    async def pending(self, teen: AnyAccount) -> list[SettingRequestOut]:
        """The teen's pending requests, oldest first (the guardian's page)."""
        rows = await self.session.scalars(
            select(SettingRequest)
            .where(SettingRequest.account_id == teen.id, SettingRequest.status == PENDING)
            .order_by(SettingRequest.id)
        )
        return [request_out(row) for row in rows]

    async def decide(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        request_id: UUID,
        *,
        approve: bool,
        now: datetime,
    ) -> SettingRequestOut:
        """A linked guardian decides; the first decision stands (409 ``already-decided`` for the
        others). Approving sets the teen's choice to the value at once."""
        request = await self._of(teen, request_id)
        decided = APPROVED if approve else DECLINED
        if not await settle(
            self.session, request, status=decided, decided_at=now, decided_by=guardian.id
        ):
            raise problems.already_decided()
        before, after = _audited(request, PENDING), _audited(request, decided)
        changes: dict[str, Any] = {"setting_request": {"from": before, "to": after}}
        if approve:
            value = CATALOG[request.key].parse(request.value)
            changes |= await AccountSettingsService(self.session, self.pack).choose_in_transaction(
                teen, {request.key: value}, now
            )
        by = chain.Actor(chain.ActorRole.GUARDIAN, guardian.id)
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=by,
            action="setting_request.decided",
            changes=changes,
            at=now,
            link_id=link_id,
        )
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            "key": request.key,
            "value": request.value,
            "status": decided,
            "decided_by": party(guardian),
        }
        others = await active_guardian_ids(self.session, teen.id, now.date())
        for account_id in [teen.id, *(other for other in others if other != guardian.id)]:
            notify(self.session, account_id, NotificationKind.SETTING_REQUEST_DECIDED, data, now)
        await self.session.commit()
        return request_out(request)

    async def withdraw(
        self, guardian: AnyAccount, teen: AnyAccount, link_id: UUID, request_id: UUID, now: datetime
    ) -> None:
        """A linked guardian withdraws an approval: the teen's choice returns to the bound (or to
        the loosest approval still standing for the key). Withdrawing twice changes nothing;
        a request never approved is 404."""
        request = await self._of(teen, request_id)
        if not await settle(
            self.session, request, from_status=APPROVED, status=WITHDRAWN, withdrawn_at=now
        ):
            if request.status == WITHDRAWN:
                return
            raise problems.not_found()
        changes: dict[str, Any] = {
            "setting_request": {
                "from": _audited(request, APPROVED),
                "to": _audited(request, WITHDRAWN),
            }
        }
        changes |= await self._return_to_bound(teen, request.key, now)
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.GUARDIAN, guardian.id),
            action="setting_request.withdrawn",
            changes=changes,
            at=now,
            link_id=link_id,
        )
        data = {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            "key": request.key,
            "withdrawn_by": party(guardian),
        }
        notify(self.session, teen.id, NotificationKind.SETTING_REQUEST_WITHDRAWN, data, now)
        await self.session.commit()

    async def _return_to_bound(self, teen: AnyAccount, key: str, now: datetime) -> dict[str, Any]:
        """Hold the teen's choice for key at the loosest value it may choose without the
        withdrawn approval: its ``needs_guardian`` bound, or an approval still standing."""
        today = now.date()
        band = self.pack.settings_band(teen.age_birthdate, today)
        members = getattr(CATALOG[key], "members", ())
        settings = AccountSettingsService(self.session, self.pack)
        choice = await settings.own_choice(teen, key)
        if band is None or not members or choice is None:
            return {}
        laws = (await read_book(self.session)).applying(teen.country, teen.region, today)
        approvals = engine_approvals(await approvals_of(self.session, teen.id, today))

        def allowed(value: Any) -> bool:
            return not needs_approval(
                self.pack, band=band, key=key, value=value, laws=laws, approvals=approvals
            )

        if allowed(choice):
            return {}
        loosest = next(value for value in members if allowed(value))  # the strictest always is
        return await settings.choose_in_transaction(teen, {key: loosest}, now)

    async def _of(self, teen: AnyAccount, request_id: UUID) -> SettingRequest:
        """The teen's request of that id: 404 for none, or another account's."""
        request = await self.session.get(SettingRequest, request_id)
        if request is None or request.account_id != teen.id:
            raise problems.not_found()
        return request

    async def _audit(
        self,
        event: str,
        teen: AnyAccount,
        now: datetime,
        before: dict[str, Any] | None,
        after: dict[str, Any],
    ) -> None:
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=chain.Actor(chain.ActorRole.SELF, teen.id),
            action=f"setting_request.{event}",
            changes={"setting_request": {"from": before, "to": after}},
            at=now,
        )
