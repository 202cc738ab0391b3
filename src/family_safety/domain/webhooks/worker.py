"""The webhooks' worker: it fans the outbox's messages out to the endpoints subscribed to them,
then delivers what is due, in rounds, until cancelled. It runs inside ``family-safety serve``
(a lifespan task) or apart, as ``family-safety webhooks work``.

Several workers share the work safely, each delivery attempted by one of them at a time:

- fanning out takes the oldest messages with ``FOR UPDATE SKIP LOCKED`` and deletes them in the
  transaction that writes their deliveries, so each becomes deliveries once;
- a due delivery is claimed (``FOR UPDATE SKIP LOCKED``) by moving its next attempt a lease
  ahead (longer than an attempt may take), committed before it is sent; the attempt's outcome
  is written after. A worker that dies mid-attempt leaves the claim to expire: the delivery is
  attempted again (at least once overall).

On SQLite ``FOR UPDATE`` is not written: every writing transaction begins ``IMMEDIATE`` (one
writer at a time, ``db.engine``), which serialises the claims of every process instead. Each
round first looks with a read-only query, so an idle worker never takes the write lock.
"""

from __future__ import annotations

import asyncio
import json
import random
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db.engine import READ_ONLY
from family_safety.db.models import Account, WebhookDelivery, WebhookEndpoint, WebhookMessage
from family_safety.db.outbox import FIELDS, EventType
from family_safety.domain.account_settings.services import settings_etag
from family_safety.domain.laws.repository import read_book
from family_safety.domain.webhooks.delivery import Attempt, next_wait, send
from family_safety.domain.webhooks.services import ACTIVE, DELIVERED, DISABLED, FAILED, PENDING
from family_safety.lib.safe_http import UrlPolicy, guarded_client

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.lib.config import Settings

BATCH = 50  # deliveries claimed and attempted at once
FAN_OUT_BATCH = 500  # messages taken from the outbox in one transaction
LEASE_MARGIN_SECONDS = 30.0

_log = structlog.get_logger("family_safety.webhooks")

_HAS_MESSAGES = select(WebhookMessage.id).limit(1)
_HAS_DUE = (
    select(WebhookDelivery.id)
    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
    .where(
        WebhookDelivery.state == PENDING,
        WebhookDelivery.next_attempt_at <= bindparam("now"),
        WebhookEndpoint.state == ACTIVE,
    )
    .limit(1)
)


class _Claim:
    __slots__ = ("body", "delivery_id", "message_id", "secrets", "url")

    def __init__(
        self, delivery_id: UUID, message_id: UUID, body: str, url: str, secrets: list[str]
    ) -> None:
        self.delivery_id = delivery_id
        self.message_id = message_id
        self.body = body
        self.url = url
        self.secrets = secrets


