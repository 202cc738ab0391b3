"""The staff's queue: every report, most urgent first, with its reporter; changing a report's
status (its reporter is told) and recording its escalation filed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import and_, or_, select

from family_safety.db.models import Account, Report
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify
from family_safety.domain.safety.schemas import Escalation, StaffReport
from family_safety.domain.safety.services.accounts import account_summary
from family_safety.domain.safety.services.reports import ESCALATED_CATEGORIES, report_view
from family_safety.lib import problems
from family_safety.lib.pagination import Page, PageRequest, decode_cursor, page_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.domain.safety.schemas import ReportChange


def staff_view(report: Report, reporter: Account | None) -> StaffReport:
    return StaffReport(
        **report_view(report).model_dump(),
        reporter=None if reporter is None else account_summary(reporter),
        resolution=report.resolution,
        escalation=None
        if report.escalation_status is None
        else Escalation(
            to=ESCALATED_CATEGORIES.get(report.category, "NCMEC"),  # type: ignore[arg-type]
            status=report.escalation_status,  # type: ignore[arg-type]
        ),
    )


def _queue_position(position: str) -> tuple[int, datetime, UUID]:
    rank, at, report_id = position.split("|")
    return int(rank), datetime.fromisoformat(at), UUID(report_id)


def _position_of(report: Report) -> str:
    return f"{report.priority_rank}|{report.created_at.isoformat()}|{report.id}"


@dataclass(frozen=True, slots=True)
class ModerationService:
    session: AsyncSession

    async def queue(
        self, status: str | None, channel: str | None, asked: PageRequest
    ) -> Page[StaffReport]:
        """Most urgent first (urgent, high, normal), oldest first within each."""
        query = select(Report, Account).outerjoin(Account, Account.id == Report.reporter_id)
        if status is not None:
            query = query.where(Report.status == status)
        if channel is not None:
            query = query.where(Report.channel == channel)
        if (position := decode_cursor(asked.cursor, _queue_position)) is not None:
            rank, at, report_id = position
            query = query.where(
                or_(
                    Report.priority_rank > rank,
                    and_(
                        Report.priority_rank == rank,
                        or_(
                            Report.created_at > at,
                            and_(Report.created_at == at, Report.id > report_id),
                        ),
                    ),
                )
            )
        query = query.order_by(Report.priority_rank, Report.created_at, Report.id)
        rows = list((await self.session.execute(query.limit(asked.limit + 1))).all())
        page = page_of(rows, asked.limit, lambda row: _position_of(row[0]))
        return page.map(lambda row: staff_view(*row))

    async def change(self, report_id: UUID, change: ReportChange, now: datetime) -> StaffReport:
        """Staff change a report's status (the reporter is told the new status, nothing else)
        or record its escalation filed."""
        session = self.session
        report = await session.get(Report, report_id)
        if report is None:
            raise problems.not_found()
        if change.escalation is not None and report.escalation_status is None:
            raise problems.invalid_field("escalation", "is not needed for this report")
        if change.escalation is not None:
            report.escalation_status = change.escalation
        if change.status is not None:
            if change.status != report.status and report.reporter_id is not None:
                notify(
                    session,
                    report.reporter_id,
                    NotificationKind.REPORT_UPDATED,
                    {"report_id": str(report.id), "status": change.status},
                    now,
                )
            report.status = change.status
            if change.resolution is not None:
                report.resolution = change.resolution
        report.updated_at = now
        await session.commit()
        reporter = (
            None if report.reporter_id is None else await session.get(Account, report.reporter_id)
        )
        return staff_view(report, reporter)
