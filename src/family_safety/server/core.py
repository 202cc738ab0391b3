"""The service as one Litestar plugin: its components, routes, middleware, lifespans and
plugins, wired in ``ApplicationCore.on_app_init``; and ``front``, the ASGI layers in front of
Litestar (the request log and the lane). ``app.create_app`` builds the app with it."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

import structlog
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.plugins import InitPluginProtocol
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db import changes, migrations
from family_safety.db.changes import ChangeBus, MemoryTrust, session_info
from family_safety.db.engine import create_engine
from family_safety.db.hot_reads import HotPathReader
from family_safety.db.memory import MemoryRules
from family_safety.db.models.webhooks import WebhookDelivery
from family_safety.db.postgres import PostgresPool
from family_safety.db.sessions import closing_handler
from family_safety.db.writes import Announcer, Writer
from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import SettingsAnswers, typical_answers
from family_safety.domain.age_signals.hot_path import TrustedIssuers
from family_safety.domain.age_signals.services import sweep_receipts_now
from family_safety.domain.ages import birthdays, holds
from family_safety.domain.auth.middleware import BearerAuthenticationMiddleware
from family_safety.domain.auth.signed_in import SignedInAccounts
from family_safety.domain.components import Components
from family_safety.domain.decisions.hot_path import Decisions
from family_safety.domain.dependencies import DEPENDENCIES, PUBLIC_ROUTE_OPT
from family_safety.domain.family_center.routes import family_center_routers, template_config
from family_safety.domain.laws.hot_path import LawsInForce
from family_safety.domain.metrics.services import register_service_gauges
from family_safety.domain.policy.pack import load_default_pack
from family_safety.domain.retention import services as retention
from family_safety.domain.retention.repository import settled_deliveries
from family_safety.domain.safety.matching import default_matcher
from family_safety.domain.safety.pack import load_default_packs
from family_safety.domain.screen_time.hot_path import ScreenTimeStatuses
from family_safety.domain.webhooks.repository import queue_counts
from family_safety.domain.webhooks.worker import WebhookWorker
from family_safety.lib.background import running
from family_safety.lib.clock import utc_now, utc_today
from family_safety.lib.config import Environment, Freshness, Settings
from family_safety.lib.metrics import WEBHOOK_DELIVERIES, Metrics
from family_safety.lib.request_body import RequestBodyGate
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.passwords import PasswordHasher
from family_safety.lib.security.token_cache import VerifiedTokenCache
from family_safety.lib.security.tokens import TokenSigner
from family_safety.server.hot_routes import HotRoutes
from family_safety.server.logs import RequestLog, configure_logging, write_logs_here
from family_safety.server.routes import ROUTES

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar import Litestar
    from litestar.config.app import AppConfig
    from litestar.types import ASGIApp, Middleware
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine

    from family_safety.domain.policy.pack import PolicyPack


_log = structlog.get_logger("family_safety")


def ensure_keyring(settings: Settings) -> bool:
    """Outside production, a missing keyring is generated. True when it was."""
    path = settings.resolved_keyring_path
    if path.exists() or settings.environment == Environment.PRODUCTION:
        return False
    create_keyring(path)
    return True


def _signer(settings: Settings) -> TokenSigner:
    if ensure_keyring(settings):
        _log.info("generated a signing keyring", path=str(settings.resolved_keyring_path))
    path = settings.resolved_keyring_path
    return TokenSigner(
        load_keyring(path),
        issuer=settings.issuer,
        keyring_path=path,
        check_every_seconds=settings.keyring_check_seconds,
    )


MIDDLEWARE: list[Middleware] = [
    DefineMiddleware(
        BearerAuthenticationMiddleware,
        exclude=["^/schema"],
        exclude_from_auth_key=PUBLIC_ROUTE_OPT,
    ),
    # After authentication: a request without a token is 401 before its body is read.
    RequestBodyGate(),
]
"""The application's middleware, on every route. The lane (server/hot_routes.py) answers two
routes without them: tests/integration/test_hot_routes.py lists what it honours instead."""


def retention_plan(pack: PolicyPack, settings: Settings) -> tuple[retention.Swept, ...]:
    """What the hourly sweep and ``family-safety retention`` delete, item by item, the webhook
    deliveries' included."""
    return retention.retention_plan(
        pack.retention, settings, extra=(settled_deliveries(WebhookDelivery),)
    )


