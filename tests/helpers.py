"""Helpers every test module may use: the one home for them (test modules never import each
other)."""

from __future__ import annotations

import asyncio
import threading
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from family_safety.lib.clock import utc_today
from family_safety.lib.security.passwords import PasswordHasher

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar import Litestar

PASSWORD = "correct horse battery"
PROBLEM = "application/problem+json"
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

CHEAP_HASHER = PasswordHasher(memory_kib=8, time_cost=1, queue=256)
"""argon2id at its cheapest: the tests exercise what hashing decides, not what it costs (one test
keeps the production parameters: tests/unit/test_passwords.py). Its queue is long: only the flood
tests mean to fill it (with a hasher of their own)."""


class GatedHasher(PasswordHasher):
    """The cheap hasher on a pool of ``workers`` with a queue of ``queue``, whose verifications
    wait while ``gate`` is closed: a flood of sign-ins, held still."""

    def __init__(self, *, workers: int, queue: int) -> None:
        super().__init__(memory_kib=8, time_cost=1, workers=workers, queue=queue)
        self.gate = threading.Event()
        self.gate.set()

    def verify_now(self, password: str, stored_hash: str | None) -> tuple[bool, str | None]:
        self.gate.wait(timeout=60)
        return super().verify_now(password, stored_hash)

    async def until_in_use(self, count: int) -> None:
        """Wait until ``count`` hashes run or wait (the requests sent have reached hashing)."""
        for _ in range(6000):
            if self.in_use >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{count} hashes never ran at once")


def birthdate_for_age(age: int, today: date | None = None) -> date:
    """The birthdate of someone who turned ``age`` 100 days ago."""
    today = today or utc_today()
    anniversary = today - timedelta(days=100)
    return anniversary.replace(year=anniversary.year - age)


def expect_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """The problem details of an error answer, checked to be the named problem."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].rsplit("/", 1)[-1] == slug
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    return body


def daily(minutes: int | None) -> dict[str, int | None]:
    return dict.fromkeys(EVERY_DAY, minutes)


async def invite(guardian) -> dict:
    response = await guardian.post("/v1/pairing-invitations", json={})
    assert response.status_code == 201, response.text
    return response.json()


async def pair(guardian, teen) -> dict:
    invitation = await invite(guardian)
    response = await teen.post("/v1/pairings", json={"code": invitation["code"]})
    assert response.status_code == 201, response.text
    return response.json()


async def set_limits(guardian, teen_id: str, limits: dict):
    current = await guardian.get(f"/v1/teens/{teen_id}/limits")
    assert current.status_code == 200, current.text
    return await guardian.put(
        f"/v1/teens/{teen_id}/limits",
        json={"limits": limits},
        headers={"If-Match": current.headers["etag"]},
    )


async def signed_in(client: httpx.AsyncClient, handle: str, age: int) -> dict[str, str]:
    """Register and sign in through a real server; the bearer header."""
    birthdate = birthdate_for_age(age).isoformat()
    body = {"handle": handle, "password": PASSWORD, "birthdate": birthdate}
    created = await client.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    token = await client.post("/v1/auth/token", json={"handle": handle, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def failed_sign_in(client: httpx.Client, n: int, forwarded_for: str) -> httpx.Response:
    """A sign-in with a wrong password for a handle nobody has, through a proxy's header."""
    credentials = {"handle": f"nobody_{n}", "password": PASSWORD}
    return client.post(
        "/v1/auth/token", json=credentials, headers={"X-Forwarded-For": forwarded_for}
    )


def usage_today() -> dict[str, Any]:
    """A usage report of one to nine minutes of today in UTC (the default time zone), whatever
    the time of day: it never crosses midnight."""
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = max(now - timedelta(minutes=1), midnight + timedelta(minutes=1))  # <= 2 min ahead
    start = max(end - timedelta(minutes=9), midnight)
    return {
        "device_id": "phone",
        "intervals": [{"start": start.isoformat(), "end": end.isoformat()}],
    }


