"""How long the Family Center's pages take to answer, one request at a time, against a real
``family-safety serve`` (the figures go in BENCHMARKS.md; no test asserts them).

    python -m tests.bench.family_pages [--requests 200]

Registers a guardian and a teen through the pages, links them through the API, then times
sequential GETs of each page with one keep-alive client: the sign-in page (no session), the
teen's home, and the guardian's page for the teen (the heaviest: settings, limits, screen time,
seven days, requests and history).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from tests.e2e.conftest import start_server
from tests.helpers import PASSWORD, birthdate_for_age


def _browser(base_url: str, handle: str, age: int) -> httpx.Client:
    client = httpx.Client(base_url=base_url)
    page = client.get("/family")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    form = {
        "_csrf_token": csrf,
        "handle": handle,
        "password": PASSWORD,
        "birthdate": birthdate_for_age(age).isoformat(),
    }
    assert client.post("/family/register", data=form).status_code == 303
    return client


def _time(client: httpx.Client, path: str, requests: int) -> list[float]:
    for _ in range(10):  # warm up
        assert client.get(path).status_code == 200
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="family_pages_"))
    server = start_server({"FAMILY_SAFETY_DATA_DIR": str(data)}, data / "server.log")
    try:
        mum = _browser(server.base_url, "mum", 41)
        sam = _browser(server.base_url, "sam", 14)
        with httpx.Client(base_url=server.base_url) as api:
            tokens = {
                handle: api.post(
                    "/v1/auth/token", json={"handle": handle, "password": PASSWORD}
                ).json()["access_token"]
                for handle in ("mum", "sam")
            }
            code = api.post(
                "/v1/pairing-invitations",
                json={},
                headers={"Authorization": f"Bearer {tokens['mum']}"},
            ).json()["code"]
            link = api.post(
                "/v1/pairings",
                json={"code": code},
                headers={"Authorization": f"Bearer {tokens['sam']}"},
            ).json()
        anonymous = httpx.Client(base_url=server.base_url)
        print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.requests} requests each")
        print("| page | median ms | p95 ms | max ms |")
        print("| --- | ---: | ---: | ---: |")
        for name, client, path in (
            ("GET /family (sign in)", anonymous, "/family"),
            ("GET /family/home (teen)", sam, "/family/home"),
            ("GET /family/teens/{id} (guardian)", mum, f"/family/teens/{link['teen']['id']}"),
        ):
            times = sorted(_time(client, path, args.requests))
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | {times[-1]:.1f} |")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
