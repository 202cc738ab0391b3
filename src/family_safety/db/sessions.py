"""Closing each request's session, even when its connection broke mid-request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from advanced_alchemy.extensions.litestar.plugins.init.config.asyncio import (
    default_before_send_handler,
)
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from litestar.types import Message, Scope

_log = structlog.get_logger("family_safety.db")


async def close_session_before_send(message: Message, scope: Scope) -> None:
    """advanced-alchemy's handler, minus one failure: when the database dropped the session's
    connection, rolling back on close fails too. The answer already says 503 (or was sent), and
    the pool replaces the connection (pre-ping), so this must not turn it into a 500."""
    try:
        await default_before_send_handler(message, scope)
    except DBAPIError as exc:
        _log.warning("closing a session whose connection broke", error=type(exc).__name__)