class WebhookWorker:
    """Delivers the outbox's messages on ``engine``'s database; ``close`` at the end."""

    def __init__(
        self,
        engine: AsyncEngine,
        pack: PolicyPack,
        settings: Settings,
        *,
        client: httpx.AsyncClient | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._engine = engine
        self._reads = engine.execution_options(**READ_ONLY)
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._pack = pack
        self._schedule = settings.webhook_retry_schedule
        self._timeout = settings.webhook_timeout_seconds
        self._poll = settings.webhook_poll_seconds
        self._client = client or guarded_client(
            UrlPolicy(settings.webhook_allowed_hosts), settings.webhook_timeout_seconds
        )
        self._jitter = jitter
        self._lease = timedelta(seconds=self._timeout + LEASE_MARGIN_SECONDS)

    async def close(self) -> None:
        await self._client.aclose()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Rounds until ``stop`` is set (the round under way ends first: its attempts are
        recorded) or the task is cancelled; a round that fails (the database is away) is logged
        and the next one tries again."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                while await self.run_once() and not stop.is_set():
                    pass  # more may be waiting: no pause between full rounds
            except Exception as exc:
                _log.warning("webhook round failed", error=type(exc).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll)

    async def run_once(self) -> int:
        """One round: fan out, then attempt what is due. How many it did of either."""
        fanned = await self.fan_out()
        attempted = await self.deliver_due()
        return fanned + attempted

    async def _any(self, query: Any, **parameters: Any) -> bool:
        async with self._reads.connect() as connection:
            found = (await connection.execute(query, parameters)).first() is not None
            await connection.rollback()
            return found

    # --- fanning out ------------------------------------------------------------------------

    async def fan_out(self) -> int:
        """The oldest messages become one delivery per active endpoint subscribed to their type
        (none: the message is dropped); how many messages were taken."""
        if not await self._any(_HAS_MESSAGES):
            return 0
        now = datetime.now(UTC)
        async with self._sessions() as session:
            messages = list(
                await session.scalars(
                    select(WebhookMessage)
                    .order_by(WebhookMessage.id)
                    .limit(FAN_OUT_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            if not messages:
                return 0
            endpoints = list(
                await session.scalars(
                    select(WebhookEndpoint).where(WebhookEndpoint.state == ACTIVE)
                )
            )
            # One DELETE for the batch; the ETags only when an endpoint will hear of settings.
            await session.execute(
                delete(WebhookMessage).where(WebhookMessage.id.in_([m.id for m in messages]))
            )
            wanted = {event for endpoint in endpoints for event in endpoint.events}
            accounts = (
                await self._settings_of(session, messages)
                if EventType.SETTINGS_CHANGED in wanted
                else {}
            )
            for message in messages:
                if message.type not in wanted:
                    continue
                subscribed = [e for e in endpoints if message.type in e.events]
                body = self._body(message, accounts) if subscribed else None
                if body is None:
                    continue
                for endpoint in subscribed:
                    session.add(
                        WebhookDelivery(
                            endpoint_id=endpoint.id,
                            message_id=message.id,
                            type=message.type,
                            body=body,
                            state=PENDING,
                            attempts=0,
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
            await session.commit()
        return len(messages)

    async def _settings_of(
        self, session: AsyncSession, messages: list[WebhookMessage]
    ) -> dict[str, str]:
        """The settings ETag, now, of each account a settings.changed message names: the one the
        settings GET answers (its band by its age, signals included, and the laws applied)."""
        ids = {
            UUID(json.loads(message.data)["account_id"])
            for message in messages
            if message.type == EventType.SETTINGS_CHANGED
        }
        if not ids:
            return {}
        today = datetime.now(UTC).date()
        book = await read_book(session)  # the laws in force, as the settings answer reads them
        accounts = await session.scalars(select(Account).where(Account.id.in_(ids)))
        return {
            str(account.id): settings_etag(
                self._pack,
                account.id,
                account.settings_version,
                self._pack.settings_band(account.age_birthdate, today),
                book.applying_ids(account.country, account.region, today),
            )
            for account in accounts
        }

    def _body(self, message: WebhookMessage, etags: dict[str, str]) -> str | None:
        """The body as it will be signed on every attempt: ``{type, timestamp, data}``, data
        holding the event's fields only; None when there is nothing left to tell (a
        settings.changed of an account since deleted: account.deleted follows)."""
        data: dict[str, Any] = json.loads(message.data)
        if message.type == EventType.SETTINGS_CHANGED:
            etag = etags.get(data["account_id"])
            if etag is None:
                return None
            data["etag"] = etag
        data = {field: data[field] for field in FIELDS[EventType(message.type)]}
        timestamp = message.created_at.isoformat().replace("+00:00", "Z")
        return json.dumps(
            {"type": message.type, "timestamp": timestamp, "data": data}, separators=(",", ":")
        )

    # --- delivering -------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Claim the deliveries due now and attempt them at once; how many were attempted."""
        now = datetime.now(UTC)
        if not await self._any(_HAS_DUE, now=now):
            return 0
        claims = await self._claim(now)
        outcomes = await asyncio.gather(*(self._attempt(claim) for claim in claims))
        await self._record(list(zip(claims, outcomes, strict=True)))
        return len(claims)

    async def _claim(self, now: datetime) -> list[_Claim]:
        async with self._sessions() as session:
            rows = list(
                await session.execute(
                    select(WebhookDelivery, WebhookEndpoint)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(
                        WebhookDelivery.state == PENDING,
                        WebhookDelivery.next_attempt_at <= now,
                        WebhookEndpoint.state == ACTIVE,
                    )
                    .order_by(WebhookDelivery.next_attempt_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True, of=WebhookDelivery)
                )
            )
            claims = []
            for delivery, endpoint in rows:
                delivery.next_attempt_at = now + self._lease
                secrets = [endpoint.secret]
                until = endpoint.previous_secret_until
                if endpoint.previous_secret and until is not None and until > now:
                    secrets.append(endpoint.previous_secret)
                claims.append(
                    _Claim(delivery.id, delivery.message_id, delivery.body, endpoint.url, secrets)
                )
            await session.commit()
        return claims

    async def _attempt(self, claim: _Claim) -> Attempt:
        return await send(
            self._client,
            claim.url,
            str(claim.message_id),
            claim.body.encode(),
            claim.secrets,
            timeout_seconds=self._timeout,
        )

    async def _record(self, outcomes: list[tuple[_Claim, Attempt]]) -> None:
        """The round's outcomes, in one transaction."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            found = await session.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.id.in_([claim.delivery_id for claim, _ in outcomes])
                )
            )
            deliveries = {delivery.id: delivery for delivery in found}
            for claim, attempt in outcomes:
                delivery = deliveries.get(claim.delivery_id)
                if delivery is not None:  # else its endpoint was deleted meanwhile
                    await self._settle(session, delivery, attempt, claim.url, now)
            await session.commit()

    async def _settle(
        self,
        session: AsyncSession,
        delivery: WebhookDelivery,
        attempt: Attempt,
        url: str,
        now: datetime,
    ) -> None:
        delivery.attempts += 1
        delivery.last_status = attempt.status
        delivery.last_attempt_at = now
        if attempt.delivered:
            delivery.state = DELIVERED
            delivery.next_attempt_at = None
        elif attempt.gone:
            # 410: the endpoint is disabled at once; this delivery waits, pending, until the
            # endpoint is enabled again.
            delivery.next_attempt_at = now
            await session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == delivery.endpoint_id)
                .values(state=DISABLED)
            )
            _log.warning("webhook endpoint answered 410: disabled", url=url)
        else:
            wait = next_wait(self._schedule, delivery.attempts, attempt, self._jitter())
            if wait is None:
                delivery.state = FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = now + timedelta(seconds=wait)


async def work(
    engine: AsyncEngine, pack: PolicyPack, settings: Settings, stop: asyncio.Event
) -> None:
    """``family-safety webhooks work``: deliver until ``stop`` is set."""
    worker = WebhookWorker(engine, pack, settings)
    try:
        await worker.run(stop)
    finally:
        await worker.close()
