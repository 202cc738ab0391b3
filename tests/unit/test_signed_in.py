"""The memory of signed-in accounts: one entry per sign-in session, an account's sessions
forgotten together, bounded, and never answering for a session it was not asked about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from family_safety.db.changes import Change, ChangeBus, ChangeKind, MemoryTrust
from family_safety.db.memory import MemoryRules
from family_safety.domain.auth.signed_in import SignedInAccounts


class CountingReader:
    """Answers the signed-in query for live sessions, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.ended: set[UUID] = set()

    async def first(self, _query, parameters):
        self.reads += 1
        alive = parameters["session_id"] not in self.ended
        account_id = parameters["account_id"]
        created = datetime(2026, 1, 1, tzinfo=UTC)
        held = (None, None, None)  # not held
        assured = (None,) * 6  # no age signal
        return (
            account_id,
            "teen",
            "Teen",
            date(2012, 5, 1),
            None,
            None,
            "UTC",
            created,
            1,
            None,
            *held,
            *assured,
            alive,
        )

    def data_version(self) -> int | None:
        return None


def _memory(max_entries: int = 100) -> tuple[SignedInAccounts, CountingReader, ChangeBus]:
    reader, bus = CountingReader(), ChangeBus()
    trust = MemoryTrust(bus, reader, keep=True)
    return SignedInAccounts(reader, MemoryRules(bus, trust, max_entries)), reader, bus


async def test_each_session_is_kept_and_answered_for_itself():
    memory, reader, _ = _memory()
    account, phone, laptop = uuid4(), uuid4(), uuid4()
    first = await memory.load(account, phone)
    assert first is not None
    assert first.id == account
    await memory.load(account, laptop)
    assert (reader.reads, len(memory)) == (2, 2)
    assert await memory.load(account, phone) is first
    await memory.load(account, laptop)
    assert reader.reads == 2  # both from memory
    assert await memory.load(account, uuid4()) is not None  # another session is read, not lent
    assert reader.reads == 3


async def test_a_change_forgets_every_session_of_the_account():
    memory, reader, bus = _memory()
    account, other = uuid4(), uuid4()
    sessions = [uuid4(), uuid4()]
    for session in sessions:
        await memory.load(account, session)
    await memory.load(other, uuid4())
    bus.publish([Change(account, ChangeKind.SESSIONS)])
    assert len(memory) == 1
    reader.ended.add(sessions[0])
    assert await memory.load(account, sessions[0]) is None
    assert await memory.load(account, sessions[1]) is not None


async def test_the_memory_is_bounded():
    memory, _, _ = _memory(max_entries=3)
    for _ in range(10):
        await memory.load(uuid4(), uuid4())
    assert len(memory) <= 3
