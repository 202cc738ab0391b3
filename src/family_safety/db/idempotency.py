"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) for requests that create things.

A retry with the same key and body gets the first answer and creates nothing; the same key with
another body is 422; a retry while the first is still running is 409. Answers are kept 24 hours.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from cryptography.fernet import Fernet
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from family_safety.db.models import IdempotentRequest
from family_safety.lib import problems
from family_safety.lib.clock import utc_now

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

KEEP_ANSWERS_FOR = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=1)
MAX_KEY_LENGTH = 255


def _sealer(key: str) -> Fernet:
    derived = hashlib.sha256(b"family_safety idempotency answer\0" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


async def once(
    session: AsyncSession,
    *,
    account_id: UUID,
    route: str,
    key: str | None,
    request_body: Any,
    run: Callable[[], Awaitable[Any]],
    encode: Callable[[Any], Any],
) -> Any:
    """Run ``run()`` unless this key already has an answer: what ``run`` returned, or its
    ``encode``d JSON form when replayed. Claims the key in a transaction of its own first."""
    if key is None:
        return await run()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise problems.invalid_field(
            "Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} printable characters"
        )
    now = utc_now()
    key_digest = hashlib.sha256(key.encode()).hexdigest()
    request_digest = hashlib.sha256(msgspec.json.encode(request_body, order="sorted")).hexdigest()
    where = (
        IdempotentRequest.account_id == account_id,
        IdempotentRequest.route == route,
        IdempotentRequest.key_digest == key_digest,
    )
    await session.execute(
        delete(IdempotentRequest).where(
            *where[:2],
            (IdempotentRequest.created_at < now - KEEP_ANSWERS_FOR)
            | (
                IdempotentRequest.status_code.is_(None)
                & (IdempotentRequest.created_at < now - ABANDONED_AFTER)
            ),
        )
    )
    existing = await session.scalar(select(IdempotentRequest).where(*where))
    if existing is not None:
        await session.commit()  # the clean-up above
        if existing.request_digest != request_digest:
            raise problems.idempotency_key_reused()
        if existing.status_code is None or existing.sealed_answer is None:
            raise problems.request_in_progress()
        return msgspec.json.decode(_sealer(key).decrypt(existing.sealed_answer))
    session.add(
        IdempotentRequest(
            account_id=account_id,
            route=route,
            key_digest=key_digest,
            request_digest=request_digest,
            created_at=now,
        )
    )
    try:
        await session.commit()
    except IntegrityError as exc:  # the same key, at the same moment
        await session.rollback()
        raise problems.request_in_progress() from exc
    try:
        answer = await run()
    except BaseException:
        await session.rollback()
        await session.execute(delete(IdempotentRequest).where(*where))
        await session.commit()
        raise
    sealed = _sealer(key).encrypt(msgspec.json.encode(encode(answer)))
    await session.execute(
        update(IdempotentRequest).where(*where).values(status_code=201, sealed_answer=sealed)
    )
    await session.commit()
    return answer
