"""``family-safety serve``: migrate (or check) the database, make sure of the keyring, then serve
the app with uvicorn or granian."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from functools import partial
from typing import Any

import structlog

from family_safety.db import migrations
from family_safety.lib.config import Settings

_log = structlog.get_logger("family_safety")


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from family_safety.server.core import ensure_keyring

    # The database first, then the keyring: a start that fails writes nothing.
    first_run = False
    if settings.is_embedded_database:
        first_run = not (settings.data_dir / "family_safety.db").exists()
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            asyncio.run(migrations.upgrade(settings))
        except Exception as exc:  # an unwritable data dir, a broken file: one line says so
            raise migrations.DatabaseNotReady(
                f"cannot prepare the embedded database in {settings.data_dir}: {exc}"
            ) from exc
    else:
        asyncio.run(migrations.ensure_ready(settings))
    generated_keys = ensure_keyring(settings)
    if settings.is_embedded_database and (first_run or generated_keys):
        _log.info(
            "first run: prepared the data dir",
            data_dir=str(settings.data_dir.resolve()),
            database="migrated embedded SQLite" if first_run else "kept",
            signing_keys="generated" if generated_keys else "kept",
        )
    elif generated_keys:
        _log.info("generated a signing keyring", path=str(settings.resolved_keyring_path))
    # No proxy is trusted unless named: uvicorn's own default believes X-Forwarded-For from
    # 127.0.0.1, which would let anything on the host choose the address rate limits count.
    trusted_proxies = (
        args.forwarded_allow_ips
        if args.forwarded_allow_ips is not None
        else settings.forwarded_allow_ips
    ).strip()
    if args.server == "granian":
        _serve_with_granian(settings, args, trusted_proxies)
    else:
        _serve_with_uvicorn(settings, args, trusted_proxies)
    return 0


APP_FACTORY = "family_safety.server.app:app_from_environment"
GRACEFUL_STOP_SECONDS = 30
"""How long a stop waits for in-flight requests before it cuts them (both servers)."""
WORKER_HEALTHCHECK_SECONDS = 60
"""How long uvicorn waits for a worker to start and to answer a health check before it kills it."""


def _serve_with_uvicorn(settings: Settings, args: argparse.Namespace, trusted_proxies: str) -> None:
    import uvicorn

    # uvicorn re-raises the stop signal once it has drained in-flight requests; a stop that was
    # asked for is a clean exit, so the re-raised signal is ignored and `serve` returns 0.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda *_: None)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=trusted_proxies or None,
        log_level=settings.log_level.lower(),
        # Our logging config (logs.py) renders uvicorn's lines too; RequestLog is the access log.
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS,
        # A worker still importing on a busy machine must not be taken for a hung one: uvicorn
        # kills a worker that misses one 5 s health check, and would kill every new one too.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _stop_with(parent_pid: int) -> None:
    """Linux: this worker is sent SIGTERM (and drains) when the ``serve`` process that started it
    dies, even killed with SIGKILL, which granian cannot hear: without this the worker lives on,
    holding the port, where uvicorn's single process would simply be gone."""
    if sys.platform != "linux":
        return
    import ctypes

    # Until granian sets the worker's own handlers, one inherited from the main process would
    # swallow the signal: meanwhile SIGTERM just ends the worker.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:  # it died before the line above: nothing will send the signal
        raise SystemExit(1)


def _granian_app(trusted_proxies: str, parent_pid: int) -> Any:
    """What each granian worker process serves: the app of ``APP_FACTORY``, behind the same
    proxy-headers middleware uvicorn puts in front of it when a proxy is named. Module-level and
    given only a string and a number, so that a worker started by spawning, not forking, can load
    it too (the factory sets logs.py's logging up itself)."""
    from family_safety.server.app import app_from_environment

    _stop_with(parent_pid)
    app: Any = app_from_environment()
    if trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app = ProxyHeadersMiddleware(app, trusted_hosts=trusted_proxies)
    return app


def _serve_with_granian(settings: Settings, args: argparse.Namespace, trusted_proxies: str) -> None:
    import importlib.util

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.log import LogLevels

    server = Granian(
        APP_FACTORY,  # named in the process title; the workers load the app with _granian_app
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,  # ASGI with lifespan: the app's start-up and shut-down run
        workers=args.workers,
        # What uvicorn[standard] runs: uvloop where it is installed, HTTP/1.1, its backlog.
        loop=Loops.uvloop if importlib.util.find_spec("uvloop") else Loops.asyncio,
        http=HTTPModes.http1,
        backlog=2048,
        # Like uvicorn's supervisor: with several workers one that dies is replaced; a single
        # worker that dies ends `serve` (non-zero) for whatever supervises the process.
        respawn_failed_workers=args.workers > 1,
        # A stop waits this long for a worker to finish its requests, then kills it.
        workers_kill_timeout=GRACEFUL_STOP_SECONDS,
        # granian's own lines go to the root logger, rendered by logs.py like every other line;
        # no access log of its own (log_access is off): RequestLog is the access log.
        log_enabled=True,
        log_level=LogLevels(settings.log_level.lower()),
        log_dictconfig={"loggers": {"_granian": {"handlers": [], "propagate": True}}},
        log_access=False,
    )
    # granian handles SIGTERM and SIGINT itself: the workers drain, then serve() returns (it
    # exits 1 only when a worker died on its own); a stop that was asked for returns 0.
    server.serve(
        target_loader=partial(_granian_app, trusted_proxies, os.getpid()), wrap_loader=False
    )
