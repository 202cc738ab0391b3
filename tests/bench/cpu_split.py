"""Who uses the CPU while a benchmark runs: every second, the share of one core used by the
service's server processes, PostgreSQL's and wrk, read from /proc (Linux), printed to stderr
beside the benchmark's own progress lines.

    python -m tests.bench.cpu_split -- python -m tests.bench.load --database-url postgresql://...
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = ("server", "postgres", "wrk")


def _group(pid: Path) -> str | None:
    try:
        command = (pid / "cmdline").read_bytes().replace(b"\0", b" ")
        name = (pid / "comm").read_text().strip()
    except OSError:
        return None
    if name == "postgres":
        return "postgres"
    if name == "wrk":
        return "wrk"
    if b"family_safety serve" in command or b"family-safety serve" in command:
        return "server"  # its workers too (forked, they keep its command line)
    return None


def _ticks() -> dict[str, int]:
    used = dict.fromkeys(GROUPS, 0)
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit() or (group := _group(pid)) is None:
            continue
        try:
            fields = (pid / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[group] += int(fields[11]) + int(fields[12])  # utime + stime
    return used


def main(command: list[str]) -> int:
    started = time.monotonic()
    child = subprocess.Popen(command)
    before, then = _ticks(), time.monotonic()
    while child.poll() is None:
        time.sleep(1)
        now_ticks, now = _ticks(), time.monotonic()
        shares = {
            group: max(0, now_ticks[group] - before[group]) / TICKS / (now - then)
            for group in GROUPS
        }
        line = ", ".join(f"{group} {100 * share:.0f}%" for group, share in shares.items())
        print(f"cpu   [{now - started:6.1f} s]: {line}", file=sys.stderr, flush=True)
        before, then = now_ticks, now
    return child.returncode


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    if not arguments:
        sys.exit("usage: python -m tests.bench.cpu_split -- COMMAND ...")
    sys.exit(main(arguments))
