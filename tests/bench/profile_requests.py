"""Where a request's time goes: the hot reads (GET /v1/me/settings, warm, and GET
/v1/me/screen-time) and the busiest writes (PUT /v1/teens/{id}/limits, POST
/v1/me/screen-time/usage), one at a time, in process (the app and the client share one event
loop, so cProfile sees the app; SQLite's writer thread is not profiled, only waited for), on a
fresh database seeded as ``tests.bench.load`` seeds it. (Called ``profile_writes`` until it
profiled reads too.)

    python -m tests.bench.profile_requests [--requests 300] [--database-url postgresql://...]
    python -m tests.bench.profile_requests --lane [--requests 20000] [--log-level INFO]

Prints, per scenario: the milliseconds a request takes unprofiled, the statements it sends
(ORM statements from a ``before_cursor_execute`` listener, hot reads and lean writes counted as
their ``HotQuery`` is executed), and the profiled time by package. Writes ``<METHOD>-<n>.prof``
(pstats) to the working directory. With ``--lane``: the warm settings GET alone, the app called
as uvicorn calls it, and the share of each of the lane's steps (where the time goes that the
bare app of tests/bench/ceiling.py does not spend), then what counting a request for ``/metrics``
costs, on the settings GET and on ``/health/live``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine
from tests.bench import load

from family_safety.db.hot_reads import HotQuery
from family_safety.lib.config import Settings
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.tokens import TokenSigner
from family_safety.server.app import create_app

TEENS = 200
WARM_UP = 20

statements: Counter[str] = Counter()
_scenarios: dict[str, int] = {}


@event.listens_for(Engine, "before_cursor_execute")
def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    statements[" ".join(statement.split())[:100]] += 1


_compiled_for = HotQuery.compiled_for


def _count_hot(query: HotQuery, dialect: Any) -> Any:
    compiled = _compiled_for(query, dialect)
    statements["hot: " + " ".join(compiled.sql.split())[:95]] += 1
    return compiled


HotQuery.compiled_for = _count_hot  # type: ignore[method-assign]


def by_package(profile: cProfile.Profile) -> list[tuple[str, float]]:
    totals: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in pstats.Stats(
        profile
    ).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in filename:
            key = filename.split("site-packages/")[1].split("/")[0]
        elif "family_safety/" in filename:
            key = "family_safety"
        elif filename == "~":
            key = function
        else:
            key = "stdlib: " + Path(filename).name
        totals[key] += own
    return totals.most_common(12)


async def measure(name: str, send: Callable[[int], Awaitable[None]], requests: int) -> None:
    for n in range(WARM_UP):
        await send(n)
    started = time.perf_counter()
    for n in range(WARM_UP, WARM_UP + requests):
        await send(n)
    unprofiled = (time.perf_counter() - started) / requests
    statements.clear()
    profile = cProfile.Profile()
    profile.enable()
    for n in range(WARM_UP + requests, WARM_UP + 2 * requests):
        await send(n)
    profile.disable()
    profile.dump_stats(f"{name.split()[0]}-{_scenarios.setdefault(name, len(_scenarios))}.prof")
    total = sum(statements.values())
    print(f"## {name}: {unprofiled * 1000:.2f} ms a request unprofiled")
    print(f"{total / requests:.1f} statements a request:")
    for statement, count in statements.most_common():
        print(f"  {count / requests:5.2f}  {statement}")
    ranked = by_package(profile)
    profiled = sum(seconds for _, seconds in by_package(profile))
    print("profiled time by package (top 12):")
    for key, seconds in ranked:
        print(f"  {100 * seconds / profiled:5.1f}%  {key}")


async def _asgi_get(app: Any, path: str, token: str) -> int:
    """One GET as uvicorn hands it to the app (no HTTP client): the status answered."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"t"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


LANE_STEPS = {
    "the request log (id, send, access line)": ("logs.py", "__call__"),
    "  request id": ("logs.py", "_request_id"),
    "  access line, queued": ("logs.py", "_access_line"),
    "  counted for /metrics": ("metrics.py", "observe"),
    "the lane's answer": ("hot_routes.py", "answer"),
    "  bearer token (verified-token cache)": ("middleware.py", "bearer_grant"),
    "  account check (signed_in_account)": ("signed_in.py", "signed_in_account"),
    "    age band due (band_change_due)": ("birthdays.py", "band_change_due"),
    "  the settings answer (memory)": ("hot_routes.py", "_my_settings"),
    "    ETag of the version (settings_etag)": ("services.py", "settings_etag"),
    "    answer cache get": ("cache.py", "get"),
}


