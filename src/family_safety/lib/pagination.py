"""Pages: every list answer is ``{items, next_cursor}``, oldest first, walked by a cursor.

A cursor is the position of the last item of a page, signed (HMAC-SHA-256) for the caller and
the list it came from: any other cursor is 422, so no forged value (a number past a column's
range, another account's position) reaches a query. The key is derived from the signing keyring,
which every instance shares, so a cursor made by one instance walks on another; a cursor signed
by a key since removed from the keyring is refused like any other.

``CursorScopeMiddleware`` states, per request, who is asking and which list (the path); the
functions below sign and check against it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar
from uuid import UUID

from litestar import Request, get
from litestar.di import NamedDependency, Provide
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.params import Parameter, SkipValidation

from family_safety.lib import problems

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.orm import QueryableAttribute

    from family_safety.lib.security.keyring import Keyring

T = TypeVar("T")
U = TypeVar("U")
P = TypeVar("P")
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")  # a select of any columns

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

Limit = Annotated[
    int,
    Parameter(ge=1, le=MAX_LIMIT, description="Items per page, 1 to 100."),
]
Cursor = Annotated[
    str | None,
    Parameter(max_length=200, description="`next_cursor` of the previous page."),
]


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted (a row to its answer)."""
        return Page(items=[convert(item) for item in self.items], next_cursor=self.next_cursor)


_MAC_BYTES = 16
_KEY_PURPOSE = b"family_safety pagination cursor v1"
_derived_keys: dict[str, bytes] = {}


@dataclass(frozen=True, slots=True)
class CursorScope:
    """Who walks which list: cursors are signed with ``keys[0]``, checked against each key."""

    keys: tuple[bytes, ...]
    caller: str
    list_path: str

    def mac(self, key: bytes, position: bytes) -> bytes:
        message = b"\0".join((self.caller.encode(), self.list_path.encode(), position))
        return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


_scope: ContextVar[CursorScope] = ContextVar("cursor_scope")


def cursor_keys(keyring: Keyring) -> tuple[bytes, ...]:
    """One cursor key per signing key, the active one first."""
    ordered = [keyring.active, *(key for key in keyring.keys if key is not keyring.active)]
    keys = []
    for key in ordered:
        if (derived := _derived_keys.get(key.kid)) is None:
            secret = key.private_key.private_bytes_raw()
            derived = _derived_keys[key.kid] = hmac.new(secret, _KEY_PURPOSE, "sha256").digest()
        keys.append(derived)
    return tuple(keys)


class CursorScopeMiddleware(ASGIMiddleware):
    """After authentication: the caller's account and the list's path scope every cursor."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        user = scope.get("user")
        keyring = scope["app"].state.components.signer.keyring
        token = _scope.set(
            CursorScope(
                keys=cursor_keys(keyring),
                caller=str(getattr(user, "id", "anonymous")),
                list_path=scope["path"],
            )
        )
        try:
            await next_app(scope, receive, send)
        finally:
            _scope.reset(token)


CURSOR_SCOPE = [CursorScopeMiddleware()]
"""The ``middleware`` of every route that takes a ``cursor`` (only those: the hot paths pay for
no layer they do not use)."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(position: str) -> str:
    scope = _scope.get()
    raw = position.encode()
    return f"{_b64encode(raw)}.{_b64encode(scope.mac(scope.keys[0], raw))}"


def decode_cursor(cursor: str | None, convert: Callable[[str], P]) -> P | None:
    """The position after which the page starts; a cursor this service did not issue to this
    caller for this list is 422."""
    if cursor is None:
        return None
    refused = problems.invalid_field("cursor", "is not a cursor of this list")
    scope = _scope.get()
    encoded_position, _, encoded_mac = cursor.partition(".")
    try:
        position, mac = _b64decode(encoded_position), _b64decode(encoded_mac)
    except (binascii.Error, ValueError) as exc:
        raise refused from exc
    if not any(hmac.compare_digest(mac, scope.mac(key, position)) for key in scope.keys):
        raise refused
    try:
        return convert(position.decode())
    except (UnicodeDecodeError, ValueError) as exc:
        raise refused from exc


def page_of(rows: list[T], limit: int, position_of: Callable[[T], object]) -> Page[T]:
    """Build a page from up to ``limit + 1`` rows fetched after the cursor."""
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor(str(position_of(items[-1]))) if has_more else None
    return Page(items=items, next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page of a list the signed-in caller asks for: of their own entries by default."""

    account_id: UUID
    limit: int
    cursor: str | None


def provide_page_request(
    request: Request[Any, Any, Any], limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> PageRequest:
    return PageRequest(account_id=request.user.id, limit=limit, cursor=cursor)


RequestedPage = NamedDependency[SkipValidation[PageRequest]]


def list_route(
    path: str | None = None, *, summary: str, problems_of: tuple[int, ...] = (401, 422), **kw: Any
) -> Callable[[Callable[..., Any]], HTTPRouteHandler]:
    """A signed-in caller's GET of one page of a list (``{items, next_cursor}``): its ``limit``
    and ``cursor`` come as ``page`` (a ``RequestedPage``), its cursors are scoped to the caller
    and the list, and its problems are documented (``problems_of``)."""
    return get(
        path,
        summary=summary,
        responses=problems.problem_responses(*problems_of),
        middleware=CURSOR_SCOPE,
        dependencies={"page": Provide(provide_page_request, sync_to_thread=False)},
        **kw,
    )


def page_query(
    query: S, id_column: ColumnElement[UUID] | QueryableAttribute[UUID], asked: PageRequest
) -> S:
    """A list ordered by a UUID id, one page of it: the rows after the cursor's id, and one row
    more than the page (for ``page_of`` to tell whether another follows)."""
    if (after := decode_cursor(asked.cursor, UUID)) is not None:
        query = query.where(id_column > after)
    return query.order_by(id_column).limit(asked.limit + 1)
