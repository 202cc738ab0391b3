"""Pages: every list answer is ``{items, next_cursor}``, oldest first, walked by a cursor."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from litestar.params import Parameter

from family_safety import problems

T = TypeVar("T")
P = TypeVar("P")

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


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, convert: Callable[[str], P]) -> P | None:
    """The position after which the page starts; a cursor this service did not make is 422."""
    if cursor is None:
        return None
    try:
        return convert(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise problems.invalid_field("cursor", "not a cursor of this list") from exc


def page_of(rows: list[T], limit: int, position_of: Callable[[T], object]) -> Page[T]:
    """Build a page from up to ``limit + 1`` rows fetched after the cursor."""
    has_more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor(str(position_of(items[-1]))) if has_more else None
    return Page(items=items, next_cursor=next_cursor)
