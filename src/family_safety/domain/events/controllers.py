"""`GET /v1/me/events`: what changed for the signed-in account, as server-sent events.

A device keeps one stream open instead of polling: ``settings.changed`` (with the new ETag),
``notification.created`` and ``screen_time.changed``, each with an id. Reconnecting with
``Last-Event-ID`` replays what this instance still remembers after that id, or sends ``reset``
(read everything again) when it does not. A comment line every ``HEARTBEAT_SECONDS`` keeps
proxies from closing an idle stream. The stream ends when the access token expires, when its
sign-in session ends (logout, password change), or when the device reads too slowly.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Annotated

import msgspec
from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from family_safety.db.account_records import AccountRecord
from family_safety.db.changes import ChangeKind, Event
from family_safety.domain.account_settings.services import settings_etag
from family_safety.lib.clock import utc_today
from family_safety.lib.problems import problem_responses
from family_safety.lib.security.token_cache import AccessGrant

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from family_safety.domain.components import Components

HEARTBEAT_SECONDS = 15.0

LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        description="The id of the last event received, to resume after it.",
        max_length=64,
    ),
]


class EventsController(Controller):
    path = "/v1/me/events"
    tags = ["events"]

    @get(
        summary="Live changes of my account (server-sent events)",
        description="`settings.changed` (`data.etag`), `notification.created`, "
        "`screen_time.changed`; `reset` when a `Last-Event-ID` can no longer be resumed. "
        "Heartbeat comments every 15 s; the stream ends with the access token or its session.",
        media_type="text/event-stream",
        responses=problem_responses(401),
    )
    async def events(
        self, request: Request[AccountRecord, AccessGrant, State], last_event_id: LastEventId = None
    ) -> ServerSentEvent:
        stream = _stream(request.app.state.components, request.user, request.auth, last_event_id)
        return ServerSentEvent(stream, headers={"Cache-Control": "no-store"})


async def _stream(
    components: Components,
    account: AccountRecord,
    grant: AccessGrant,
    last_event_id: str | None,
) -> AsyncIterator[ServerSentEventMessage]:
    bus = components.changes
    queue = bus.subscribe(account.id)
    try:
        if last_event_id is not None:
            missed = bus.since(last_event_id, account.id)
            if missed is None:
                yield ServerSentEventMessage(event="reset", data="{}")
            for event in missed or ():
                message = await _message(components, grant, event)
                if message is None:
                    return
                if message.event is not None:
                    yield message
        while (left := grant.expires_at - time.time()) > 0:
            try:
                item = await asyncio.wait_for(queue.get(), min(HEARTBEAT_SECONDS, left))
            except TimeoutError:
                yield ServerSentEventMessage(comment="heartbeat")
                continue
            if item is None:  # the device read too slowly; it reconnects with Last-Event-ID
                return
            message = await _message(components, grant, item)
            if message is None:
                return
            if message.event is not None:
                yield message
    finally:
        bus.unsubscribe(account.id, queue)


async def _message(
    components: Components, grant: AccessGrant, item: Event
) -> ServerSentEventMessage | None:
    """The event as sent, an empty one for a change that sends nothing (another session ended),
    or None when this stream's own session has ended."""
    kind = item.change.kind
    if kind in (ChangeKind.SETTINGS, ChangeKind.SESSIONS, ChangeKind.LAWS):
        account = await components.signed_in.load(grant.account_id, grant.session_id)
        if account is None:
            return None
        if kind == ChangeKind.SESSIONS:
            return ServerSentEventMessage(data=None)
        # A law's status changed: sent as settings.changed with the ETag of the laws now
        # applied (a client holding that ETag has nothing to read again).
        today = utc_today()
        band = components.pack.settings_band(account.age_birthdate, today)
        book = await components.laws.settled()
        laws = book.applying_ids(account.country, account.region, today)
        etag = settings_etag(components.pack, account.id, account.settings_version, band, laws)
        data = msgspec.json.encode({"etag": etag}).decode()
        return ServerSentEventMessage(event=ChangeKind.SETTINGS.value, id=item.id, data=data)
    return ServerSentEventMessage(event=kind.value, id=item.id, data="{}")
