"""`make bench`'s first table: the service at both log levels beside a bare ASGI app, on the
same uvicorn, in one run.

Three servers run at once on one seeded SQLite database, each measured alone in turn: the
service at ``FAMILY_SAFETY_LOG_LEVEL=INFO`` (the default users run) and at ``WARNING``, and
tests/bench/bare_app.py (no routing, a fixed body: what uvicorn itself costs a request). The
scenarios (``/health/live`` and the settings GET, warmed, so the lane answers it) go round
``--rounds`` times, interleaved, so that every figure of a row is taken in the same minutes;
each cell shows the range over the rounds. Reported, never asserted: the exit status is non-zero
only when the harness fails. Where the remaining time goes: tests/bench/profile_requests.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from tests.bench import load
from tests.bench.load import HarnessError, Measurement, Options, Scenario, Server, progress

REPOSITORY = Path(__file__).resolve().parents[2]
LEVELS = ("INFO", "WARNING")
BARE = "bare ASGI app"
TARGET_SHARE_OF_BARE = 0.70  # issue 22: the settings GET, at INFO
TARGET_ACCESS_LOG_COST = 0.10  # issue 22: what INFO may cost against WARNING


@dataclass(frozen=True, slots=True)
class CeilingOptions:
    teens: int
    duration: int
    rounds: int
    connections: int
    threads: int


def parse_options(argv: Sequence[str]) -> CeilingOptions:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.ceiling", description=__doc__)
    parser.add_argument("--teens", type=int, default=1_000, help="teens to seed (default 1000)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="times each row is measured")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    args = parser.parse_args(argv)
    for name in ("teens", "duration", "rounds", "connections", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return CeilingOptions(args.teens, args.duration, args.rounds, args.connections, args.threads)


def _load_options(options: CeilingOptions, log_level: str) -> Options:
    """The service as load.py runs it: SQLite, uvicorn, one worker, every teen warmed."""
    return load.parse_options(
        [
            *("--teens", str(options.teens), "--duration", str(options.duration)),
            *("--connections", str(options.connections), "--threads", str(options.threads)),
            *("--log-level", log_level, "--warm-all"),
        ]
    )


@contextmanager
def bare_server(work_dir: Path) -> Iterator[Server]:
    """tests/bench/bare_app.py on uvicorn, as ``family-safety serve`` runs it: uvicorn's own
    defaults (uvloop and httptools where installed), no access log."""
    port = load.free_port()
    log_path = work_dir / "bare.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "uvicorn", "tests.bench.bare_app:app", "--port", str(port)),
                *("--log-level", "warning", "--no-access-log"),
            ],
            cwd=REPOSITORY,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + load.STARTUP_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"the bare app did not start:\n{server.log_tail()}")
            try:
                if httpx.get(server.base_url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield server
    finally:
        load.stop(process)


def _range(figures: Sequence[float]) -> str:
    low, high = min(figures), max(figures)
    return f"{low:,.0f}" if round(low) == round(high) else f"{low:,.0f} to {high:,.0f}"


def _share(part: Sequence[float], whole: Sequence[float]) -> str:
    """The range of part/whole over the rounds, each round's figures taken minutes apart."""
    shares = [p / w for p, w in zip(part, whole, strict=True)]
    low, high = min(shares), max(shares)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f} to {high:.2f}"


def run(options: CeilingOptions, work_dir: Path) -> dict[tuple[str, str], list[float]]:
    """req/s of each (scenario, server) in each round."""
    data_dir = work_dir / "data"
    data_dir.mkdir()
    database_url = f"sqlite+aiosqlite:///{data_dir / 'family_safety.db'}"
    seeded, _ = load.prepare(_load_options(options, "INFO"), database_url, data_dir)
    scenarios = {
        "GET /health/live": load.health_scenario(),
        "GET /v1/me/settings": load.settings_scenario(seeded.teen_tokens),
    }
    figures: dict[tuple[str, str], list[float]] = {}
    with ExitStack() as servers:
        services = {
            level: servers.enter_context(
                load.running_server(data_dir, database_url, _load_options(options, level))
            )
            for level in LEVELS
        }
        bare = servers.enter_context(bare_server(work_dir))
        for level, server in services.items():
            progress(f"warming: GET /v1/me/settings for every teen, {level}")
            asyncio.run(load.fetch_settings_etags(server.base_url, seeded.teen_tokens))
        wrk = _load_options(options, "INFO")
        for round_number in range(1, options.rounds + 1):
            progress(f"round {round_number} of {options.rounds}")
            measured = load.run_wrk(
                Scenario(BARE, "GET", 200, ["/\t\t"]), wrk, bare.base_url, work_dir
            )
            figures.setdefault(("bare", BARE), []).append(_checked(measured))
            for name, scenario in scenarios.items():
                for level, server in services.items():
                    measured = load.run_wrk(scenario, wrk, server.base_url, work_dir)
                    figures.setdefault((name, level), []).append(_checked(measured))
    return figures


def _checked(measured: Measurement) -> float:
    if measured.errors:
        raise HarnessError(f"{measured.scenario.name}: {measured.error_detail()}")
    return measured.requests_per_second


def report(
    options: CeilingOptions,
    figures: dict[tuple[str, str], list[float]],
    load_average: float,
    argv: Sequence[str],
) -> str:
    bare = figures[("bare", BARE)]
    settings_info = figures[("GET /v1/me/settings", "INFO")]
    lines = [
        "### The service beside a bare ASGI app, both log levels",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{shlex.join(['python', '-m', 'tests.bench.ceiling', *argv])}`",
        f"- load: wrk, {options.threads} thread(s), {options.connections} connections, "
        f"{options.duration} s a measurement, {options.rounds} rounds interleaved; uvicorn, "
        f"1 worker, SQLite, {options.teens:,} teens, every teen's settings fetched once first; "
        f"{os.cpu_count()} CPUs, load average {load_average:.1f} at the start",
        "",
        "| scenario | log level | req/s | share of the bare app | INFO / WARNING |",
        "| --- | --- | ---: | ---: | ---: |",
        f"| {BARE} (tests/bench/bare_app.py) | - | {_range(bare)} | 1.00 | - |",
    ]
    for name in ("GET /health/live", "GET /v1/me/settings"):
        info, warning = figures[(name, "INFO")], figures[(name, "WARNING")]
        for level, rates in (("INFO", info), ("WARNING", warning)):
            ratio = _share(info, warning) if level == "INFO" else "-"
            lines.append(
                f"| {name} | {level} | {_range(rates)} | {_share(rates, bare)} | {ratio} |"
            )
    lines += [
        "",
        f"Targets (issue 22): the settings GET at INFO >= {TARGET_SHARE_OF_BARE:.2f} of the bare "
        f"app (measured {_share(settings_info, bare)}); INFO loses at most "
        f"{TARGET_ACCESS_LOG_COST:.0%} against WARNING (INFO / WARNING above). Where the rest "
        "goes: `python -m tests.bench.profile_requests --lane`.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    options = parse_options(arguments)
    load_average = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory(prefix="family-safety-ceiling-") as work_dir:
            figures = run(options, Path(work_dir))
    except HarnessError as exc:
        progress(f"error: {exc}")
        return 1
    print(report(options, figures, load_average, arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
