"""The request lifecycle, one home for time requests (``screen_time.requests``) and setting
requests (``setting_requests.services``): a teen asks and each of its guardians is told; a
linked guardian decides once, approving or refusing, and the first decision stands
(``db.requests.settle``, one conditional write); the teen and the other guardians are told. Each
move is an audit entry on the teen's chain (``<subject>.<event>``, its changes under
``<subject>``), and the lists read the teen's requests oldest first.

A kind of request is a ``TeenRequests`` subclass saying only what differs: its row, its wire
form, what its audit keeps, what settling needs (a time request's day), what an approval does,
and the problem a decider too late is told.

Every write is one transaction, committed here at the end of its use case.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import msgspec
from sqlalchemy import select

from family_safety.db import outbox
from family_safety.db.models import SettingRequest, TimeRequest
from family_safety.db.requests import settle
from family_safety.domain.audit import chain
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.services import notify, party
from family_safety.lib import problems
from family_safety.lib.pagination import Page, PageRequest, page_of, page_query

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql import ColumnElement

    from family_safety.db.account_records import AnyAccount
    from family_safety.db.outbox import EventType
    from family_safety.domain.notifications.kinds import NotificationKind
    from family_safety.lib.problems import Problem

Row = TypeVar("Row", TimeRequest, SettingRequest)
Out = TypeVar("Out", bound=msgspec.Struct)
Wire = TypeVar("Wire", bound=msgspec.Struct)


def wire_form(request: Row, shape: type[Wire], **read: Any) -> Wire:
    """A request's wire form: its row's columns of the same names as the shape's fields, but for
    those ``read`` otherwise (a time request's status on the teen's day)."""
    columns = {name: getattr(request, name) for name in shape.__struct_fields__}
    return shape(**(columns | read))


@dataclass(frozen=True, slots=True)
class RequestNames:
    """What names a kind of request in the lifecycle: the ``subject`` of its audit entries, the
    status of an approval and of a refusal, the notifications of its asking and of its decision,
    and the outbox events it emits, if any (for webhooks)."""

    subject: str
    approved: str
    refused: str
    asked: NotificationKind
    decided: NotificationKind
    asked_event: EventType | None = None
    decided_event: EventType | None = None


@dataclass(frozen=True, slots=True)
class TeenRequests(ABC, Generic[Row, Out]):
    """The lifecycle of one kind of request (its ``names``, rows of ``model``), on one session."""

    session: AsyncSession
    names: ClassVar[RequestNames]
    model: ClassVar[type[Any]]

    # --- what each kind says ---------------------------------------------------------------

    @abstractmethod
    def _wire(self, teen: AnyAccount, now: datetime) -> Callable[[Row], Out]:
        """How the teen's requests read at ``now`` on the wire."""

    @abstractmethod
    def _audited(self, request: Row, status: str) -> dict[str, Any]:
        """What the audit keeps of a request in ``status``: ids and values, never the note."""

    def _still(self, teen: AnyAccount, now: datetime) -> tuple[ColumnElement[bool], ...]:
        """What must still hold for a request to be settled now, beside its status."""
        return ()

    def _decision(self, request: Row, approve: bool, minutes: int | None) -> dict[str, Any]:
        """What a decision writes beside its status, time and guardian."""
        return {}

    @abstractmethod
    def _too_late(self, request: Row, teen: AnyAccount, now: datetime) -> Problem:
        """The problem of a decider whom another decision (or the request's end) came before."""

    @abstractmethod
    async def _decided(
        self, guardian: AnyAccount, teen: AnyAccount, link_id: UUID, request: Row, now: datetime
    ) -> dict[str, Any]:
        """The decision's audit entry and, for an approval, what it does; the details the teen
        and the other guardians are told."""

    # --- the lifecycle -----------------------------------------------------------------------

    async def requests(
        self, teen: AnyAccount, limit: int, cursor: str | None, now: datetime
    ) -> Page[Out]:
        """The teen's requests, oldest first."""
        asked = PageRequest(account_id=teen.id, limit=limit, cursor=cursor)
        query = select(self.model).where(self.model.account_id == teen.id)
        rows: list[Row] = list(await self.session.scalars(page_query(query, self.model.id, asked)))
        return page_of(rows, limit, lambda row: row.id).map(self._wire(teen, now))

    async def all_of(self, teen: AnyAccount, now: datetime) -> list[Out]:
        """Every request of the teen, oldest first (its export)."""
        return list(map(self._wire(teen, now), await self._rows(teen)))

    async def decide(
        self,
        guardian: AnyAccount,
        teen: AnyAccount,
        link_id: UUID,
        request_id: UUID,
        *,
        approve: bool,
        now: datetime,
        minutes: int | None = None,
    ) -> Out:
        """A linked guardian decides; the first decision stands (the others get the kind's
        problem). ``minutes``: what approving a request for an amount (of time) gives instead
        of what was asked."""
        request = await self._of(teen, request_id)
        if not await self._settle(
            request,
            teen,
            now,
            status=self.names.approved if approve else self.names.refused,
            decided_at=now,
            decided_by=guardian.id,
            **self._decision(request, approve, minutes),
        ):
            raise self._too_late(request, teen, now)
        told = self._about(
            request, teen, **await self._decided(guardian, teen, link_id, request, now)
        )
        self._emit(self.names.decided_event, request, teen)
        others: list[UUID] = await active_guardian_ids(self.session, teen.id, now.date())
        for account_id in [teen.id, *(other for other in others if other != guardian.id)]:
            notify(self.session, account_id, self.names.decided, told, now)
        await self.session.commit()
        return self._wire(teen, now)(request)

    # --- the parts ---------------------------------------------------------------------------

    async def _asked(
        self,
        teen: AnyAccount,
        request: Row,
        guardian_ids: Iterable[UUID],
        now: datetime,
        **told: Any,
    ) -> Out:
        """File the teen's new request and tell its guardians (with ``told``)."""
        self.session.add(request)
        await self.session.flush()
        await self._record("created", teen, now, request, None)
        self._emit(self.names.asked_event, request, teen)
        for guardian_id in guardian_ids:
            notify(
                self.session, guardian_id, self.names.asked, self._about(request, teen, **told), now
            )
        await self.session.commit()
        return self._wire(teen, now)(request)

    async def _of(self, teen: AnyAccount, request_id: UUID) -> Row:
        """The teen's request of that id: 404 for none, or another account's."""
        request: Row | None = await self.session.get(self.model, request_id)
        if request is None or request.account_id != teen.id:
            raise problems.not_found()
        return request

    async def _rows(self, teen: AnyAccount, *where: ColumnElement[bool]) -> Iterable[Row]:
        """The teen's requests (those ``where`` holds), oldest first."""
        rows: Iterable[Row] = await self.session.scalars(
            select(self.model)
            .where(self.model.account_id == teen.id, *where)
            .order_by(self.model.id)
        )
        return rows

    async def _settle(self, request: Row, teen: AnyAccount, now: datetime, **values: Any) -> bool:
        """Move a request out of pending (or ``from_status``), unless another decision (or the
        request's end) came first."""
        return await settle(self.session, request, still=self._still(teen, now), **values)

    async def _record(
        self,
        event: str,
        teen: AnyAccount,
        now: datetime,
        request: Row,
        was: str | None,
        *,
        by: AnyAccount | None = None,
        link_id: UUID | None = None,
        also: dict[str, Any] | None = None,
    ) -> None:
        """The request's move from ``was`` (None: it is new) to its status now, ``<subject>.
        <event>`` on the teen's chain, with the changes it made ``also``: by the teen itself, or
        by the guardian ``by``."""
        subject = self.names.subject
        before = None if was is None else self._audited(request, was)
        await chain.record(
            self.session,
            account_id=teen.id,
            actor=(
                chain.Actor(chain.ActorRole.SELF, teen.id)
                if by is None
                else chain.Actor(chain.ActorRole.GUARDIAN, by.id)
            ),
            action=f"{subject}.{event}",
            changes={subject: {"from": before, "to": self._audited(request, request.status)}}
            | (also or {}),
            at=now,
            link_id=link_id,
        )

    def _about(self, request: Row, teen: AnyAccount, **details: Any) -> dict[str, Any]:
        """What a notice says of a request: its id, its teen, and the kind's ``details``."""
        return {
            "request_id": str(request.id),
            "teen_id": str(teen.id),
            "teen": party(teen),
            **details,
        }

    def _emit(self, event: EventType | None, request: Row, teen: AnyAccount) -> None:
        """The request's move as an outbox event, for a kind that emits one."""
        if event is not None:
            outbox.enqueue(
                self.session, event, request_id=request.id, teen_id=teen.id, status=request.status
            )
