"""OpenTelemetry tracing: with FAMILY_SAFETY_OTEL=1 each request makes a span named by its route
template (the lane's too); without it nothing of OpenTelemetry is imported and the app is built
exactly as before."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from family_safety.server.core import MIDDLEWARE
from family_safety.server.logs import RequestLog
from tests.helpers import CHEAP_HASHER, concurrent_app_client, signed_in


async def test_with_the_flag_each_request_makes_a_span_named_by_its_route(settings: Settings):
    exporter = InMemorySpanExporter()
    app = create_app(
        settings.model_copy(update={"otel": True}), hasher=CHEAP_HASHER, span_exporter=exporter
    )
    async with concurrent_app_client(app) as client:
        teen = await signed_in(client, "otel_teen", 14)
        for _ in range(2):  # the second is the lane's
            assert (await client.get("/v1/me/settings", headers=teen)).status_code == 200
        account_id = (await client.get("/v1/me", headers=teen)).json()["id"]
        await client.get(f"/v1/teens/{account_id}/limits", headers=teen)
        assert (await client.get("/health/live")).status_code == 200

    spans = exporter.get_finished_spans()
    names = [span.name for span in spans]
    assert names.count("GET /v1/me/settings") == 2
    assert "GET /health/live" in names
    assert "POST /v1/accounts" in names
    assert any(name.startswith("GET /v1/teens/{") for name in names), names
    assert not [name for name in names if account_id in name]
    live = next(span for span in spans if span.name == "GET /health/live")
    assert live.attributes is not None
    assert live.attributes["http.route"] == "/health/live"
    assert live.kind.name == "SERVER"
    assert live.resource.attributes["service.name"] == "family-safety"


def test_without_the_flag_nothing_of_opentelemetry_is_imported(settings: Settings, tmp_path):
    # A process of its own, where OpenTelemetry cannot be imported at all: the app builds and
    # answers, and none of its modules asked for it. (Litestar's constructor looks for its own
    # OpenTelemetry plugin and does without it when the import fails.)
    script = textwrap.dedent(
        f"""
        import asyncio, sys, traceback

        asked = []

        class NoOpenTelemetry:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "opentelemetry":
                    importer = [
                        frame.filename for frame in traceback.extract_stack()[:-1]
                        if not frame.filename.startswith("<")
                    ][-1]  # the module whose import statement asked
                    if "family_safety" in importer:
                        asked.append(importer)
                    raise ImportError(name)
                return None

        sys.meta_path.insert(0, NoOpenTelemetry())

        from litestar.testing import AsyncTestClient
        from family_safety.lib.config import Settings
        from family_safety.server.app import create_app

        async def main():
            app = create_app(Settings(database_url={settings.database_url!r},
                                      data_dir={str(tmp_path / "data")!r}, log_level="WARNING"))
            async with AsyncTestClient(app=app) as client:
                assert (await client.get("/health/live")).status_code == 200

        asyncio.run(main())
        print(sorted(name for name in sys.modules if name.startswith("opentelemetry")), asked)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[] []"


def test_without_the_flag_the_app_has_the_same_layers(settings: Settings):
    app = create_app(settings, hasher=CHEAP_HASHER)
    assert not settings.otel
    assert app.middleware == MIDDLEWARE
    assert isinstance(app._front, RequestLog)
    traced = create_app(settings.model_copy(update={"otel": True}), hasher=CHEAP_HASHER)
    assert traced.middleware == MIDDLEWARE  # tracing wraps the front, not the routes
    assert not isinstance(traced._front, RequestLog)
