"""The trusted issuers' keys in memory: a signal is checked against them with no read; and the
budget of those checks a second (``Settings.age_signal_checks_per_second``), so that a flood of
signals signed with the wrong key takes at most that many checks' time a second.

An issuer added or removed by ``family-safety issuers`` (another process) is seen within
``REFRESH_SECONDS``; a ``kid`` not in memory reads them again at most every
``UNKNOWN_KID_SECONDS``, so a flood of signals naming made-up keys costs no read each.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from family_safety.domain.age_signals.repository import read_trusted_keys
from family_safety.lib.rate_limits import TokenBucket

if TYPE_CHECKING:
    from family_safety.db.hot_reads import HotPathReader
    from family_safety.lib.security.public_keys import TrustedKey

REFRESH_SECONDS = 10.0
UNKNOWN_KID_SECONDS = 2.0


class TrustedIssuers:
    def __init__(self, reader: HotPathReader, checks_per_second: float) -> None:
        self._reader = reader
        self.may_check = TokenBucket(checks_per_second).take
        self._keys: dict[str, TrustedKey] = {}
        self._read_at = float("-inf")
        self._reading = asyncio.Lock()

    def find(self, kid: str) -> TrustedKey | None:
        """The key with this ``kid``, from memory."""
        return self._keys.get(kid)

    async def refresh_for(self, kid: object) -> None:
        """Read the keys again when they are older than ``REFRESH_SECONDS``, or when ``kid`` is
        unknown and they are older than ``UNKNOWN_KID_SECONDS``; one read for many waiters."""
        if not self._due(kid):
            return
        async with self._reading:
            if self._due(kid):  # another waiter may have read them meanwhile
                self._keys = await read_trusted_keys(self._reader)
                self._read_at = time.monotonic()

    def forget(self) -> None:
        """Read again on the next signal (after a change this process made, and in tests)."""
        self._read_at = float("-inf")

    def _due(self, kid: object) -> bool:
        age = time.monotonic() - self._read_at
        unknown = not isinstance(kid, str) or kid not in self._keys
        return age > REFRESH_SECONDS or (unknown and age > UNKNOWN_KID_SECONDS)
