"""HTTP caching (RFC 9110, 9111): how an answer's version is named (ETags), how a client's tag is
compared, and what a cache may keep of an answer."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Response
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.status_codes import HTTP_304_NOT_MODIFIED


def etag_of(*parts: object) -> str:
    """A strong ETag naming exactly these parts (ids, versions): equal parts, equal tag."""
    material = ":".join(str(part) for part in parts)
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match / If-Match comparison (weak comparison; ``*`` matches anything)."""
    if header is None:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in candidates or etag in candidates


def not_modified(etag: str) -> Response[bytes]:
    """304: the client's copy, named by ``etag`` in its ``If-None-Match``, is current."""
    return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})


def unless_unchanged(content: Any, etag: str, if_none_match: str | None) -> Response[Any]:
    """The conditional answer: ``content`` with its ETag, or 304 when ``If-None-Match`` names
    that ETag. (The lane, server/hot_routes.py, sends the same answers as raw ASGI messages;
    tests/integration/test_hot_routes.py holds both alike.)"""
    if etag_matches(if_none_match, etag):
        return not_modified(etag)
    return Response(content, headers={"ETag": etag})


NO_STORE = CacheControlHeader(no_store=True)
"""``cache_control=NO_STORE`` on every route whose answer carries a token, a code, a birthdate or
an export: no cache, shared or private, may keep it."""

# For the `response_headers` of the routes that answer with an ETag.
ETAG = ResponseHeader(
    name="ETag",
    description="The version of this answer, for `If-Match` and `If-None-Match`.",
    documentation_only=True,
    required=True,
)
