"""Safety's use cases: filing and reading reports, working the moderation queue, blocks, roles,
and what a holder's export and erasure hold of them.

Nobody but staff ever learns who reported. The reporter's id is stored on the report and read
back in two places only: the reporter's own reads (``/v1/me/reports``, the export) and the staff
view. Nothing here writes it into a notification, an audit entry or a log line; guardians told of
a teen's report get the category's title and the time, nothing else.

Each use case that changes something commits once, at its end (docs/design.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from family_safety.db.models import Account, AccountRole, Block, Report
from family_safety.domain.accounts.schemas import AccountSummary
from family_safety.domain.links.repository import active_guardian_ids
from family_safety.domain.notifications.kinds import NotificationKind
from family_safety.domain.notifications.services import notify
from family_safety.domain.safety.reports import choosable, next_steps_for
from family_safety.domain.safety.schemas import (
    BlockOut,
    Escalation,
    NewReport,
    ReportChange,
    ReportOut,
    ReportSummary,
    StaffReport,
)
from family_safety.lib import problems, rate_limits
from family_safety.lib.pagination import Page, decode_cursor, encode_cursor, page_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.account_records import AnyAccount
    from family_safety.domain.policy.pack import PolicyPack
    from family_safety.domain.safety.pack import SafetyPacks

ROLES = ("staff", "partner")
STAFF = "staff"
PARTNER = "partner"

MAX_BLOCKS = 10_000
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


def is_minor(pack: PolicyPack, account: AnyAccount, today: date) -> bool:
    """Whether the account is under 18 (a teen band) on today."""
    band = pack.band_for(account.birthdate, today)
    return band is not None and pack.is_teen(band)


def _summary(account: Account) -> AccountSummary:
    return AccountSummary(id=account.id, handle=account.handle, display_name=account.display_name)


def _subject_key(subject: dict[str, Any]) -> str:
    content = json.dumps(subject, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _summary_view(report: Report) -> ReportSummary:
    return ReportSummary(
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


def report_view(report: Report) -> ReportOut:
    """The report as its reporter sees it, with its evidence; never the staff's fields."""
    return ReportOut(**_summary_view(report).model_dump(), evidence=report.evidence)


def staff_view(report: Report, reporter: Account | None) -> StaffReport:
    return StaffReport(
        **report_view(report).model_dump(),
        reporter=None if reporter is None else _summary(reporter),
        resolution=report.resolution,
        escalation=None
        if report.escalation_status is None
        else Escalation(
            to=ESCALATED_CATEGORIES.get(report.category, "NCMEC"),  # type: ignore[arg-type]
            status=report.escalation_status,  # type: ignore[arg-type]
        ),
    )


async def _lock_account(session: AsyncSession, account_id: UUID) -> None:
    """Hold the account's row until the transaction ends (FOR UPDATE; SQLite has no row locks
    and needs none: its writers take the database lock when they begin)."""
    await session.execute(select(Account.id).where(Account.id == account_id).with_for_update())


# --- roles ----------------------------------------------------------------------------------


class UnknownHandle(LookupError):
    """No account has this handle."""


async def roles_of(session: AsyncSession, account_id: UUID) -> frozenset[str]:
    return frozenset(
        await session.scalars(select(AccountRole.role).where(AccountRole.account_id == account_id))
    )


async def _account_by_handle(session: AsyncSession, handle: str) -> Account | None:
    return await session.scalar(select(Account).where(Account.handle == handle.lower()))


async def grant_role(session: AsyncSession, handle: str, role: str, now: datetime) -> bool:
    """An operator grants a role (``family-safety roles grant``); False when it already stood."""
    if role not in ROLES:
        raise ValueError(f"not a role: {role!r}")
    account = await _account_by_handle(session, handle)
    if account is None:
        raise UnknownHandle(handle)
    if await session.get(AccountRole, (account.id, role)) is not None:
        return False
    session.add(AccountRole(account_id=account.id, role=role, granted_at=now))
    await session.commit()
    return True


