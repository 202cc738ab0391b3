"""What open event streams cost: the server's resident memory before and after opening
``--streams`` streams of ``GET /v1/me/events`` (SQLite default, one worker).

    python -m tests.bench.event_streams --streams 1000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import httpx
from tests.e2e.conftest import start_server
from tests.helpers import signed_in

ACCOUNTS = 20


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def measure(base_url: str, pid: int, streams: int) -> tuple[float, float, int]:
    limits = httpx.Limits(max_connections=streams + 10)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        headers = [await signed_in(client, f"viewer_{n}", 30) for n in range(ACCOUNTS)]
        await asyncio.sleep(1)
        before = resident_mib(pid)
        opened: list[httpx.Response] = []
        for n in range(streams):
            request = client.build_request("GET", "/v1/me/events", headers=headers[n % ACCOUNTS])
            response = await client.send(request, stream=True)
            assert response.status_code == 200
            opened.append(response)
        await asyncio.sleep(2)
        after = resident_mib(pid)
        for response in opened:
            await response.aclose()
        return before, after, len(opened)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=1000)
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp())
    env = {
        "FAMILY_SAFETY_DATA_DIR": str(data_dir),
        "FAMILY_SAFETY_LOG_LEVEL": "WARNING",
        "FAMILY_SAFETY_REGISTRATIONS_PER_ADDRESS_PER_HOUR": "1000",
    }
    server = start_server(env, data_dir / "server.log")
    try:
        before, after, opened = asyncio.run(
            measure(server.base_url, server.process.pid, options.streams)
        )
    finally:
        server.stop()
    print(
        f"{opened} open event streams: server RSS {before:.0f} MiB -> {after:.0f} MiB "
        f"(+{after - before:.1f} MiB, {(after - before) * 1024 / opened:.1f} KiB a stream)"
    )


if __name__ == "__main__":
    main()
