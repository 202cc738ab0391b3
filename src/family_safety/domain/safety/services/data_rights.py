"""What safety holds of an account, for its holder's export and erasure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from family_safety.db.models import AccountRole, Block, Report
from family_safety.domain.safety.services.blocks import block_view, blocks_query
from family_safety.domain.safety.services.reports import report_view
from family_safety.domain.safety.services.roles import roles_of

if TYPE_CHECKING:
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.safety.schemas import BlockOut, ReportOut


@dataclass(frozen=True, slots=True)
class SafetyExport:
    reports: list[ReportOut]
    blocks: list[BlockOut]
    roles: list[str]


async def export_of(session: AsyncSession, account_id: UUID) -> SafetyExport:
    """What safety holds of an account, as its holder may take it away: the reports it filed
    (never reports about it), the blocks it made, and its roles."""
    reports = await session.scalars(
        select(Report).where(Report.reporter_id == account_id).order_by(Report.id)
    )
    blocks = await session.execute(blocks_query(account_id).order_by(Block.id))
    return SafetyExport(
        reports=[report_view(report) for report in reports],
        blocks=[block_view(block, account) for block, account in blocks],
        roles=sorted(await roles_of(session, account_id)),
    )


async def forget(session: AsyncSession, account_id: UUID) -> None:
    """Before an account is deleted, in the caller's transaction: its reports stay for staff,
    anonymised (no reporter); its blocks go, both directions; its roles go. (The foreign keys
    say the same; this does not depend on them being enforced.)"""
    await session.execute(
        update(Report).where(Report.reporter_id == account_id).values(reporter_id=None)
    )
    await session.execute(
        delete(Block).where((Block.blocker_id == account_id) | (Block.blocked_id == account_id))
    )
    await session.execute(delete(AccountRole).where(AccountRole.account_id == account_id))
