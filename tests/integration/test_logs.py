"""Logs written off the event loop (family_safety.server.logs): every line reaches the output,
those logged right before the service stops too, with secrets masked and the request id kept."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import datetime

import pytest
import structlog
from litestar.testing import AsyncTestClient

from family_safety.server.app import create_app
from family_safety.server.logs import (
    ACCESS_LOGGER,
    RequestLog,
    configure_logging,
    write_logs_here,
)
from tests.helpers import CHEAP_HASHER

LINES = 2_000


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def test_every_access_line_is_written_when_the_service_stops(settings, capsys):
    json_settings = settings.model_copy(update={"log_json": True, "log_level": "INFO"})
    async with AsyncTestClient(app=create_app(json_settings, hasher=CHEAP_HASHER)) as client:
        # While serving, the loop only queues records: a thread renders and writes them.
        assert isinstance(logging.getLogger().handlers[0], logging.handlers.QueueHandler)
        for n in range(LINES):
            response = await client.get("/health/live", headers={"X-Request-ID": f"r-{n}"})
            assert response.status_code == 200
    # Nothing waited for: the lifespan's end wrote them all.
    requests = [line for line in _lines(capsys.readouterr().err) if line["event"] == "request"]
    assert [line["request_id"] for line in requests] == [f"r-{n}" for n in range(LINES)]
    assert {(line["route"], line["status"], line["level"]) for line in requests} == {
        ("/health/live", 200, "info")
    }


def test_lines_are_rendered_off_the_loop_masked_and_with_their_request_id(capsys, monkeypatch):
    rendered_by: list[str] = []
    format_exc_info = structlog.processors.format_exc_info

    def noting_the_thread(logger, method, event):  # one of the formatter's processors
        rendered_by.append(threading.current_thread().name)
        return format_exc_info(logger, method, event)

    monkeypatch.setattr(structlog.processors, "format_exc_info", noting_the_thread)
    configure_logging("INFO", as_json=True, off_the_loop=True)
    log = structlog.get_logger("family_safety.test")
    bound = structlog.contextvars.bind_contextvars(request_id="r-42")
    try:
        for n in range(LINES):
            log.info("signed in", n=n, password="hunter2", access_token="t0k3n")
        logging.getLogger("uvicorn.error").warning("a foreign line %s", "here")
    finally:
        structlog.contextvars.reset_contextvars(**bound)
    write_logs_here()  # as at the end of the lifespan, or at exit

    lines = _lines(capsys.readouterr().err)
    assert [line["n"] for line in lines[:-1]] == list(range(LINES))
    assert {(line["password"], line["access_token"]) for line in lines[:-1]} == {("***", "***")}
    assert {line["request_id"] for line in lines} == {"r-42"}
    assert lines[-1]["event"] == "a foreign line here"
    assert lines[-1]["logger"] == "uvicorn.error"
    assert threading.current_thread().name not in rendered_by
    assert len(rendered_by) == LINES + 1
    # Afterwards, lines are written at once by the thread that logs them.
    log.info("after")
    assert _lines(capsys.readouterr().err)[0]["event"] == "after"


def test_readable_lines_mask_secrets_too(capsys):
    configure_logging("INFO", as_json=False)
    structlog.get_logger("family_safety.test").info("signed in", password="hunter2", n=1)
    line = capsys.readouterr().err
    assert "[info     ] signed in" in line
    assert "[family_safety.test] n=1 password=***" in line
    assert "hunter2" not in line


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "console"])
@pytest.mark.parametrize("route", ["/v1/things/{thing_id}", None], ids=["routed", "unrouted"])
async def test_an_access_line_reads_as_every_other_line(capsys, as_json, route):
    """The access line skips the logger's processors for speed: it must still be the very line
    a logger would write with the same fields (layout, order, quoting, level, logger name)."""

    async def app(scope, receive, send):
        if route is not None:
            scope["path_template"] = route
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def ignore(message):
        pass

    configure_logging("INFO", as_json=as_json)
    scope = {
        "type": "http",
        "method": "DELETE",
        "path": "/v1/things/1",
        "headers": [(b"x-request-id", b"r-7")],
    }
    await RequestLog(app)(scope, None, ignore)
    structlog.get_logger(ACCESS_LOGGER).info(
        "request", request_id="r-7", method="DELETE", route=route, status=204, duration_ms=0.0
    )
    written, logged = capsys.readouterr().err.splitlines()
    if as_json:
        written_fields, logged_fields = json.loads(written), json.loads(logged)
        for fields in (written_fields, logged_fields):
            assert isinstance(fields.pop("duration_ms"), float)
            datetime.fromisoformat(fields.pop("timestamp"))
        assert written_fields == logged_fields
        assert list(json.loads(written)) == list(json.loads(logged))  # the same key order too
    else:
        time_and_duration = re.compile(r"^\S+ | duration_ms=[0-9.]+ ")
        assert time_and_duration.sub("", written) == time_and_duration.sub("", logged)
        assert f"[{ACCESS_LOGGER}] duration_ms=" in written
        assert f"route={route} status=204" in written
        datetime.fromisoformat(written.split(" ", 1)[0])