class ApplicationCore(InitPluginProtocol):
    """Everything the service is made of, for the settings given; ``hasher`` replaces the
    argon2id parameters the settings name (tests use a cheap one)."""

    def __init__(
        self,
        settings: Settings,
        *,
        hasher: PasswordHasher | None = None,
        span_exporter: SpanExporter | None = None,
    ) -> None:
        self.settings = settings
        self._hasher = hasher
        self._span_exporter = span_exporter  # tests: where spans go instead of OTEL_*'s
        self._tracer_provider: TracerProvider | None = None
        # Loaded first: a broken pack stops the start, naming the file and the line.
        self.pack: PolicyPack = load_default_pack()
        # What is kept how long: a retention table that does not fit stops the start too.
        self.retention = retention_plan(self.pack, settings)
        self.components: Components | None = None

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        settings = self.settings
        # Rendered and written off the event loop while serving; at the end of the lifespan,
        # every line logged so far is written.
        configure_logging(settings.log_level, as_json=settings.log_json, off_the_loop=True)
        engine = self._engine = create_engine(settings)
        on_postgresql = engine.url.get_backend_name() == "postgresql"
        # The hot path's reads and the lean writes, on asyncpg itself (SQLite: sqlite3 itself).
        self._postgres = (
            PostgresPool.for_engine(engine, settings.hot_pool_size) if on_postgresql else None
        )
        components = self.components = self._components(engine, self._postgres)
        register_service_gauges(components.metrics, components, engine, self._postgres)
        sessions = components.sessions

        async def webhook_queue() -> dict[tuple[str, ...], float]:
            async with sessions() as db:
                return {(state,): count for state, count in (await queue_counts(db)).items()}

        components.metrics.gauge(WEBHOOK_DELIVERIES, webhook_queue)
        alchemy = SQLAlchemyAsyncConfig(
            engine_instance=engine,
            session_config=AsyncSessionConfig(
                expire_on_commit=False, info=session_info(components.changes)
            ),
            set_default_exception_handler=False,
        )
        # Its scope key is made unique per config, so the handler is built for that key.
        alchemy.before_send_handler = closing_handler(alchemy.session_scope_key)
        app_config.plugins.append(SQLAlchemyPlugin(config=alchemy))
        app_config.route_handlers.extend(
            [
                *ROUTES,
                # The Family Center pages: their own session cookie, CSRF and CSP (family_center/).
                *family_center_routers(settings, components.signer.keyring),
            ]
        )
        app_config.template_config = template_config()
        app_config.middleware.extend(MIDDLEWARE)
        app_config.dependencies.update(DEPENDENCIES)
        if settings.otel:  # else nothing of OpenTelemetry is imported (server/tracing.py)
            from family_safety.server.tracing import tracer_provider

            self._tracer_provider = tracer_provider(self._span_exporter)
        app_config.lifespan.extend(
            [
                self._write_every_line_at_the_end,
                self._export_every_span_at_the_end,
                self._refuse_unmigrated_database,
                self._read_laws_statuses,
                self._hear_other_instances,
                self._end_links_at_18,
                self._sweep_what_retention_no_longer_covers,
                self._deliver_webhooks,
            ]
        )
        app_config.state = State({"components": components, "alchemy": alchemy})
        return app_config

    def front(self, app: ASGIApp) -> ASGIApp:
        """Around everything, unrouted requests included: one log line per request. Inside it,
        in front of Litestar's router: the lane, answering the two hot reads when it can in full.
        """
        assert self.components is not None, "the app is built (on_app_init) first"
        logged = RequestLog(app, HotRoutes(self.components), self.components.metrics)
        if self._tracer_provider is None:
            return logged
        from family_safety.server.tracing import traced

        return traced(logged, self._tracer_provider)

    def _components(self, engine: AsyncEngine, postgres: PostgresPool | None) -> Components:
        settings, pack = self.settings, self.pack
        reader = HotPathReader(engine, postgres)
        bus = ChangeBus(connected=postgres is None)
        # What each process keeps in memory while nothing says it changed (or reads every time).
        trust = MemoryTrust(bus, reader, keep=settings.freshness == Freshness.NOTIFY)
        announcer = Announcer(changes.CHANNEL, bus.notify_payload, bus.publish)
        signer = _signer(settings)
        laws = LawsInForce(reader, bus, trust)
        settings_answers = SettingsAnswers(
            pack,
            laws,
            reader,
            SettingsAnswerCache(
                settings.settings_cache_megabytes * 1024 * 1024, typical_answers(pack)
            ),
        )
        rules = MemoryRules(bus, trust, max_entries=settings.signed_in_cache_entries)
        screen_time_statuses = ScreenTimeStatuses(pack, settings_answers, reader, rules)
        return Components(
            settings=settings,
            pack=pack,
            hasher=self._hasher
            or PasswordHasher(
                memory_kib=settings.password_hash_memory_kib,
                time_cost=settings.password_hash_time_cost,
                workers=settings.password_hash_workers,
                queue=settings.password_hash_queue,
            ),
            signer=signer,
            tokens=VerifiedTokenCache(signer, settings.token_cache_entries),
            reader=reader,
            writer=Writer(engine, announcer, postgres),
            settings_answers=settings_answers,
            screen_time_statuses=screen_time_statuses,
            sessions=async_sessionmaker(engine, expire_on_commit=False, info=session_info(bus)),
            changes=bus,
            signed_in=SignedInAccounts(reader, rules),
            # The safety packs are checked like the policy pack: a broken one stops the start.
            safety=load_default_packs(),
            interventions=default_matcher(),
            metrics=Metrics(),
            decisions=Decisions(pack, reader, settings_answers, screen_time_statuses, laws, rules),
            laws=laws,
            age_issuers=TrustedIssuers(reader, settings.age_signal_checks_per_second),
        )

    @asynccontextmanager
    async def _refuse_unmigrated_database(self, _app: Litestar) -> AsyncIterator[None]:
        # `family-safety serve` checked first (migrations.ensure_ready); this guards the
        # factory run by other means, and a database changed in between.
        head = migrations.head_revision()
        if await migrations.current_revision(self._engine) != head:
            raise migrations.DatabaseNotReady(migrations.NOT_MIGRATED)
        yield

    @asynccontextmanager
    async def _read_laws_statuses(self, _app: Litestar) -> AsyncIterator[None]:
        # The statuses staff set, before any answer names the laws applied. Where memory is not
        # kept (freshness "read"), no change is heard: the statuses are read again every second.
        components = self.components
        assert components is not None
        await components.laws.load()
        if self.settings.freshness == Freshness.NOTIFY:
            yield
            return
        async with running(components.laws.reload_every(1.0)):
            yield

    @asynccontextmanager
    async def _hear_other_instances(self, _app: Litestar) -> AsyncIterator[None]:
        if not (self._postgres is not None and self.settings.freshness == Freshness.NOTIFY):
            yield
            return
        assert self.components is not None
        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with running(changes.relay_other_instances(self.components.changes, dsn)):
            yield

    @asynccontextmanager
    async def _end_links_at_18(self, _app: Litestar) -> AsyncIterator[None]:
        components = self.components
        assert components is not None
        try:
            async with running(
                birthdays.sweep_periodically(
                    components.sessions,
                    self.pack,
                    utc_today,
                    self.settings.birthday_sweep_seconds,
                    more=[
                        ("reviewed holds", lambda: holds.review_holds_today(components)),
                        ("swept age signal receipts", lambda: sweep_receipts_now(components)),
                    ],
                )
            ):
                yield
        finally:
            components.reader.close()
            components.writer.close()
            if self._postgres is not None:
                await self._postgres.close()

    @asynccontextmanager
    async def _sweep_what_retention_no_longer_covers(self, _app: Litestar) -> AsyncIterator[None]:
        components = self.components
        assert components is not None
        stop = asyncio.Event()
        sweep = asyncio.create_task(
            retention.sweep_periodically(
                components.sessions,
                self.retention,
                utc_now,
                self.settings.retention_sweep_seconds,
                stop,
            )
        )
        try:
            yield
        finally:
            stop.set()  # a batch under way commits first: no transaction is cancelled midway
            await sweep

    @asynccontextmanager
    async def _export_every_span_at_the_end(self, _app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if self._tracer_provider is not None:
                self._tracer_provider.shutdown()  # exports the spans still batched

    @asynccontextmanager
    async def _deliver_webhooks(self, _app: Litestar) -> AsyncIterator[None]:
        """The webhooks' worker, unless the operator runs it apart (``webhook_worker``)."""
        if not self.settings.webhook_worker:
            yield
            return
        worker = WebhookWorker(self._engine, self.pack, self.settings)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            yield
        finally:
            # The round under way is finished (its attempts recorded), unless it takes longer
            # than an attempt may: then it is cancelled, and its claims expire.
            stop.set()
            with suppress(TimeoutError):
                await asyncio.wait_for(task, self.settings.webhook_timeout_seconds + 5)
            await worker.close()

    @asynccontextmanager
    async def _write_every_line_at_the_end(self, _app: Litestar) -> AsyncIterator[None]:
        """The first lifespan, so the last to end: every line logged until then is written."""
        try:
            yield
        finally:
            write_logs_here()
