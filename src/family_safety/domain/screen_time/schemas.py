"""Wire shapes of screen time: the status, days, time requests, grants and their bodies; and
the wire form of the pure status (``screen_time.status``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal
from uuid import UUID

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from family_safety.domain.requests.schemas import Decision, Note

if TYPE_CHECKING:
    from family_safety.domain.screen_time.status import Grant, ScreenTimeStatus

GrantKind = Literal["extra_time", "time_away_pause"]
RequestStatus = Literal["pending", "approved", "denied", "cancelled", "expired"]
Minutes = Annotated[int, Field(ge=5, le=240, examples=[15])]


class TimeRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: GrantKind
    minutes: Minutes
    note: Note = None


class DecisionIn(Decision):
    minutes: Annotated[
        int | None,
        Field(ge=5, le=240, description="When approving: minutes to grant instead of those asked."),
    ] = None


class GrantOut(msgspec.Struct):
    """A guardian's grant; ``from`` on the wire (a Python keyword, hence ``starts`` here)."""

    id: UUID
    kind: GrantKind
    minutes: int
    date: date
    starts: datetime = msgspec.field(name="from")
    until: datetime
    granted_by: UUID
    request_id: UUID | None


class TimeAwayOut(msgspec.Struct):
    active: bool
    until: datetime | None


class StatusOut(msgspec.Struct):
    date: date
    timezone: str
    used_minutes: int
    limit_minutes: int | None
    granted_minutes: int
    remaining_minutes: int | None
    time_away: TimeAwayOut
    state: Literal["time_away", "limit_reached", "allowed"]
    resets_at: datetime
    grants: list[GrantOut]


class DayOut(msgspec.Struct):
    date: date
    used_minutes: int
    limit_minutes: int | None
    granted_minutes: int


class TimeRequestOut(msgspec.Struct):
    id: UUID
    kind: GrantKind
    minutes: int
    note: str | None
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: UUID | None
    granted_minutes: int | None


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=UUID(grant.id),
        kind=grant.kind,
        minutes=grant.minutes,
        date=grant.date,
        starts=grant.starts,
        until=grant.until,
        granted_by=UUID(grant.granted_by),
        request_id=UUID(grant.request_id) if grant.request_id else None,
    )


def status_out(answer: ScreenTimeStatus) -> StatusOut:
    return StatusOut(
        date=answer.date,
        timezone=answer.timezone,
        used_minutes=answer.used_minutes,
        limit_minutes=answer.limit_minutes,
        granted_minutes=answer.granted_minutes,
        remaining_minutes=answer.remaining_minutes,
        time_away=TimeAwayOut(active=answer.time_away.active, until=answer.time_away.until),
        state=answer.state,
        resets_at=answer.resets_at,
        grants=[grant_out(grant) for grant in answer.grants],
    )
