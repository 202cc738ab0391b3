"""What people see, in a real browser (Debian's headless ``chromium``) against a real server: the
docs UI renders every endpoint with no internet, and the pairing QR code renders as an image that
scans (``zbarimg``, Debian's zbar-tools) to exactly the invitation's token, or with
``?content=link`` to the link that opens its preview (the pages' QR code holds that link:
tests/e2e/test_family_center_browser.py).

Nothing here is skipped: without chromium or zbarimg these tests fail (``.ci/run`` installs both).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Server, start_server
from tests.helpers import signed_in

pytestmark = pytest.mark.e2e

# No network for the browser beyond the server under test: every asset must come from it.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is needed (apt-get install -y chromium zbar-tools)"
    return path


def _chromium(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [_tool("chromium"), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("people_see")
    started = start_server({"FAMILY_SAFETY_DATA_DIR": str(data)}, data / "server.log")
    yield started
    started.stop()


def test_the_docs_render_every_endpoint_from_assets_the_service_serves(server, tmp_path):
    page = httpx.get(f"{server.base_url}/schema").text
    for asset in re.findall(r'(?:src|href)=["\']([^"\']+)["\']', page):
        assert asset.startswith("/schema/assets/"), asset
        assert httpx.get(server.base_url + asset).status_code == 200, asset
    paths = httpx.get(f"{server.base_url}/schema/openapi.json").json()["paths"]

    for url in (f"{server.base_url}/schema", f"{server.base_url}/schema/swagger"):
        dom = _chromium(tmp_path, "--dump-dom", url)
        rendered = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', dom))
        assert rendered == set(paths), set(paths) ^ rendered

    screenshot = tmp_path / "docs.png"
    _chromium(
        tmp_path,
        "--window-size=1200,900",
        f"--screenshot={screenshot}",
        f"{server.base_url}/schema",
    )
    assert screenshot.stat().st_size > 20_000  # a blank page is a few hundred bytes


@pytest.mark.parametrize("content", ["token", "link"])
def test_the_qr_code_renders_as_an_image_and_scans_to_the_token_or_its_link(
    server, tmp_path, content
):
    guardian = asyncio.run(_headers(server.base_url, f"guardian_{content}"))
    with httpx.Client(base_url=server.base_url) as client:
        created = client.post("/v1/pairing-invitations", json={}, headers=guardian)
        assert created.status_code == 201, created.text
        invitation = created.json()
        qr_path = f"/v1/pairing-invitations/{invitation['id']}/qr.svg"
        query = {} if content == "token" else {"content": "link"}
        first, second = (client.get(qr_path, params=query, headers=guardian) for _ in range(2))
    assert first.status_code == 200
    assert first.content == second.content  # the same bytes on every fetch
    svg = first.content.decode()
    assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg

    (tmp_path / "qr.svg").write_bytes(first.content)
    (tmp_path / "page.html").write_text(
        '<!doctype html><body style="margin:0;background:#fff">'
        '<img src="qr.svg" width="400" height="400"></body>'
    )
    screenshot = tmp_path / "qr.png"
    _chromium(
        tmp_path,
        "--window-size=480,480",
        f"--screenshot={screenshot}",
        (tmp_path / "page.html").as_uri(),
    )
    scanned = subprocess.run(
        [_tool("zbarimg"), "--quiet", "--raw", str(screenshot)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    if content == "token":
        assert scanned.stdout.strip() == invitation["token"]
        return
    link = scanned.stdout.strip()
    assert link == f"{server.base_url}/family/pair?token={invitation['token']}"
    # Followed by a browser not yet signed in: the sign-in page, which then shows the preview.
    with httpx.Client(follow_redirects=True) as phone:
        opened = phone.get(link)
    assert opened.status_code == 200
    assert str(opened.url) == f"{server.base_url}/family"
    assert "Sign in to see who invited you." in opened.text


async def _headers(base_url: str, handle: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        return await signed_in(client, handle, 40)
