"""What ``GET /metrics`` shows, in the Prometheus text format written by ``prometheus-client``.

Two kinds of numbers:

- **requests**, counted where every request already ends, the request log
  (``server/logs.RequestLog``), lane and Litestar alike: by route *template* (never a raw path,
  so no account id or handle), method and status, with the duration in a histogram. Counting
  costs one dict look-up, one ``bisect`` and three additions on the event loop: the exposition
  (``prometheus-client``'s metric families) is built only when ``/metrics`` is read.
- **gauges read when scraped**: each a name, a help text, its label names and a function giving
  the current values (plain or awaited), registered with :meth:`Metrics.gauge`. The service's own
  (database pools, caches, event streams) are registered where the app is built; a capability adds
  its own the same way (the webhook deliveries: :data:`WEBHOOK_DELIVERIES`).

The numbers are this process's own (docs/operations.md, "Metrics"): with ``serve --workers N`` a
scrape is answered by one worker.
"""

from __future__ import annotations

import inspect
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, Mapping

    from prometheus_client.metrics_core import Metric

    Values = Mapping[tuple[str, ...], float]
    """A gauge's values by their labels' values (``()`` for a gauge without labels)."""
    Read = Callable[[], Values | Awaitable[Values]]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

DURATION_BUCKETS: tuple[float, ...] = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
"""Seconds. The lane answers in well under a millisecond, a sign-in hashes for ~50 ms."""

_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
OTHER_METHOD = "OTHER"
"""The method label of any method but the standard ones: a client choosing new method names
must not grow the series without bound."""

UNROUTED = "unrouted"
"""The route label of a request no route matched (a 404 for an unknown path, say): the path
itself is never a label."""


@dataclass(frozen=True, slots=True)
class GaugeSpec:
    """A gauge's name, help and label names, declared once where it is defined."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()


WEBHOOK_DELIVERIES = GaugeSpec(
    "family_safety_webhook_deliveries",
    "Webhook messages by state: pending (a delivery waiting for an attempt), failed (given up); "
    "outbox (written, not yet fanned out to endpoints) where the webhooks capability counts it.",
    ("state",),
)
"""The seam for the webhooks capability: it registers a function giving its counts,
``metrics.gauge(WEBHOOK_DELIVERIES, read)`` with ``read() -> {("pending",): n, ("failed",): m}``
(plain or awaited), where the app is built (server/core.py)."""


class _Requests:
    """Per (route, method, status): [count, sum of seconds, count per bucket...]."""

    __slots__ = ("_bounds", "_stats")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self._bounds = bounds
        self._stats: dict[tuple[str, str, int], list[float]] = {}

    def observe(self, route: str | None, method: str, status: int, seconds: float) -> None:
        key = (route or UNROUTED, method if method in _METHODS else OTHER_METHOD, status)
        stats = self._stats.get(key)
        if stats is None:
            stats = self._stats[key] = [0.0] * (len(self._bounds) + 3)
        stats[0] += 1
        stats[1] += seconds
        stats[2 + bisect_left(self._bounds, seconds)] += 1

    def families(self) -> Iterator[Metric]:
        labels = ["route", "method", "status"]
        total = CounterMetricFamily(
            "family_safety_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels=labels,
        )
        durations = HistogramMetricFamily(
            "family_safety_http_request_duration_seconds",
            "Time to answer an HTTP request (the request log's), by route template, method and "
            "status.",
            labels=labels,
        )
        bounds = [*map(str, self._bounds), "+Inf"]
        for (route, method, status), stats in sorted(self._stats.items()):
            values = [route, method, str(status)]
            total.add_metric(values, stats[0])
            cumulative, buckets = 0.0, []
            for bound, count in zip(bounds, stats[2:], strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            durations.add_metric(values, buckets, stats[1])
        yield total
        yield durations


class _Snapshot(Collector):
    """What one scrape shows: the requests and the gauges' values read for it."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


class Metrics:
    """One process's metrics: the requests counted by the request log and the gauges
    registered; :meth:`exposition` renders them."""

    def __init__(self, buckets: tuple[float, ...] = DURATION_BUCKETS) -> None:
        self._requests = _Requests(buckets)
        self.observe = self._requests.observe
        """``observe(route_template, method, status, seconds)``: one request answered."""
        self._gauges: dict[str, tuple[GaugeSpec, Read]] = {}

    def gauge(self, spec: GaugeSpec, read: Read) -> None:
        """Show ``spec`` with the values ``read`` gives at each scrape (registered once)."""
        if spec.name in self._gauges:
            raise ValueError(f"the gauge {spec.name} is registered already")
        self._gauges[spec.name] = (spec, read)

    async def exposition(self) -> bytes:
        """The Prometheus text exposition of this process's metrics now."""
        families = list(self._requests.families())
        for spec, read in self._gauges.values():
            values = read()
            if inspect.isawaitable(values):
                values = await values
            family = GaugeMetricFamily(spec.name, spec.documentation, labels=list(spec.labels))
            for labels, value in sorted(values.items()):
                family.add_metric(list(labels), value)
            families.append(family)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Snapshot(families))
        return generate_latest(registry)
