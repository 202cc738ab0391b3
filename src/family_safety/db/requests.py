"""The lifecycle every request a teen makes of its guardians shares (time requests, setting
requests): a request is ``pending`` until it is settled once; the first decision stands.

``settle`` is the one conditional write that moves a request out of pending, so exactly one of
concurrent deciders wins; the loser is told by its return value and answers its problem
(``request-decided``, ``already-decided``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import InstrumentedAttribute
    from sqlalchemy.sql import ColumnElement

PENDING = "pending"


async def settle(
    session: AsyncSession,
    request: Any,
    *,
    still: tuple[ColumnElement[bool], ...] = (),
    from_status: str = PENDING,
    **values: Any,
) -> bool:
    """Move ``request`` (an ORM row with ``id`` and ``status``) from ``from_status`` to the
    ``values`` given, unless another decision came first, or a condition of ``still`` (such as a
    time request's day) no longer holds: one conditional UPDATE. The row is refreshed either
    way. True when this call moved it."""
    model = type(request)
    id_column: InstrumentedAttribute[Any] = model.id
    status_column: InstrumentedAttribute[Any] = model.status
    result = await session.execute(
        update(model)
        .where(id_column == request.id, status_column == from_status, *still)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(request)
    settled: int = result.rowcount  # type: ignore[attr-defined]  # an UPDATE's result
    return settled == 1
