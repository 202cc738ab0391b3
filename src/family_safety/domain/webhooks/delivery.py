"""One attempt to deliver a message: signed as Standard Webhooks says, sent with the guarded
client (``lib.safe_http``), its answer read only so far; and the wait before the next attempt.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
from standardwebhooks import Webhook

from family_safety.lib.safe_http import UrlNotAllowed

if TYPE_CHECKING:
    from collections.abc import Sequence

ANSWER_BYTES = 4096
"""What is read of an answer at most: its status is all that counts."""
JITTER = 0.1


@dataclass(frozen=True, slots=True)
class Attempt:
    """What came back: the status, or None for no answer in time (or no connection)."""

    status: int | None
    retry_after_seconds: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410


def signatures(secrets: Sequence[str], message_id: str, at: datetime, body: bytes) -> str:
    """``webhook-signature``: one ``v1,`` signature per secret that signs, space-separated (the
    library signs with one secret; its verifier accepts a header holding several)."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets)


def next_wait(
    schedule: Sequence[float], attempts: int, attempt: Attempt, jitter: float
) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones (``jitter`` in [0, 1)
    adds up to 10%), or the longer ``Retry-After`` of a 429 or 503; None after the last step."""
    if attempts > len(schedule):
        return None
    wait = schedule[attempts - 1] * (1 + JITTER * jitter)
    if attempt.status in (429, 503) and attempt.retry_after_seconds is not None:
        wait = max(wait, attempt.retry_after_seconds)
    return wait


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


async def send(
    client: httpx.AsyncClient,
    url: str,
    message_id: str,
    body: bytes,
    secrets: Sequence[str],
    *,
    timeout_seconds: float,
) -> Attempt:
    """POST the message once; no answer within ``timeout_seconds`` in all is no answer."""
    now = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures(secrets, message_id, now, body),
    }
    try:
        async with (
            asyncio.timeout(timeout_seconds),
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= ANSWER_BYTES:
                    break
            return Attempt(
                response.status_code, _retry_after(response.headers.get("retry-after"), now)
            )
    except (httpx.HTTPError, UrlNotAllowed, TimeoutError, OSError):
        return Attempt(None)