async def lane(requests: int, log_level: str) -> None:
    """Where a warm GET /v1/me/settings spends its time in the app, called as uvicorn calls it:
    microseconds a request, then each step's share (cumulative, profiled)."""
    directory = Path(tempfile.mkdtemp())
    population = load.Population.of(TEENS)
    url = f"sqlite+aiosqlite:///{directory}/family_safety.db"
    await load.prepare_database(url, population)
    settings = Settings(data_dir=directory, database_url=url, log_level=log_level)
    create_keyring(settings.resolved_keyring_path)
    signer = TokenSigner(load_keyring(settings.resolved_keyring_path), issuer=load.ISSUER)
    tokens = load.mint_access_tokens(signer, population.teen_ids, population.session_of)
    app = create_app(settings)
    async with app.lifespan():
        for token in tokens:
            assert await _asgi_get(app, "/v1/me/settings", token) == 200
        started = time.perf_counter()
        for n in range(requests):
            await _asgi_get(app, "/v1/me/settings", tokens[n % TEENS])
        unprofiled = (time.perf_counter() - started) / requests
        costs = await _metrics_cost(app, tokens, requests)
        profile = cProfile.Profile()
        profile.enable()
        for n in range(requests):
            await _asgi_get(app, "/v1/me/settings", tokens[n % TEENS])
        profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(own for (_cc, _nc, own, _cum, _callers) in stats.values())
    print(f"## GET /v1/me/settings in the lane, {log_level}: {unprofiled * 1e6:.1f} us a request")
    print(
        "(the app alone, called as uvicorn calls it; uvicorn's own share: tests/bench/ceiling.py)"
    )
    for step, (file_name, function) in LANE_STEPS.items():
        cumulative = sum(
            cum
            for (filename, _line, name), (_cc, _nc, _own, cum, _callers) in stats.items()
            if filename.endswith(file_name) and name == function
        )
        print(f"  {100 * cumulative / total:5.1f}%  {step}")
    print("## what counting requests for /metrics costs (best of 5 alternating rounds)")
    for path, (counted, uncounted) in costs.items():
        print(
            f"  GET {path}: {counted * 1e6:.1f} us counted, {uncounted * 1e6:.1f} us not "
            f"({(counted - uncounted) * 1e6:+.2f} us, {100 * (counted / uncounted - 1):+.1f}%)"
        )


async def _metrics_cost(
    app: Any, tokens: list[str], requests: int
) -> dict[str, tuple[float, float]]:
    """Seconds a request with the request log counting it for /metrics and without, for the
    lane's settings GET and Litestar's /health/live: alternating rounds, the best of each."""
    request_log = app._front  # server.app.ServedApp: the request log in front of everything
    observe = request_log._observe
    costs = {}
    for path in ("/v1/me/settings", "/health/live"):
        best = {True: float("inf"), False: float("inf")}
        for _round in range(5):
            for counted in (True, False):
                request_log._observe = observe if counted else None
                started = time.perf_counter()
                for n in range(requests // 5):
                    await _asgi_get(app, path, tokens[n % TEENS])
                seconds = (time.perf_counter() - started) / (requests // 5)
                best[counted] = min(best[counted], seconds)
        request_log._observe = observe
        costs[path] = (best[True], best[False])
    return costs


async def main(requests: int, server_url: str | None) -> None:
    directory = Path(tempfile.mkdtemp())
    population = load.Population.of(TEENS)
    if server_url:
        url = await load.create_postgres_database(server_url)
    else:
        url = f"sqlite+aiosqlite:///{directory}/family_safety.db"
    await load.prepare_database(url, population)
    settings = Settings(data_dir=directory, database_url=url, log_level="WARNING")
    create_keyring(settings.resolved_keyring_path)
    signer = TokenSigner(load_keyring(settings.resolved_keyring_path), issuer=load.ISSUER)
    guardian_tokens = load.mint_access_tokens(
        signer, population.guardian_ids, population.session_of
    )
    teen_tokens = load.mint_access_tokens(signer, population.teen_ids, population.session_of)
    token_of = dict(zip(population.guardian_ids, guardian_tokens, strict=True))
    usage_bodies = load.usage_bodies(datetime.now(UTC))
    sent: Counter[int] = Counter()
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as c:

        async def put(n: int) -> None:
            index = n % TEENS
            sent[index] += 1  # alternate the two bodies per teen: every PUT changes something
            response = await c.put(
                f"/v1/teens/{population.teen_ids[index]}/limits",
                content=load.PUT_BODIES[sent[index] % 2],
                headers={
                    "Authorization": f"Bearer {token_of[population.guardian_of(index)]}",
                    "If-Match": "*",
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 200, response.text

        async def report(n: int) -> None:
            response = await c.post(
                "/v1/me/screen-time/usage",
                content=usage_bodies[(n // TEENS) % len(usage_bodies)],
                headers={
                    "Authorization": f"Bearer {teen_tokens[n % TEENS]}",
                    "Content-Type": "application/json",
                },
            )
            assert response.status_code == 200, response.text

        async def read(path: str, n: int) -> None:
            response = await c.get(
                path, headers={"Authorization": f"Bearer {teen_tokens[n % TEENS]}"}
            )
            assert response.status_code == 200, response.text

        for n in range(TEENS):  # every teen's answer cached: the warm read
            await read("/v1/me/settings", n)
        await measure("GET /v1/me/settings (warm)", partial(read, "/v1/me/settings"), requests)
        await measure("GET /v1/me/screen-time", partial(read, "/v1/me/screen-time"), requests)
        await measure("PUT /v1/teens/{id}/limits", put, requests)
        await measure("POST /v1/me/screen-time/usage", report, requests)
    if server_url:
        await load.drop_postgres_database(server_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.bench.profile_requests")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument(
        "--lane",
        action="store_true",
        help="only the warm settings GET answered by the lane, step by step, at --log-level",
    )
    parser.add_argument("--log-level", default="INFO", help="with --lane (default INFO)")
    args = parser.parse_args()
    if args.lane:
        asyncio.run(lane(args.requests, args.log_level.upper()))
    else:
        asyncio.run(main(args.requests, args.database_url))
