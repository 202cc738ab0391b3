"""The webhooks' transactional outbox: each event client back ends may subscribe to is written
as one ``webhook_message`` row in the transaction of the change it reports, so nothing committed
is lost by a crash and nothing rolled back is ever sent. A worker (``domain/webhooks``) fans the
rows out to the subscribed endpoints and delivers them.

Two ways in, both in the caller's transaction:

- ``settings.changed`` rides on the change bus: every ``ChangeKind.SETTINGS`` a transaction notes
  (``db.changes``) or announces in a lean write (``db.writes``) also writes one message, beside
  the change feed entry or the ``pg_notify``. Its ETag is rendered when the message is fanned out.
- every other event is written by the use case that makes it, with ``enqueue`` (ORM session).

Payloads are thin: ``enqueue`` refuses any field but the contract's for the type (API.md,
"Webhooks"): ids and a few codes, never a birthdate, a name, a note, a description, evidence or
who reported.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

# The models' own default; the module re-exports it (from uuid_utils or uuid) without declaring it.
from advanced_alchemy.mixins.uuid import uuid7  # type: ignore[attr-defined]
from sqlalchemy import bindparam, insert

from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import WebhookMessage

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import Session


class EventType(StrEnum):
    SETTINGS_CHANGED = "settings.changed"
    LINK_CREATED = "link.created"
    LINK_ENDED = "link.ended"
    TIME_REQUEST_CREATED = "time_request.created"
    TIME_REQUEST_DECIDED = "time_request.decided"
    REPORT_FILED = "report.filed"
    AGE_BAND_CHANGED = "age_band.changed"
    ACCOUNT_HELD = "account.held"
    ACCOUNT_RELEASED = "account.released"
    ACCOUNT_DELETED = "account.deleted"


FIELDS: dict[EventType, tuple[str, ...]] = {
    EventType.SETTINGS_CHANGED: ("account_id", "etag"),
    EventType.LINK_CREATED: ("link_id", "guardian_id", "teen_id"),
    EventType.LINK_ENDED: ("link_id", "guardian_id", "teen_id", "reason"),
    EventType.TIME_REQUEST_CREATED: ("request_id", "teen_id", "status"),
    EventType.TIME_REQUEST_DECIDED: ("request_id", "teen_id", "status"),
    EventType.REPORT_FILED: ("report_id", "category", "priority", "channel"),
    EventType.AGE_BAND_CHANGED: ("account_id", "age_band"),
    EventType.ACCOUNT_HELD: ("account_id", "law_id"),
    EventType.ACCOUNT_RELEASED: ("account_id", "law_id"),
    EventType.ACCOUNT_DELETED: ("account_id",),
}
"""Each event's ``data`` fields, exactly (the contract's list): the one place they are named."""

# settings.changed as written: its ETag is rendered at fan-out, from the account as it is then.
WRITTEN_FIELDS = {**FIELDS, EventType.SETTINGS_CHANGED: ("account_id",)}

INSERT = HotQuery(
    insert(WebhookMessage).values(
        id=bindparam("id"),
        type=bindparam("type"),
        data=bindparam("data"),
        created_at=bindparam("created_at"),
    )
)


def _encoded(event: EventType, data: dict[str, Any]) -> str:
    if tuple(data) != WRITTEN_FIELDS[event]:
        raise ValueError(f"{event} carries {WRITTEN_FIELDS[event]}, not {tuple(data)}")
    return json.dumps({key: str(value) for key, value in data.items()}, separators=(",", ":"))


def enqueue(session: AsyncSession | Session, event: EventType, **data: Any) -> None:
    """Write one message in the session's transaction (sent only if it commits); ``data`` holds
    exactly the event's fields (ids are written as strings)."""
    encoded = _encoded(event, data)  # refused before anything is added
    session.add(WebhookMessage(type=event.value, data=encoded, created_at=datetime.now(UTC)))


def settings_changed_rows(account_ids: Iterable[UUID]) -> list[dict[str, Any]]:
    """The ``INSERT`` parameters of one ``settings.changed`` message per account (each once)."""
    at = datetime.now(UTC)
    event = EventType.SETTINGS_CHANGED
    return [
        {
            "id": uuid7(),
            "type": event.value,
            "data": _encoded(event, {"account_id": account_id}),
            "created_at": at,
        }
        for account_id in dict.fromkeys(account_ids)
    ]
