"""Blocks: an account blocks another by handle (at most ``MAX_BLOCKS``), lists and lifts them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from family_safety.db import changes
from family_safety.db.changes import ChangeKind
from family_safety.db.models import Account, Block
from family_safety.domain.safety.schemas import BlockOut
from family_safety.domain.safety.services.accounts import (
    account_by_handle,
    account_summary,
    lock_account,
)
from family_safety.lib import problems
from family_safety.lib.pagination import Page, PageRequest, page_of, page_query

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount

MAX_BLOCKS = 10_000


def block_view(block: Block, blocked: Account) -> BlockOut:
    return BlockOut(account=account_summary(blocked), created_at=block.created_at)


def blocks_query(blocker_id: UUID) -> Select[Block, Account]:
    """The blocks an account made, each with the account it blocks."""
    return (
        select(Block, Account)
        .join(Account, Account.id == Block.blocked_id)
        .where(Block.blocker_id == blocker_id)
    )


@dataclass(frozen=True, slots=True)
class BlockService:
    session: AsyncSession

    async def block(self, blocker: AnyAccount, handle: str, now: datetime) -> tuple[BlockOut, bool]:
        """Block the account with this handle; the block and whether it is new (False: it
        already stood)."""
        session = self.session
        blocked = await account_by_handle(session, handle)
        if blocked is None:
            raise problems.not_found()
        if blocked.id == blocker.id:
            raise problems.invalid_field("handle", "cannot be your own")
        await lock_account(session, blocker.id)  # the limit holds for blocks made at once too
        existing = await self._block(blocker.id, blocked.id)
        if existing is not None:
            return block_view(existing, blocked), False
        count = await session.scalar(
            select(func.count()).select_from(Block).where(Block.blocker_id == blocker.id)
        )
        if (count or 0) >= MAX_BLOCKS:
            raise problems.block_limit_reached(MAX_BLOCKS)
        block = Block(blocker_id=blocker.id, blocked_id=blocked.id, created_at=now)
        session.add(block)
        # Decisions keep each account's blocks in memory: every instance forgets them.
        changes.note(session, blocker.id, ChangeKind.BLOCKS)
        try:
            await session.commit()
        except IntegrityError:
            # The same block, made at the same moment by another request: it stands.
            await session.rollback()
            existing = await self._block(blocker.id, blocked.id)
            if existing is None:
                raise
            return block_view(existing, blocked), False
        return block_view(block, blocked), True

    async def _block(self, blocker_id: UUID, blocked_id: UUID) -> Block | None:
        return await self.session.scalar(
            select(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )

    async def page(self, asked: PageRequest) -> Page[BlockOut]:
        """The blocks the account made, oldest first."""
        query = page_query(blocks_query(asked.account_id), Block.id, asked)
        rows = list((await self.session.execute(query)).all())
        return page_of(rows, asked.limit, lambda row: row[0].id).map(lambda row: block_view(*row))

    async def unblock(self, blocker: AnyAccount, blocked_id: UUID) -> None:
        """Lift a block; lifting one that does not stand changes nothing."""
        await self.session.execute(
            delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id)
        )
        changes.note(self.session, blocker.id, ChangeKind.BLOCKS)
        await self.session.commit()
