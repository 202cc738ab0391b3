"""The ceiling of `make bench`: an ASGI app with no routing and one fixed body, served by the
same uvicorn as the service (``uvicorn tests.bench.bare_app:app``). What the server itself costs
a request; tests/bench/ceiling.py reports the service's routes as shares of it."""

from __future__ import annotations

from typing import Any

BODY = b'{"status":"ok"}'
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", b"15")],
}
_BODY = {"type": "http.response.body", "body": BODY}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(_START)
    await send(_BODY)
