"""Answers of GET /v1/me/settings, kept per account under the ETag they were made for.

The ETag names the account's settings_version, its band and the policy version, and the version
is the signed-in account's (kept in memory only while this instance hears every change to it,
see ``auth.signed_in``), so a cached answer is served only while it is current, on this instance
and any other. Answers differ from one another in a few values only,
so each is deflated against a preset dictionary of typical answers (about 110 bytes each) and
the cache, bounded by bytes (least recently used out first), can hold every account of a
large deployment.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

# The key, the bytes object's header and the dictionary's own bookkeeping: measured with
# tracemalloc at 150 to 180 bytes an entry beside the ETag and the deflated answer (5,000 to
# 100,000 entries; BENCHMARKS.md), so the budget is what the cache really takes.
ENTRY_OVERHEAD_BYTES = 170

# Raw deflate, without zlib's header and checksum: 10 bytes less an answer, and neither side
# checksums the preset dictionary on every use (inflating took 5.8 us an answer, now 1.4 us).
_RAW_DEFLATE = -15  # wbits
_LEVEL = 9  # 10 bytes an answer less than 6, for under 1 us more a deflate


class SettingsAnswerCache:
    def __init__(self, max_bytes: int, typical_answers: bytes) -> None:
        self._max_bytes = max_bytes
        self._dictionary = typical_answers[-32 * 1024 :]  # deflate looks back 32 KiB at most
        self._bytes = 0
        # Keyed by the account id's own int (the UUID object's, so no key of its own); each entry
        # is one bytes object: the ETag, then the deflated answer.
        self._answers: OrderedDict[int, bytes] = OrderedDict()

    def get(self, account_id: UUID, etag: str) -> bytes | None:
        key = account_id.int
        entry = self._answers.get(key)
        tag = etag.encode()
        if entry is None or not entry.startswith(tag):
            return None
        self._answers.move_to_end(key)
        inflate = zlib.decompressobj(_RAW_DEFLATE, zdict=self._dictionary)
        return inflate.decompress(entry[len(tag) :]) + inflate.flush()

    def put(self, account_id: UUID, etag: str, body: bytes) -> None:
        deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, _RAW_DEFLATE, zdict=self._dictionary)
        entry = etag.encode() + deflate.compress(body) + deflate.flush()
        key = account_id.int
        if (previous := self._answers.pop(key, None)) is not None:
            self._bytes -= len(previous) + ENTRY_OVERHEAD_BYTES
        self._answers[key] = entry
        self._bytes += len(entry) + ENTRY_OVERHEAD_BYTES
        while self._bytes > self._max_bytes and self._answers:
            _, evicted = self._answers.popitem(last=False)
            self._bytes -= len(evicted) + ENTRY_OVERHEAD_BYTES

    def __len__(self) -> int:
        return len(self._answers)
