"""What each per-account memory of a process takes, measured with tracemalloc: bytes an entry
of the verified-token cache, the signed-in accounts and the settings answer cache, filled with
20,000 accounts the way a request fills them (the signed-in memory is keyed by the token's own
UUID objects, so their bytes count with the tokens).

    python -m tests.bench.memory
"""

from __future__ import annotations

import asyncio
import tempfile
import tracemalloc
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from tests.bench import load

from family_safety.db.changes import ChangeBus, MemoryTrust
from family_safety.db.memory import MemoryRules
from family_safety.domain.account_settings.cache import SettingsAnswerCache
from family_safety.domain.account_settings.hot_path import typical_answers
from family_safety.domain.auth.signed_in import SignedInAccounts
from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib.security.keyring import create_keyring, load_keyring
from family_safety.lib.security.token_cache import VerifiedTokenCache
from family_safety.lib.security.tokens import TokenSigner

ACCOUNTS = 20_000


class _Reader:
    """The signed-in query's row, as the database gives it: new objects every time."""

    async def first(self, _query, parameters):
        n = parameters["account_id"].int % 1_000_000
        created = datetime(2026, 1, 1, tzinfo=UTC)
        return (
            uuid.UUID(int=parameters["account_id"].int),
            f"teen_{n:06d}",
            f"Teen {n}",
            date(2012, 5, 1),
            None,
            "Europe/Paris"[:],
            created,
            3,
            "13-15"[:],
            True,
        )

    def data_version(self) -> int | None:
        return None


def _per_entry(fill) -> float:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        keep = fill()
        taken = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del keep
    return taken / ACCOUNTS


def main() -> None:
    ids = [(uuid.uuid4(), uuid.uuid4()) for _ in range(ACCOUNTS)]  # the token's own objects

    def signed_in():
        bus = ChangeBus()
        memory = SignedInAccounts(
            _Reader(), MemoryRules(bus, MemoryTrust(bus, _Reader(), keep=True), max_entries=10**6)
        )

        async def fill() -> None:
            for account_id, session_id in ids:
                await memory.load(account_id, session_id)

        asyncio.run(fill())
        return memory

    pack = load_default_pack()
    answer = typical_answers(pack)[:2_200]

    def answers():
        cache = SettingsAnswerCache(1 << 40, typical_answers(pack))
        for n, (account_id, _) in enumerate(ids):
            cache.put(account_id, f'"{n:032x}"', answer[:-4] + f"{n:04d}".encode())
        return cache

    keyring = Path(tempfile.mkdtemp()) / "keyring.json"
    create_keyring(keyring)
    signer = TokenSigner(load_keyring(keyring), issuer=load.ISSUER)
    tokens = load.mint_access_tokens(signer, [a for a, _ in ids], dict(ids))

    def verified():
        cache = VerifiedTokenCache(signer, 10**6)
        for token in tokens:
            cache.verify_access_token(token)
        return cache

    print(f"verified tokens: {_per_entry(verified):.0f} bytes an entry (their UUIDs included)")
    print(f"signed-in accounts: {_per_entry(signed_in):.0f} bytes an entry")
    print(f"settings answers: {_per_entry(answers):.0f} bytes an entry")


if __name__ == "__main__":
    main()
