"""Answers of GET /v1/me/settings, kept per account under the ETag they were made for.

The ETag names the account's settings_version, its band and the policy version, and the version
is the signed-in account's (kept in memory only while this instance hears every change to it,
see ``auth.signed_in``), so a cached answer is served only while it is current, on this instance
and any other. Answers differ from one another in a few values only,
so each is deflated against a preset dictionary of typical answers (a few hundred bytes each)
and the cache, bounded by bytes (least recently used out first), can hold every account of a
large deployment. Raw deflate (no zlib header or checksum: the bytes never leave the process)
takes the dictionary when the inflater is made, three times faster than a zlib stream that asks
for it (BENCHMARKS.md).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID

# The key, the ETag, the tuple and the dictionary's own bookkeeping: measured with tracemalloc at
# about 300 bytes an entry beside the deflated answer (BENCHMARKS.md), so the budget is what the
# cache really takes.
ENTRY_OVERHEAD_BYTES = 300
_RAW = -zlib.MAX_WBITS  # raw deflate, a 32 KiB window


class SettingsAnswerCache:
    def __init__(self, max_bytes: int, typical_answers: bytes) -> None:
        self._max_bytes = max_bytes
        self._dictionary = typical_answers[-32 * 1024 :]  # deflate looks back 32 KiB at most
        self._bytes = 0
        self._answers: OrderedDict[bytes, tuple[str, bytes]] = OrderedDict()

    def get(self, account_id: UUID, etag: str) -> bytes | None:
        key = account_id.bytes
        entry = self._answers.get(key)
        if entry is None or entry[0] != etag:
            return None
        self._answers.move_to_end(key)
        return zlib.decompressobj(_RAW, zdict=self._dictionary).decompress(entry[1])

    def put(self, account_id: UUID, etag: str, body: bytes) -> None:
        deflate = zlib.compressobj(6, zlib.DEFLATED, _RAW, zdict=self._dictionary)
        deflated = deflate.compress(body) + deflate.flush()
        key = account_id.bytes
        if (previous := self._answers.pop(key, None)) is not None:
            self._bytes -= len(previous[1]) + ENTRY_OVERHEAD_BYTES
        self._answers[key] = (etag, deflated)
        self._bytes += len(deflated) + ENTRY_OVERHEAD_BYTES
        while self._bytes > self._max_bytes and self._answers:
            _, (_, evicted) = self._answers.popitem(last=False)
            self._bytes -= len(evicted) + ENTRY_OVERHEAD_BYTES

    def __len__(self) -> int:
        return len(self._answers)
