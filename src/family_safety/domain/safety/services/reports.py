"""Filing a report, and the reporter's own reads of their reports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from family_safety.db import outbox
from family_safety.db.models import Report
from family_safety.db.outbox import EventType
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify
from family_safety.domain.safety.categories import choosable, next_steps_for
from family_safety.domain.safety.resources import is_minor
from family_safety.domain.safety.schemas import ReportOut, ReportSummary
from family_safety.domain.safety.services.accounts import lock_account
from family_safety.domain.safety.services.roles import PARTNER, roles_of
from family_safety.lib import problems, rate_limits
from family_safety.lib.pagination import Page, PageRequest, page_of, page_query

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.safety.pack import ReportCategory, SafetyPacks
    from family_safety.domain.safety.schemas import NewReport

REPORTS_PER_HOUR = 20
REPORT_WINDOW = timedelta(hours=1)
DUPLICATE_WINDOW = timedelta(hours=24)

# The provider's duty to report child sexual abuse material: such reports carry, for staff, an
# escalation to NCMEC until staff record it filed; media evidence of it is never accepted.
ESCALATED_CATEGORIES = {"minor_exploitation": "NCMEC"}
NO_MEDIA_CATEGORIES = frozenset({"minor_exploitation"})
MEDIA_EVIDENCE = frozenset({"media_hash"})
URGENT_CATEGORIES = frozenset({"minor_exploitation"})
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}


def _subject_key(subject: dict[str, Any]) -> str:
    content = json.dumps(subject, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def report_view(report: Report) -> ReportOut:
    """The report as its reporter sees it, with its evidence; never the staff's fields."""
    summary = ReportSummary(
        id=report.id,
        category=report.category,
        subject=report.subject,
        description=report.description,
        status=report.status,  # type: ignore[arg-type]
        channel=report.channel,  # type: ignore[arg-type]
        priority=report.priority,  # type: ignore[arg-type]
        created_at=report.created_at,
        updated_at=report.updated_at,
        next_steps=report.next_steps,  # type: ignore[arg-type]
        tells_guardians=report.tells_guardians,
    )
    return ReportOut(**summary.model_dump(), evidence=report.evidence)


def _priority(category: ReportCategory, channel: str, *, minor: bool) -> str:
    if category.id in URGENT_CATEGORIES or minor:
        return "urgent"
    return "high" if channel == PARTNER else "normal"


@dataclass(frozen=True, slots=True)
class ReportService:
    session: AsyncSession
    pack: PolicyPack
    packs: SafetyPacks

    async def file(
        self, reporter: AnyAccount, new: NewReport, now: datetime
    ) -> tuple[ReportOut, bool]:
        """File a report; the answer and whether it is new (False: the same reporter, subject
        and category within 24 hours, answered with the first report)."""
        session = self.session
        minor = is_minor(self.pack, reporter, now.date())
        category = self._category(new, minor=minor)
        subject = new.subject.model_dump(exclude_none=True)
        subject_key = _subject_key(subject)
        # One report at a time per reporter, so that two sent at once cannot both pass the
        # duplicate check or the hourly limit (PostgreSQL; SQLite writers begin IMMEDIATE).
        await lock_account(session, reporter.id)
        first = await session.scalar(
            select(Report)
            .where(
                Report.reporter_id == reporter.id,
                Report.category == category.id,
                Report.subject_key == subject_key,
                Report.created_at > now - DUPLICATE_WINDOW,
            )
            .order_by(Report.created_at)
            .limit(1)
        )
        if first is not None:
            return report_view(first), False
        await rate_limits.refuse_when_over_limits(
            session,
            Report.created_at,
            [(Report.reporter_id == reporter.id, REPORTS_PER_HOUR)],
            window=REPORT_WINDOW,
            now=now,
        )
        channel = PARTNER if PARTNER in await roles_of(session, reporter.id) else "in_app"
        priority = _priority(category, channel, minor=minor)
        steps = next_steps_for(self.packs, category.id, is_minor=minor, country=reporter.country)
        report = Report(
            reporter_id=reporter.id,
            category=category.id,
            subject=subject,
            subject_key=subject_key,
            description=new.description,
            evidence=[item.model_dump(mode="json", exclude_none=True) for item in new.evidence],
            status="received",
            channel=channel,
            priority=priority,
            priority_rank=PRIORITY_RANK[priority],
            next_steps=[step.to_wire() for step in steps],
            tells_guardians=new.tell_guardians,
            escalation_status="required" if category.id in ESCALATED_CATEGORIES else None,
            created_at=now,
            updated_at=now,
        )
        session.add(report)
        await session.flush()
        outbox.enqueue(
            session,
            EventType.REPORT_FILED,
            report_id=report.id,
            category=report.category,
            priority=report.priority,
            channel=report.channel,
        )
        if new.tell_guardians:
            # The category's title and the time: never the subject, the description or the
            # evidence (API.md).
            told = {"title": category.title, "at": now}
            for guardian_id in await active_guardian_ids(session, reporter.id, now.date()):
                notify(session, guardian_id, NotificationKind.REPORT_FILED, told, now)
        await session.commit()
        return report_view(report), True

    def _category(self, new: NewReport, *, minor: bool) -> ReportCategory:
        """The report's category, when this reporter may file it with this evidence and ask for
        guardians to be told; 422 otherwise."""
        category = choosable(self.packs, new.category, is_minor=minor)
        if category is None:
            raise problems.invalid_field("category", "is not a category this account may choose")
        if category.id in NO_MEDIA_CATEGORIES:
            for item in new.evidence:
                if item.kind in MEDIA_EVIDENCE:
                    raise problems.evidence_not_allowed(category.id, item.kind)
        if new.tell_guardians and not minor:
            raise problems.invalid_field("tell_guardians", "is only for teens (13-17)")
        return category

    async def page(self, asked: PageRequest) -> Page[ReportOut]:
        """The reporter's own reports, oldest first."""
        query = select(Report).where(Report.reporter_id == asked.account_id)
        rows = await self.session.scalars(page_query(query, Report.id, asked))
        return page_of(list(rows), asked.limit, lambda row: row.id).map(report_view)

    async def one(self, reporter: AnyAccount, report_id: UUID) -> ReportOut:
        report = await self.session.get(Report, report_id)
        if report is None or report.reporter_id != reporter.id:
            raise problems.not_found()
        return report_view(report)
