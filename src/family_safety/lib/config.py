"""Service configuration, read from ``FAMILY_SAFETY_*`` environment variables.

Settings are built once by the entry point and passed into
:func:`family_safety.server.app.create_app`; nothing reads the environment at import time.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_NAME = "family-safety"
"""The name in the project's own ``pyproject.toml``: the folder where ``./.family_safety`` is the
default data dir (``make run`` works there with no configuration)."""


def is_project_folder(folder: Path) -> bool:
    """Whether ``folder`` is this project's checkout (its ``pyproject.toml`` names it)."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return bool(project.get("project", {}).get("name") == PROJECT_NAME)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Freshness(StrEnum):
    NOTIFY = "notify"
    READ = "read"


class Settings(BaseSettings):
    """Every setting of the service. See the README's "Configuration" table."""

    model_config = SettingsConfigDict(env_prefix="FAMILY_SAFETY_", extra="ignore", frozen=True)

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="`production` refuses to generate signing keys or migrate on start.",
    )
    data_dir: Path = Field(
        default=Path(".family_safety"),
        description="Holds the embedded SQLite file and the generated signing keys.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; default: an SQLite file under the data dir.",
    )
    keyring_path: Path | None = Field(
        default=None, description="Signing keyring file; default `<data dir>/keyring.json`."
    )
    keyring_check_seconds: float = Field(
        default=10,
        ge=0,
        le=300,
        description="How often, at most, each process checks the keyring file for a rotation "
        "(one stat); a changed file is re-read: the new key signs and is in the JWKS.",
    )
    issuer: str = Field(default="family-safety", description="`iss` of every token issued.")
    public_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="The service's address as people's browsers reach it (e.g. "
        "`https://family.example.org`), for links given out of the service: the pairing QR "
        "code's. Default: the scheme and host of the request that asks for the link.",
    )
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=3600)
    sign_in_window_seconds: int = Field(default=15 * 60, ge=1)
    sign_in_max_failures_per_handle: int = Field(default=10, ge=1)
    sign_in_max_failures_per_address: int = Field(default=30, ge=1)
    registrations_per_address_per_hour: int = Field(
        default=20, ge=1, description="Accounts registered from one client address per hour."
    )
    password_hash_memory_kib: int = Field(default=19 * 1024, ge=19 * 1024)
    password_hash_time_cost: int = Field(default=2, ge=2)
    password_hash_workers: int | None = Field(
        default=None,
        ge=1,
        description="Per process: passwords hashed at once; default the usable cores but one.",
    )
    password_hash_queue: int = Field(
        default=8,
        ge=0,
        description="Per process: hashes that may wait for a worker; past that, sign-in, "
        "registration, password change and account deletion answer 503 `overloaded`.",
    )
    age_signal_checks_per_second: float = Field(
        default=200,
        ge=1,
        description="Per process: signature checks of age signals a second (as many at once "
        "after a quiet second); past that, `POST /v1/age-signals` answers 503 `overloaded`.",
    )
    database_pool_size: int = Field(
        default=10,
        ge=1,
        description="Per process, PostgreSQL: the ORM's pool (and as many overflow connections).",
    )
    hot_pool_size: int = Field(
        default=32,
        ge=1,
        description="Per process, PostgreSQL: the asyncpg pool of the hot path's reads and the "
        "lean writes (limits, usage reports); sized to the requests one process serves at once, "
        "so they do not queue for a connection.",
    )
    settings_cache_megabytes: int = Field(
        default=64, ge=0, description="Per process: deflated answers of GET /v1/me/settings."
    )
    token_cache_entries: int = Field(
        default=200_000, ge=1, description="Per process: verified access tokens remembered."
    )
    freshness: Freshness = Field(
        default=Freshness.NOTIFY,
        description="`notify`: each instance keeps signed-in accounts and each account's screen "
        "time of the day in memory, invalidated by change events (SQLite: PRAGMA data_version "
        "and the change feed; PostgreSQL: LISTEN/NOTIFY); `read`: every request reads them from "
        "the database.",
    )
    signed_in_cache_entries: int = Field(
        default=200_000, ge=1, description="Per process: signed-in accounts kept in memory."
    )
    birthday_sweep_seconds: float = Field(
        default=60,
        gt=0,
        description="How often links whose teen turned 18 are written down as ended (the links "
        "stop being active on the birthday itself, whatever this says).",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Comma-separated addresses of proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (`*`: any); empty: none, the peer address counts.",
    )
    metrics_allow_ips: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or networks (CIDR) that may read GET /metrics; "
        "any other gets 404.",
    )
    retention_sweep_seconds: float = Field(
        default=3600,
        gt=0,
        description="How often what the pack's retention periods no longer cover is deleted.",
    )
    otel: bool = Field(
        default=False,
        description="Trace requests with OpenTelemetry, exported as the standard OTEL_* "
        "variables say; off, nothing of OpenTelemetry is imported.",
    )
    webhook_retry_seconds: str = Field(
        default="5,300,1800,7200,18000,36000,50400,72000,86400",
        pattern=r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$",
        description="Webhooks: the waits before each retry of a failed attempt, in seconds, "
        "comma-separated (each with up to 10% jitter, or a longer Retry-After of a 429 or "
        "503); after the last, the delivery is `failed`.",
    )
    webhook_allow_hosts: str = Field(
        default="",
        description="Webhooks: `host` or `host:port`, comma-separated, that endpoints may reach "
        "although they resolve to a loopback, private or reserved address, over `http` too.",
    )
    webhook_timeout_seconds: float = Field(
        default=15, gt=0, le=15, description="Webhooks: how long one attempt may take in all."
    )
    webhook_poll_seconds: float = Field(
        default=1,
        gt=0,
        le=60,
        description="Webhooks: how often the worker looks for new messages and due retries.",
    )
    webhook_worker: bool = Field(
        default=True,
        description="Webhooks: `serve` delivers too; `false` leaves delivery to "
        "`family-safety webhooks work` processes.",
    )
    log_level: str = Field(default="INFO")
    log_json: bool = Field(default=False, description="Render logs as JSON lines.")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str | None) -> str | None:
        if url is None:
            return None
        for sync_prefix, async_prefix in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(sync_prefix):
                return async_prefix + url.removeprefix(sync_prefix)
        return url

    @property
    def webhook_retry_schedule(self) -> tuple[float, ...]:
        return tuple(float(step) for step in self.webhook_retry_seconds.split(","))

    @property
    def webhook_allowed_hosts(self) -> frozenset[str]:
        return frozenset(
            host.strip().lower() for host in self.webhook_allow_hosts.split(",") if host.strip()
        )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'family_safety.db'}"

    @property
    def is_embedded_database(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_keyring_path(self) -> Path:
        return self.keyring_path or self.data_dir / "keyring.json"

    def unplaced(self, *, database: bool, keys: bool, folder: Path | None = None) -> str | None:
        """Why a command that needs the database and/or the keyring cannot know where they are,
        in one line; None when it can.

        The default data dir, ``./.family_safety``, is relative to the working folder, so it is
        used only in the project's own folder (where ``make run`` starts the service); anywhere
        else the data dir, the database URL or the keyring path must be set, so that a command
        run from the wrong folder neither creates an empty data dir there nor talks to it."""
        if "data_dir" in self.model_fields_set or is_project_folder(folder or Path.cwd()):
            return None
        missing = []
        if database and self.database_url is None:
            missing.append("FAMILY_SAFETY_DATABASE_URL")
        if keys and self.keyring_path is None:
            missing.append("FAMILY_SAFETY_KEYRING_PATH")
        if not missing:
            return None
        return (
            "set FAMILY_SAFETY_DATA_DIR (or " + " and ".join(missing) + ") to say where the "
            "data is; the default ./.family_safety is used only in the project's own folder"
        )
