"""Setting requests: a teen asks its guardians for a value looser than the ``needs_guardian``
bound of a key; the first guardian to decide settles it, in the lifecycle time requests share
(``requests.lifecycle``). An approval sets the teen's choice to the value at once and stays an
approval the settings read (``account_settings.bounds.approvals_of``) until a guardian withdraws
it; then the value returns to the bound.

Each write moves the teen's settings version (the audit entry does) and so is noted on the change
bus: caches, the lane and the event streams re-resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from family_safety.db.models import SettingRequest
from family_safety.db.requests import PENDING
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
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify, party
from family_safety.domain.policy.catalog import CATALOG, InvalidValue
from family_safety.domain.policy.engine import Party, needs_approval, violations
from family_safety.domain.requests.lifecycle import RequestNames, TeenRequests, wire_form
from family_safety.domain.setting_requests.schemas import SettingRequestOut
from family_safety.lib import problems

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from uuid import UUID

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.lib.problems import Problem

WITHDRAWN = "withdrawn"


def request_out(request: SettingRequest) -> SettingRequestOut:
    return wire_form(request, SettingRequestOut)


def _broken(party: Party) -> str:
    if party["kind"] == "age_gate":
        return f"breaks the gate of the {party['band']} age band"
    if party["kind"] == "law":
        return f"breaks a gate of {party['title']}"
    return f"breaks the limit of guardian @{party['handle']}"


@dataclass(frozen=True, slots=True)
class SettingRequestService(TeenRequests[SettingRequest, SettingRequestOut]):
    names = RequestNames(
        subject="setting_request",
        approved=APPROVED,
        refused="declined",
        asked=NotificationKind.SETTING_REQUEST_CREATED,
        decided=NotificationKind.SETTING_REQUEST_DECIDED,
    )
    model = SettingRequest

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
        return await self._asked(
            teen,
            request,
            [guardian.guardian.id for guardian in linked],
            now,
            key=key,
            value=request.value,
        )

    async def pending(self, teen: AnyAccount) -> list[SettingRequestOut]:
        """The teen's pending requests, oldest first (the guardian's page)."""
        return list(map(request_out, await self._rows(teen, SettingRequest.status == PENDING)))

    async def withdraw(
        self, guardian: AnyAccount, teen: AnyAccount, link_id: UUID, request_id: UUID, now: datetime
    ) -> None:
        """A linked guardian withdraws an approval: the teen's choice returns to the bound (or to
        the loosest approval still standing for the key). Withdrawing twice changes nothing;
        a request never approved is 404."""
        request = await self._of(teen, request_id)
        if not await self._settle(
            request, teen, now, from_status=APPROVED, status=WITHDRAWN, withdrawn_at=now
        ):
            if request.status == WITHDRAWN:
                return
            raise problems.not_found()
        back = await self._return_to_bound(teen, request.key, now)
        await self._record(
            "withdrawn", teen, now, request, APPROVED, by=guardian, link_id=link_id, also=back
        )
        told = self._about(request, teen, key=request.key, withdrawn_by=party(guardian))
        notify(self.session, teen.id, NotificationKind.SETTING_REQUEST_WITHDRAWN, told, now)
        await self.session.commit()

    # --- what differs from other requests ------------------------------------------------------

    def _wire(
        self, teen: AnyAccount, now: datetime
    ) -> Callable[[SettingRequest], SettingRequestOut]:
        return request_out

    def _audited(self, request: SettingRequest, status: str) -> dict[str, Any]:
        return {"id": str(request.id), "key": request.key, "value": request.value, "status": status}

    def _too_late(self, request: SettingRequest, teen: AnyAccount, now: datetime) -> Problem:
        return problems.already_decided()

    async def _decided(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        request: SettingRequest,
        now: datetime,
    ) -> dict[str, Any]:
        """Approving sets the teen's choice to the value at once, in the decision's entry."""
        chosen: dict[str, Any] = {}
        if request.status == APPROVED:
            value = CATALOG[request.key].parse(request.value)
            chosen = await AccountSettingsService(self.session, self.pack).choose_in_transaction(
                teen, {request.key: value}, now
            )
        await self._record(
            "decided", teen, now, request, PENDING, by=guardian, link_id=link_id, also=chosen
        )
        return {
            "key": request.key,
            "value": request.value,
            "status": request.status,
            "decided_by": party(guardian),
        }

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
