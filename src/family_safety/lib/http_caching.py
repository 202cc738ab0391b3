"""HTTP caching (RFC 9110, 9111): how an answer's version is named (ETags), how a client's tag is
compared, and what a cache may keep of an answer."""

from __future__ import annotations

import hashlib

from litestar.datastructures import CacheControlHeader, ResponseHeader


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
