"""A bare keep-alive HTTP/1.1 client for harnesses that send many small GETs and need only each
answer's status and a header or two.

httpx costs the harness about as much CPU a request as the service's own answer does, and on a
small machine the harness then competes with the servers it measures. This one writes the
request's bytes and reads the answer's head and body off an asyncio stream: a few microseconds
a request. Only what the service's answers use is understood (``Content-Length`` or chunked
bodies, ``Connection: close``); anything else is an error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


class ProtocolError(Exception):
    """An answer this client does not understand."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


class Connection:
    """One keep-alive connection to ``base_url`` (``http://host:port``), reopened after the
    server closes it. One request at a time."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"not an http://host:port address: {base_url}")
        self._host, self._port = parts.hostname, parts.port
        self._host_header = f"Host: {parts.netloc}\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        writer.write(f"GET {path} HTTP/1.1\r\n{self._host_header}{extra}\r\n".encode("latin-1"))
        try:
            answer = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError):
            await self.close()
            raise
        if answer.headers.get("connection", "").lower() == "close":
            await self.close()
        return answer

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_answer(reader: asyncio.StreamReader) -> Answer:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunks(reader)
    elif status in (204, 304) or 100 <= status < 200:
        body = b""
    else:
        raise ProtocolError(f"an answer ({status}) with neither a length nor chunks")
    return Answer(status, headers, body)


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0], 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
