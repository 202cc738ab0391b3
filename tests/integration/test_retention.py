"""Retention: each item of the pack's retention table is swept once its period is over, never
before, and what is still in use is kept whatever its age; the hourly sweep runs in the app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import DateTime, String, Uuid, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from family_safety.db.engine import create_engine
from family_safety.db.models import (
    Account,
    GuardianLimit,
    GuardianLink,
    IdempotentRequest,
    Notification,
    PairingCodeFailure,
    PairingInvitation,
    RefreshToken,
    RegistrationAttempt,
    Report,
    ScreenTimeDay,
    SignInFailure,
    TimeGrant,
    TimeRequest,
)
from family_safety.domain.policy.pack import RetentionRule, load_default_pack
from family_safety.domain.retention.repository import ITEMS, Item, settled_deliveries
from family_safety.domain.retention.services import (
    RetentionError,
    retention_plan,
    shown,
    sweep,
)
from family_safety.lib.clock import utc_now
from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from family_safety.server.cli import main
from family_safety.server.core import retention_plan as served_plan
from tests.helpers import CHEAP_HASHER, concurrent_app_client

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

Make = Callable[[AsyncSession, uuid.UUID, datetime], object]


class _Rows(list[object]):
    """Rows to insert in this order (each flushed before the next: keys refer back)."""


def _account(session: AsyncSession) -> uuid.UUID:
    account = Account(
        id=uuid.uuid4(),
        handle=f"a{uuid.uuid4().hex[:12]}",
        display_name="A",
        password_hash="x",
        birthdate=date(2011, 1, 1),
    )
    session.add(account)
    return account.id


def _report(account: uuid.UUID, at: datetime, status: str, escalation: str | None) -> Report:
    return Report(
        reporter_id=account,
        category="bullying",
        subject={"type": "account", "id": str(uuid.uuid4())},
        subject_key=uuid.uuid4().hex,
        evidence=[],
        status=status,
        channel="in_app",
        priority="normal",
        priority_rank=2,
        next_steps=[],
        escalation_status=escalation,
        created_at=at,
        updated_at=at,
    )


def _ended_link(session: AsyncSession, account: uuid.UUID, at: datetime, status: str) -> _Rows:
    other = _account(session)
    link = GuardianLink(
        id=uuid.uuid4(),
        guardian_id=other,
        teen_id=account,
        status=status,
        created_at=at - timedelta(days=100),
        ended_at=None if status == "active" else at,
        ends_on=date(2029, 1, 1),
    )
    return _Rows(
        [link, GuardianLimit(link_id=link.id, key="screen_time.daily_limit_minutes", value=30)]
    )


# For each item: a row whose period starts at the moment given (made, expired, ended, ...).
MAKE: dict[str, Make] = {
    "notifications": lambda s, a, at: s.add(
        Notification(account_id=a, kind="link.created", created_at=at, data={})
    ),
    "screen_time_days": lambda s, a, at: s.add(
        ScreenTimeDay(account_id=a, day=at.date(), spans=b"", used_seconds=60)
    ),
    "time_requests": lambda s, a, at: s.add(
        TimeRequest(
            account_id=a,
            kind="extra_time",
            minutes=15,
            status="declined",
            created_at=at,
            expires_after=at.date(),
        )
    ),
    "time_grants": lambda s, a, at: s.add(
        TimeGrant(
            account_id=a,
            kind="extra_time",
            minutes=15,
            day=at.date(),
            starts=at - timedelta(hours=2),
            until=at,
            granted_by=a,
            created_at=at - timedelta(hours=2),
        )
    ),
    "idempotency_records": lambda s, a, at: s.add(
        IdempotentRequest(
            account_id=a,
            route="POST /v1/pairing-invitations",
            key_digest=uuid.uuid4().hex,
            request_digest="d",
            status_code=201,
            sealed_answer=b"sealed",
            created_at=at,
        )
    ),
    "ended_link_limits": lambda s, a, at: _ended_link(s, a, at, "ended"),
    "closed_reports": lambda s, a, at: s.add(_report(a, at, "actioned", None)),
    "sign_in_failures": lambda s, a, at: s.add(
        SignInFailure(handle_digest=uuid.uuid4().hex, client_address="192.0.2.1", at=at)
    ),
    "pairing_code_failures": lambda s, a, at: s.add(PairingCodeFailure(teen_id=a, at=at)),
    "registration_attempts": lambda s, a, at: s.add(
        RegistrationAttempt(client_address="192.0.2.1", at=at)
    ),
    "expired_sign_ins": lambda s, a, at: s.add(
        RefreshToken(
            account_id=a,
            family_id=uuid.uuid4(),
            token_hash=uuid.uuid4().hex,
            created_at=at - timedelta(days=30),
            expires_at=at,
        )
    ),
    "expired_invitations": lambda s, a, at: s.add(
        PairingInvitation(
            guardian_id=a,
            code_hash=uuid.uuid4().hex,
            created_at=at - timedelta(minutes=10),
            expires_at=at,
        )
    ),
}

# Rows kept whatever their age: still in use.
IN_USE: dict[str, Make] = {
    "ended_link_limits": lambda s, a, at: _ended_link(s, a, at, "active"),
    "closed_reports": lambda s, a, at: _Rows(
        [_report(a, at, "in_review", None), _report(a, at, "actioned", "required")]
    ),
}

ITEM = {item.name: item for item in ITEMS}
PACK = load_default_pack()


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _rows(sessions: async_sessionmaker[AsyncSession], item: Item) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(item.model))).scalar_one()


async def _make(sessions, makers: list[tuple[Make, datetime]]) -> None:
    async with sessions() as session, session.begin():
        account = _account(session)
        await session.flush()
        for make, at in makers:
            rows = make(session, account, at)
            for row in rows if isinstance(rows, _Rows) else ():
                session.add(row)
                await session.flush()


def test_every_item_swept_has_a_row_maker_here():
    assert set(MAKE) == set(ITEM)


@pytest.mark.parametrize("name", sorted(MAKE))
async def test_an_item_is_swept_once_its_period_is_over_and_never_before(sessions, settings, name):
    item = ITEM[name]
    period = PACK.retention[name].period
    plan = retention_plan(PACK.retention, settings)
    await _make(sessions, [(MAKE[name], T0), (MAKE[name], T0 + timedelta(days=5))])
    assert await _rows(sessions, item) == 2

    with time_machine.travel(T0 + period - timedelta(minutes=1), tick=False):
        assert await sweep(sessions, plan, utc_now()) == {}
    assert await _rows(sessions, item) == 2, "swept while its period still covered it"

    with time_machine.travel(T0 + period + timedelta(days=3), tick=False):
        deleted = await sweep(sessions, plan, utc_now())
    assert deleted == {name: 1}
    assert await _rows(sessions, item) == 1, "the row made five days later is kept"


@pytest.mark.parametrize("name", sorted(IN_USE))
async def test_what_is_still_in_use_is_kept_whatever_its_age(sessions, settings, name):
    item = ITEM[name]
    plan = retention_plan(PACK.retention, settings)
    await _make(sessions, [(IN_USE[name], T0)])
    before = await _rows(sessions, item)
    assert before > 0

    with time_machine.travel(T0 + timedelta(days=3650), tick=False):
        await sweep(sessions, plan, utc_now())

    assert await _rows(sessions, item) == before


async def test_a_sweep_deletes_in_batches_until_nothing_is_left(sessions, settings):
    plan = retention_plan(PACK.retention, settings)
    await _make(sessions, [(MAKE["notifications"], T0 + timedelta(seconds=n)) for n in range(7)])

    with time_machine.travel(T0 + timedelta(days=200), tick=False):
        deleted = await sweep(sessions, plan, utc_now(), batch=3)

    assert deleted == {"notifications": 7}
    assert await _rows(sessions, ITEM["notifications"]) == 0


def test_the_pack_must_give_every_item_a_period_no_shorter_than_the_service_needs(settings):
    rules = dict(PACK.retention)
    del rules["closed_reports"]
    with pytest.raises(RetentionError, match="no period for closed_reports"):
        retention_plan(rules, settings)
    with pytest.raises(RetentionError, match="nothing is swept as photos"):
        retention_plan(
            {**PACK.retention, "photos": RetentionRule(timedelta(days=1), "x")}, settings
        )
    wide_window = settings.model_copy(update={"sign_in_window_seconds": 3 * 24 * 3600})
    with pytest.raises(RetentionError, match="sign_in_failures"):
        retention_plan(PACK.retention, wide_window)


def test_retention_show_prints_each_item_its_period_and_why(capsys, monkeypatch, settings):
    monkeypatch.setenv("FAMILY_SAFETY_DATABASE_URL", settings.database_url or "")
    assert main(["retention", "show"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == shown(PACK.retention, served_plan(PACK, settings))
    assert "webhook deliveries delivered or given up" in printed  # swept by the service itself
    for name, rule in PACK.retention.items():
        assert f"{name}: {rule.period.days} day" in printed
        assert rule.reason in printed
    assert "webhook_deliveries: 30 days" in printed


async def test_the_app_sweeps_every_interval(settings: Settings, sessions):
    await _make(sessions, [(MAKE["notifications"], T0)])
    app = create_app(
        settings.model_copy(update={"retention_sweep_seconds": 0.05}), hasher=CHEAP_HASHER
    )
    with time_machine.travel(T0 + timedelta(days=91), tick=True):
        async with concurrent_app_client(app):
            for _ in range(200):
                if await _rows(sessions, ITEM["notifications"]) == 0:
                    break
                await asyncio.sleep(0.02)
    assert await _rows(sessions, ITEM["notifications"]) == 0


class _StandIn(DeclarativeBase):
    pass


class StandInDelivery(_StandIn):
    """The columns of the webhooks capability's delivery table that its retention item reads."""

    __tablename__ = "retention_stand_in_delivery"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    state: Mapped[str] = mapped_column(String(16))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def test_webhook_deliveries_settled_are_swept_and_pending_ones_never(sessions, settings):
    async with sessions() as session:
        await session.run_sync(lambda sync: _StandIn.metadata.create_all(sync.connection()))
        await session.commit()
    plan = retention_plan(PACK.retention, settings, extra=[settled_deliveries(StandInDelivery)])
    period = PACK.retention["webhook_deliveries"].period
    async with sessions() as session, session.begin():
        for state, last_attempt in [
            ("delivered", T0),
            ("failed", T0),
            ("pending", T0),
            ("delivered", T0 + timedelta(days=5)),
        ]:
            session.add(
                StandInDelivery(
                    state=state, last_attempt_at=last_attempt, created_at=T0 - timedelta(days=1)
                )
            )

    with time_machine.travel(T0 + period - timedelta(minutes=1), tick=False):
        assert await sweep(sessions, plan, utc_now()) == {}
    with time_machine.travel(T0 + period + timedelta(days=1), tick=False):
        assert await sweep(sessions, plan, utc_now()) == {"webhook_deliveries": 2}

    async with sessions() as session:
        left = (await session.execute(select(StandInDelivery.state))).scalars().all()
    assert sorted(left) == ["delivered", "pending"]
