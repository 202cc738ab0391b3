"""The service's own gauges, read at each scrape: database pools, what each process keeps in
memory, and the event streams open. Nothing here names an account: the labels are fixed words.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING

from sqlalchemy.pool import QueuePool

from family_safety.lib.metrics import GaugeSpec

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from family_safety.db.postgres import PostgresPool
    from family_safety.domain.components import Components
    from family_safety.lib.metrics import Metrics, Values

DB_POOL = GaugeSpec(
    "family_safety_db_pool_connections",
    "Database connections of this process by pool (orm: SQLAlchemy's; hot: the hot path's "
    "asyncpg pool) and state (in_use, idle, max).",
    ("pool", "state"),
)
CACHE_ENTRIES = GaugeSpec(
    "family_safety_cache_entries",
    "Entries this process keeps in memory, by cache.",
    ("cache",),
)
EVENT_STREAMS = GaugeSpec(
    "family_safety_event_streams_open",
    "Event streams (GET /v1/me/events) open on this process.",
)


def register_service_gauges(
    metrics: Metrics, components: Components, engine: AsyncEngine, postgres: PostgresPool | None
) -> None:
    """The service's gauges, on ``metrics``."""

    def pools() -> Values:
        values: dict[tuple[str, ...], float] = {}
        pool = engine.pool
        if isinstance(pool, QueuePool):
            values[("orm", "in_use")] = pool.checkedout()
            values[("orm", "idle")] = pool.checkedin()
        if postgres is not None:  # the pool and as many overflow connections (db/engine.py)
            values[("orm", "max")] = 2 * components.settings.database_pool_size
        if postgres is not None:
            in_use, idle, most = postgres.usage()
            values.update({("hot", "in_use"): in_use, ("hot", "idle"): idle, ("hot", "max"): most})
        return values

    def caches() -> Values:
        return {
            ("settings_answers",): len(components.settings_answers),
            ("signed_in_accounts",): len(components.signed_in),
            ("verified_tokens",): len(components.tokens),
            ("screen_time_days",): len(components.screen_time_statuses),
        }

    metrics.gauge(DB_POOL, pools)
    metrics.gauge(CACHE_ENTRIES, caches)
    metrics.gauge(EVENT_STREAMS, lambda: {(): components.changes.streams()})


@functools.cache
def _allowed_networks(
    allow_ips: str,
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in allow_ips.split(",")
        if item.strip()
    )


def may_read_metrics(allow_ips: str, client_host: str | None) -> bool:
    """Whether the peer ``client_host`` is one of ``allow_ips`` (addresses or networks)."""
    if client_host is None:
        return False
    try:
        address = ipaddress.ip_address(client_host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _allowed_networks(allow_ips))
