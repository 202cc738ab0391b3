"""The application factory: every plugin, route and long-lived component, wired in one place."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import sys
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING

import structlog
from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components as OpenAPIComponents
from litestar.openapi.spec import SecurityScheme
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety.db import changes, migrations
from family_safety.db.changes import ChangeBus, MemoryTrust, session_info
from family_safety.db.engine import create_engine
from family_safety.db.hot_reads import HotPathReader
from family_safety.db.postgres import PostgresPool
from family_safety.db.sessions import closing_handler
from family_safety.db.writes import Announcer, Writer
from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.controllers import MySettingsController, PolicyController
from family_safety.domain.account_settings.hot_path import SettingsAnswers, typical_answers
from family_safety.domain.accounts.controllers import AccountController
from family_safety.domain.ages import birthdays
from family_safety.domain.audit.controllers import AuditController
from family_safety.domain.auth.controllers import AuthController, JwksController, PasswordController
from family_safety.domain.auth.middleware import BearerAuthenticationMiddleware
from family_safety.domain.auth.signed_in import SignedInAccounts
from family_safety.domain.components import Components
from family_safety.domain.data_rights.controllers import MeController
from family_safety.domain.dependencies import DEPENDENCIES, PUBLIC_ROUTE_OPT
from family_safety.domain.events.controllers import EventsController
from family_safety.domain.family_center.routes import family_center_routers, template_config
from family_safety.domain.guardians.controllers import MyGuardiansController, TeenController
from family_safety.domain.health.controllers import HealthController
from family_safety.domain.notifications.controllers import NotificationController
from family_safety.domain.pairing.controllers import InvitationController, PairingController
from family_safety.domain.policy.pack import load_default_pack
from family_safety.domain.safety.controllers import (
    BlockController,
    ModerationController,
    ReportController,
    SafetyController,
)
from family_safety.domain.safety.matching import default_matcher
from family_safety.domain.safety.pack import load_default_packs
from family_safety.domain.screen_time.controllers import (
    MyScreenTimeController,
    MyTimeRequestsController,
    TeenScreenTimeController,
    TeenTimeGrantsController,
    TeenTimeRequestsController,
)
from family_safety.domain.screen_time.hot_path import ScreenTimeStatuses
from family_safety.lib.clock import utc_today
from family_safety.lib.config import Environment, Freshness, Settings
from family_safety.lib.problems import PROBLEM_DETAILS
from family_safety.lib.request_body import RequestBodyGate
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.passwords import PasswordHasher
from family_safety.lib.security.token_cache import VerifiedTokenCache
from family_safety.lib.security.tokens import TokenSigner
from family_safety.server.hot_routes import HotRoutes
from family_safety.server.logs import RequestLog, configure_logging
from family_safety.server.openapi import SCHEMA_PLUGINS, OfflineSwaggerUI, keep_the_contract

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

MAX_BODY_BYTES = 64 * 1024

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


def create_app(settings: Settings, *, hasher: PasswordHasher | None = None) -> Litestar:
    """The service for these settings; ``hasher`` replaces the argon2id parameters the settings
    name (tests use a cheap one)."""
    configure_logging(settings.log_level, as_json=settings.log_json)
    pack = load_default_pack()
    # The safety packs are checked like the policy pack: a broken one stops the start, naming
    # the file and the line.
    safety_packs = load_default_packs()
    interventions = default_matcher()
    engine = create_engine(settings)
    on_postgresql = engine.url.get_backend_name() == "postgresql"
    # The hot path's reads and the lean writes, on asyncpg itself (SQLite: sqlite3 itself).
    postgres = PostgresPool.for_engine(engine, settings.hot_pool_size) if on_postgresql else None
    reader = HotPathReader(engine, postgres)
    bus = ChangeBus(connected=not on_postgresql)
    # What each process keeps in memory while nothing says it changed (or reads every time).
    trust = MemoryTrust(bus, reader, keep=settings.freshness == Freshness.NOTIFY)
    writer = Writer(engine, Announcer(changes.CHANNEL, bus.notify_payload, bus.publish), postgres)
    signer = _signer(settings)
    settings_answers = SettingsAnswers(
        pack,
        reader,
        SettingsAnswerCache(settings.settings_cache_megabytes * 1024 * 1024, typical_answers(pack)),
    )
    components = Components(
        settings=settings,
        pack=pack,
        hasher=hasher
        or PasswordHasher(
            memory_kib=settings.password_hash_memory_kib,
            time_cost=settings.password_hash_time_cost,
            workers=settings.password_hash_workers,
            queue=settings.password_hash_queue,
        ),
        signer=signer,
        tokens=VerifiedTokenCache(signer, settings.token_cache_entries),
        reader=reader,
        writer=writer,
        settings_answers=settings_answers,
        screen_time_statuses=ScreenTimeStatuses(
            pack, settings_answers, reader, bus, trust, max_entries=settings.signed_in_cache_entries
        ),
        sessions=async_sessionmaker(engine, expire_on_commit=False, info=session_info(bus)),
        changes=bus,
        signed_in=SignedInAccounts(
            reader, bus, trust, max_entries=settings.signed_in_cache_entries
        ),
        safety=safety_packs,
        interventions=interventions,
    )
    alchemy = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False, info=session_info(bus)),
        set_default_exception_handler=False,
    )
    # Its scope key is made unique per config, so the handler is built for that key.
    alchemy.before_send_handler = closing_handler(alchemy.session_scope_key)

    @asynccontextmanager
    async def refuse_unmigrated_database(_app: Litestar) -> AsyncIterator[None]:
        # `family-safety serve` checked first (migrations.ensure_ready); this guards the
        # factory run by other means, and a database changed in between.
        head = migrations.head_revision()
        if await migrations.current_revision(engine) != head:
            raise migrations.DatabaseNotReady(migrations.NOT_MIGRATED)
        yield

    @asynccontextmanager
    async def hear_other_instances(_app: Litestar) -> AsyncIterator[None]:
        if not (on_postgresql and settings.freshness == Freshness.NOTIFY):
            yield
            return
        dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        relay = asyncio.create_task(changes.relay_other_instances(bus, dsn))
        try:
            yield
        finally:
            relay.cancel()
            with suppress(asyncio.CancelledError):
                await relay

    @asynccontextmanager
    async def end_links_at_18(_app: Litestar) -> AsyncIterator[None]:
        sweep = asyncio.create_task(
            birthdays.sweep_periodically(
                components.sessions, pack, utc_today, settings.birthday_sweep_seconds
            )
        )
        try:
            yield
        finally:
            sweep.cancel()
            with suppress(asyncio.CancelledError):
                await sweep
            reader.close()
            writer.close()
            if postgres is not None:
                await postgres.close()

    app = Litestar(
        route_handlers=[
            HealthController,
            AccountController,
            MeController,
            AuthController,
            JwksController,
            PasswordController,
            PolicyController,
            MySettingsController,
            InvitationController,
            PairingController,
            TeenController,
            MyGuardiansController,
            AuditController,
            NotificationController,
            EventsController,
            MyScreenTimeController,
            MyTimeRequestsController,
            TeenScreenTimeController,
            TeenTimeRequestsController,
            TeenTimeGrantsController,
            SafetyController,
            ReportController,
            BlockController,
            ModerationController,
            # The Family Center pages: their own session cookie, CSRF and CSP (family_center/).
            *family_center_routers(settings, signer.keyring),
        ],
        template_config=template_config(),
        plugins=[SQLAlchemyPlugin(config=alchemy), *SCHEMA_PLUGINS, PROBLEM_DETAILS],
        middleware=[
            DefineMiddleware(
                BearerAuthenticationMiddleware,
                exclude=["^/schema"],
                exclude_from_auth_key=PUBLIC_ROUTE_OPT,
            ),
            # After authentication: a request without a token is 401 before its body is read.
            RequestBodyGate(),
        ],
        dependencies=DEPENDENCIES,
        lifespan=[refuse_unmigrated_database, hear_other_instances, end_links_at_18],
        state=State({"components": components, "alchemy": alchemy}),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="family_safety",
            version="1",
            description="Age-based defaults, family pairing and one effective settings object.",
            path="/schema",
            render_plugins=[OfflineSwaggerUI("/schema")],
            components=OpenAPIComponents(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
        logging_config=None,  # logs.py configures every logger, Litestar's too
    )
    app = keep_the_contract(app, pack)
    # In front of Litestar's router: the two hot reads, answered when they can be in full.
    # Around everything, unrouted requests included: one log line per request.
    app.asgi_handler = RequestLog(HotRoutes(app.asgi_handler, components))
    return app


GC_THRESHOLDS = (50_000, 50, 100)
"""A server allocates and frees many short-lived objects per request, few of them in cycles: the
youngest generation is collected every 50,000 allocations instead of 700 (BENCHMARKS.md)."""


def tune_gc_for_a_server() -> None:
    """Freeze what start-up built (modules, the app, the pack, the engines): the cyclic collector
    never walks it again; then collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


MALLOC_MMAP_THRESHOLD = -3  # glibc's M_MMAP_THRESHOLD
MALLOC_MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


def tune_malloc_for_a_server() -> None:
    """Keep glibc's mmap threshold at 128 KiB, where it starts, instead of letting it rise to
    the largest mapped block freed so far: after the first password hash (argon2id's 19 MiB) it
    would be 19 MiB, and every block below that, once freed, stays resident in the heap instead
    of going back to the system: each hashing thread's 19 MiB, and the old table of every
    per-account memory that grew (29 MiB at 100,000 teens, BENCHMARKS.md). The price: each hash
    maps its 19 MiB afresh, about 12 ms more a sign-in. Linux with glibc only; elsewhere nothing
    changes."""
    if sys.platform != "linux":
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(MALLOC_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD_BYTES)


def app_from_environment() -> Litestar:
    """The uvicorn factory used by ``family-safety serve``: settings come from the environment."""
    tune_malloc_for_a_server()
    app = create_app(Settings())
    tune_gc_for_a_server()
    return app
