"""Closing each request's session, even when its connection broke mid-request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from advanced_alchemy.extensions.litestar.plugins.init.config.asyncio import (
    default_handler_maker,
)
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from litestar.types import BeforeMessageSendHookHandler, Message, Scope

_log = structlog.get_logger("family_safety.db")


def closing_handler(session_scope_key: str) -> BeforeMessageSendHookHandler:
    """advanced-alchemy's before-send handler for this scope key, minus one failure: when the
    database dropped the session's connection, rolling back on close fails too. The answer
    already says 503 (or was sent), and the pool replaces the connection (pre-ping), so this
    must not turn it into a 500."""
    close = default_handler_maker(session_scope_key=session_scope_key)

    async def handler(message: Message, scope: Scope) -> None:
        try:
            await close(message, scope)
        except DBAPIError as exc:
            _log.warning("closing a session whose connection broke", error=type(exc).__name__)

    return handler
