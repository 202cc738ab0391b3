"""The application factory: every plugin, route and long-lived component, wired in one place."""

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
from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components as OpenAPIComponents
from litestar.openapi.spec import SecurityScheme
from sqlalchemy.ext.asyncio import async_sessionmaker

from family_safety import birthdays
from family_safety.account_settings.cache import SettingsAnswerCache
from family_safety.account_settings.controllers import MySettingsController, PolicyController
from family_safety.account_settings.hot_path import SettingsAnswers, typical_answers
from family_safety.accounts.controllers import AccountController
from family_safety.audit.controllers import AuditController
from family_safety.auth.controllers import AuthController, JwksController, PasswordController
from family_safety.auth.middleware import BearerAuthenticationMiddleware
from family_safety.clock import utc_today
from family_safety.components import Components
from family_safety.config import Environment, Settings
from family_safety.data_rights.controllers import MeController
from family_safety.db import migrations
from family_safety.db.engine import READ_ONLY, create_engine
from family_safety.db.hot_reads import HotPathReader
from family_safety.db.sessions import closing_handler
from family_safety.dependencies import DEPENDENCIES, PUBLIC_ROUTE_OPT
from family_safety.guardians.controllers import MyGuardiansController, TeenController
from family_safety.health.controllers import HealthController
from family_safety.logs import configure_logging
from family_safety.notifications.controllers import NotificationController
from family_safety.openapi import ClosedModelSchemaPlugin, keep_the_contract
from family_safety.pairing.controllers import InvitationController, PairingController
from family_safety.policy.pack import load_default_pack
from family_safety.problems import PROBLEM_DETAILS
from family_safety.security.keyring import create_keyring, load_keyring
from family_safety.security.passwords import PasswordHasher
from family_safety.security.token_cache import VerifiedTokenCache
from family_safety.security.tokens import TokenSigner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

MAX_BODY_BYTES = 64 * 1024

_log = structlog.get_logger("family_safety")


class DatabaseNotMigrated(RuntimeError):
    pass


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
    engine = create_engine(settings)
    reader = HotPathReader(engine.execution_options(**READ_ONLY))
    signer = _signer(settings)
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
        settings_answers=SettingsAnswers(
            pack,
            reader,
            SettingsAnswerCache(
                settings.settings_cache_megabytes * 1024 * 1024, typical_answers(pack)
            ),
        ),
        sessions=async_sessionmaker(engine, expire_on_commit=False),
    )
    alchemy = SQLAlchemyAsyncConfig(
        engine_instance=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        set_default_exception_handler=False,
    )
    # Its scope key is made unique per config, so the handler is built for that key.
    alchemy.before_send_handler = closing_handler(alchemy.session_scope_key)

    @asynccontextmanager
    async def refuse_unmigrated_database(_app: Litestar) -> AsyncIterator[None]:
        head = migrations.head_revision()
        if await migrations.current_revision(engine) != head:
            raise DatabaseNotMigrated(
                "the database is not migrated to the current schema; "
                "run `family-safety db upgrade` first"
            )
        yield

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
        ],
        plugins=[SQLAlchemyPlugin(config=alchemy), ClosedModelSchemaPlugin(), PROBLEM_DETAILS],
        middleware=[
            DefineMiddleware(
                BearerAuthenticationMiddleware,
                exclude=["^/schema"],
                exclude_from_auth_key=PUBLIC_ROUTE_OPT,
            )
        ],
        dependencies=DEPENDENCIES,
        lifespan=[refuse_unmigrated_database, end_links_at_18],
        state=State({"components": components, "alchemy": alchemy}),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="family_safety",
            version="1",
            description="Age-based defaults, family pairing and one effective settings object.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=OpenAPIComponents(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
                }
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
    )
    return keep_the_contract(app)


def app_from_environment() -> Litestar:
    """The uvicorn factory used by ``family-safety serve``: settings come from the environment."""
    return create_app(Settings())
