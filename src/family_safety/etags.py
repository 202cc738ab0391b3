"""Entity tags (RFC 9110): how an answer's version is named, and how a client's tag is compared."""

from __future__ import annotations

import hashlib


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