async def family(client: httpx.AsyncClient) -> tuple[dict, dict, str]:
    """A guardian and a teen, linked, through a real server: their headers and the teen's id."""
    guardian = await signed_in(client, "guardian", 40)
    teen = await signed_in(client, "teen", 14)
    code = (await client.post("/v1/pairing-invitations", json={}, headers=guardian)).json()["code"]
    link = (await client.post("/v1/pairings", json={"code": code}, headers=teen)).json()
    return guardian, teen, link["teen"]["id"]


@asynccontextmanager
async def concurrent_app_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` run in the caller's event loop, lifespan included, so requests sent
    with ``asyncio.gather`` really interleave. The lifespan runs in a task of its own, entered
    and left there (a fixture's teardown runs in another task than its setup)."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(serve())
    waiting = asyncio.create_task(started.wait())
    await asyncio.wait([lifespan, waiting], return_when=asyncio.FIRST_COMPLETED)
    if not started.is_set():
        waiting.cancel()
        await lifespan  # it failed to start: raise why
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver.local"
        ) as client:
            yield client
    finally:
        stop.set()
        await lifespan


class Receiver:
    """A webhook receiver: a real HTTP server on 127.0.0.1 in a thread, recording every request
    (headers lower-cased, body bytes) and answering as ``answer(n)`` says for the n-th request
    (from 0): ``(status, headers, body)``; or ``"hang"`` (no answer for ``hang_seconds``) or
    ``"flood"`` (a 200 whose body never ends; ``flood_finished`` says whether it was all read).
    """

    def __init__(self, answer: Any = None, hang_seconds: float = 5.0, port: int = 0) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answer = answer or (lambda _n: (204, {}, b""))
        self.flood_finished: bool | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                n = len(receiver.requests)
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                answer = receiver.answer(n)
                if answer == "hang":
                    threading.Event().wait(hang_seconds)
                    return
                if answer == "flood":
                    self.send_response(200)
                    self.send_header("content-length", str(100 * 1024 * 1024))
                    self.end_headers()
                    try:
                        for _ in range(100 * 16):
                            self.wfile.write(b"x" * 65536)
                        receiver.flood_finished = True
                    except OSError:
                        receiver.flood_finished = False
                    return
                status, headers, content = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *_args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # the worker sends a round's attempts at once

        self._server = Server(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self) -> list[dict[str, Any]]:
        import json

        return [json.loads(body) for _, body in self.requests]


def laws_in_force(reader: Any) -> Any:
    """The laws in force for a ``SettingsAnswers`` built in a test: the shipped statuses (a test
    that changes one goes through ``PATCH /v1/laws/{id}`` and the app's own)."""
    from family_safety.db.changes import ChangeBus, MemoryTrust
    from family_safety.domain.laws.hot_path import LawsInForce

    bus = ChangeBus()
    return LawsInForce(reader, bus, MemoryTrust(bus, reader, keep=False))


def age_signal(
    private_key: Any,
    kid: str,
    *,
    iss: str,
    sub: str,
    lower: int | None,
    upper: int | None,
    method: str,
    algorithm: str = "EdDSA",
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A signed age signal (API.md, Age signals): issued now, for five minutes, a fresh jti;
    ``claims`` and ``header`` override or add (a value of None removes it)."""
    import secrets
    import time

    import jwt

    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": iss,
        "sub": sub,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(12),
        "age_range": {"lower": lower, "upper": upper},
        "method": method,
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {"kid": kid, "typ": "age-signal+jwt", **(header or {})}
    headers = {name: value for name, value in headers.items() if value is not None}
    return jwt.encode(payload, private_key, algorithm=algorithm, headers=headers)


async def grant_role(settings: Any, handle: str, role: str) -> None:
    """What `family-safety roles grant` does, from within a running test."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from family_safety.db.engine import create_engine
    from family_safety.domain.safety import services as safety_services
    from family_safety.lib.clock import utc_now

    engine = create_engine(settings)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await safety_services.grant_role(session, handle, role, utc_now())
    finally:
        await engine.dispose()


class StandInLitestar:
    """Stands in for Litestar's handler behind the lane (``RequestLog``): records the scopes
    handed to it and answers each 299 with an empty body."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], _receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})
