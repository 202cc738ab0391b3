"""Answers of GET /v1/me/settings, kept per account under the ETag they were made for.

The ETag names the account's settings_version, its band and the policy version, and the version
is read from the database on every request, so a cached answer is served only while it is
current, on this instance and any other. Bodies are kept deflated and the cache is bounded by
bytes (least recently used first out), so it can hold every account of a large deployment.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uuid import UUID


class SettingsAnswerCache:
    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._bytes = 0
        self._answers: OrderedDict[UUID, tuple[str, bytes]] = OrderedDict()

    def get(self, account_id: UUID, etag: str) -> bytes | None:
        entry = self._answers.get(account_id)
        if entry is None or entry[0] != etag:
            return None
        self._answers.move_to_end(account_id)
        return zlib.decompress(entry[1])

    def put(self, account_id: UUID, etag: str, body: bytes) -> None:
        deflated = zlib.compress(body, 1)
        if (previous := self._answers.pop(account_id, None)) is not None:
            self._bytes -= len(previous[1])
        self._answers[account_id] = (etag, deflated)
        self._bytes += len(deflated)
        while self._bytes > self._max_bytes and self._answers:
            _, (_, evicted) = self._answers.popitem(last=False)
            self._bytes -= len(evicted)

    def __len__(self) -> int:
        return len(self._answers)