async def revoke_role(session: AsyncSession, handle: str, role: str) -> bool:
    """An operator takes a role back; False when the account did not have it."""
    if role not in ROLES:
        raise ValueError(f"not a role: {role!r}")
    account = await _account_by_handle(session, handle)
    if account is None:
        raise UnknownHandle(handle)
    result = await session.execute(
        delete(AccountRole).where(AccountRole.account_id == account.id, AccountRole.role == role)
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- reports --------------------------------------------------------------------------------


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
        category = choosable(self.packs, new.category, is_minor=minor)
        if category is None:
            raise problems.invalid_field("category", "not a category this account may choose")
        if category.id in NO_MEDIA_CATEGORIES:
            for item in new.evidence:
                if item.kind in MEDIA_EVIDENCE:
                    raise problems.evidence_not_allowed(category.id, item.kind)
        if new.tell_guardians and not minor:
            raise problems.invalid_field("tell_guardians", "only teens (13-17) tell guardians")
        subject = new.subject.model_dump(exclude_none=True)
        subject_key = _subject_key(subject)
        # One report at a time per reporter, so that two sent at once cannot both pass the
        # duplicate check or the hourly limit (PostgreSQL; SQLite writers begin IMMEDIATE).
        await _lock_account(session, reporter.id)
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
        if category.id in URGENT_CATEGORIES or minor:
            priority = "urgent"
        elif channel == PARTNER:
            priority = "high"
        else:
            priority = "normal"
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
        if new.tell_guardians:
            # The category's title and the time: never the subject, the description or the
            # evidence (API.md).
            told = {"title": category.title, "at": now.isoformat()}
            for guardian_id in await active_guardian_ids(session, reporter.id, now.date()):
                notify(session, guardian_id, NotificationKind.REPORT_FILED, told, now)
        await session.commit()
        return report_view(report), True

    async def page(self, reporter: AnyAccount, limit: int, cursor: str | None) -> Page[ReportOut]:
        query = select(Report).where(Report.reporter_id == reporter.id)
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(Report.id > after)
        rows = list(await self.session.scalars(query.order_by(Report.id).limit(limit + 1)))
        page = page_of(rows, limit, lambda row: row.id)
        return Page(items=[report_view(row) for row in page.items], next_cursor=page.next_cursor)

    async def one(self, reporter: AnyAccount, report_id: UUID) -> ReportOut:
        report = await self.session.get(Report, report_id)
        if report is None or report.reporter_id != reporter.id:
            raise problems.not_found()
        return report_view(report)


# --- moderation -----------------------------------------------------------------------------


def _queue_position(position: str) -> tuple[int, datetime, UUID]:
    rank, at, report_id = position.split("|")
    return int(rank), datetime.fromisoformat(at), UUID(report_id)


@dataclass(frozen=True, slots=True)
class ModerationService:
    session: AsyncSession

    async def queue(
        self, status: str | None, channel: str | None, limit: int, cursor: str | None
    ) -> Page[StaffReport]:
        """Most urgent first (urgent, high, normal), oldest first within each."""
        query = select(Report, Account).outerjoin(Account, Account.id == Report.reporter_id)
        if status is not None:
            query = query.where(Report.status == status)
        if channel is not None:
            query = query.where(Report.channel == channel)
        if cursor is not None:
            position = decode_cursor(cursor, _queue_position)
            assert position is not None
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
        rows = list((await self.session.execute(query.limit(limit + 1))).all())
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if has_more:
            last = rows[-1][0]
            next_cursor = encode_cursor(
                f"{last.priority_rank}|{last.created_at.isoformat()}|{last.id}"
            )
        return Page(
            items=[staff_view(report, reporter) for report, reporter in rows],
            next_cursor=next_cursor,
        )

    async def change(self, report_id: UUID, change: ReportChange, now: datetime) -> StaffReport:
        """Staff change a report's status (the reporter is told the new status, nothing else)
        or record its escalation filed."""
        session = self.session
        report = await session.get(Report, report_id)
        if report is None:
            raise problems.not_found()
        if change.escalation is not None and report.escalation_status is None:
            raise problems.invalid_field("escalation", "this report needs no escalation")
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


# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockService:
    session: AsyncSession

    async def block(self, blocker: AnyAccount, handle: str, now: datetime) -> tuple[BlockOut, bool]:
        """Block the account with this handle; the block and whether it is new (False: it
        already stood)."""
        session = self.session
        blocked = await _account_by_handle(session, handle)
        if blocked is None:
            raise problems.not_found()
        if blocked.id == blocker.id:
            raise problems.invalid_field("handle", "an account cannot block itself")
        await _lock_account(session, blocker.id)  # the limit holds for blocks made at once too
        existing = await self._block(blocker.id, blocked.id)
        if existing is not None:
            return BlockOut(account=_summary(blocked), created_at=existing.created_at), False
        count = await session.scalar(
            select(func.count()).select_from(Block).where(Block.blocker_id == blocker.id)
        )
        if (count or 0) >= MAX_BLOCKS:
            raise problems.block_limit_reached(MAX_BLOCKS)
        block = Block(blocker_id=blocker.id, blocked_id=blocked.id, created_at=now)
        session.add(block)
        try:
            await session.commit()
        except IntegrityError:
            # The same block, made at the same moment by another request: it stands.
            await session.rollback()
            existing = await self._block(blocker.id, blocked.id)
            if existing is None:
                raise
            return BlockOut(account=_summary(blocked), created_at=existing.created_at), False
        return BlockOut(account=_summary(blocked), created_at=block.created_at), True

    async def _block(self, blocker_id: UUID, blocked_id: UUID) -> Block | None:
        return await self.session.scalar(
            select(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )

    async def page(self, blocker: AnyAccount, limit: int, cursor: str | None) -> Page[BlockOut]:
        query = (
            select(Block, Account)
            .join(Account, Account.id == Block.blocked_id)
            .where(Block.blocker_id == blocker.id)
        )
        if (after := decode_cursor(cursor, UUID)) is not None:
            query = query.where(Block.id > after)
        rows = list((await self.session.execute(query.order_by(Block.id).limit(limit + 1))).all())
        page = page_of(rows, limit, lambda row: row[0].id)
        return Page(
            items=[
                BlockOut(account=_summary(account), created_at=block.created_at)
                for block, account in page.items
            ],
            next_cursor=page.next_cursor,
        )

    async def unblock(self, blocker: AnyAccount, blocked_id: UUID) -> None:
        """Lift a block; lifting one that does not stand changes nothing."""
        await self.session.execute(
            delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked_id)
        )
        await self.session.commit()


# --- data rights ----------------------------------------------------------------------------


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
    blocks = await session.execute(
        select(Block, Account)
        .join(Account, Account.id == Block.blocked_id)
        .where(Block.blocker_id == account_id)
        .order_by(Block.id)
    )
    return SafetyExport(
        reports=[report_view(report) for report in reports],
        blocks=[
            BlockOut(account=_summary(account), created_at=block.created_at)
            for block, account in blocks
        ],
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
