"""Writing audit entries and verifying their hash chain.

Every audited change is a change to the inputs of an account's effective settings, so recording
one also bumps the account's ``settings_version``. The account's row is locked first (``locked``),
which serialises concurrent writers and keeps ``seq`` gap-free.

An entry is written one way, ``recorded``: a lean write's steps (``db.writes``), run by the lean
writes themselves or, through ``record``, in an ORM session's transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, NotRequired, TypedDict

from sqlalchemy import bindparam, insert, select, update

from family_safety.db.changes import Change, ChangeKind
from family_safety.db.hot_reads import HotQuery
from family_safety.db.models import Account, AuditEntry
from family_safety.db.models.accounts import AUDIT_GENESIS_HASH
from family_safety.db.writes import Announce, Fetch, Step, new_id, run_in_session

if TYPE_CHECKING:
    from collections.abc import Generator, Iterable, Mapping
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession
    from typing_extensions import Unpack  # typing's own from Python 3.12

GENESIS_HASH = AUDIT_GENESIS_HASH


class ActorRole(StrEnum):
    SELF = "self"
    GUARDIAN = "guardian"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    role: ActorRole
    id: UUID | None = None


SYSTEM = Actor(ActorRole.SYSTEM)


class Entry(TypedDict):
    """What an audit entry says: on whose chain, who did what, when, and under which link."""

    account_id: UUID
    actor: Actor
    action: str
    changes: dict[str, dict[str, Any]]  # {name: {"from": ..., "to": ...}}
    at: datetime
    link_id: NotRequired[UUID | None]


HASHED = ("account_id", "seq", "at", "actor_id", "actor_role", "action", "changes", "link_id")


def entry_hash(previous_hash: str, entry: Mapping[str, Any]) -> str:
    """The hash of an entry (its ``HASHED`` values): ids, time, action and values, never
    personal data."""
    payload = {
        "account_id": str(entry["account_id"]),
        "seq": entry["seq"],
        "at": entry["at"].isoformat(),
        "actor_id": str(entry["actor_id"]) if entry["actor_id"] else None,
        "actor_role": entry["actor_role"],
        "action": entry["action"],
        "changes": entry["changes"],
        "link_id": str(entry["link_id"]) if entry["link_id"] else None,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


class Head(NamedTuple):
    """An account's settings version and the head of its chain, as read under its lock."""

    settings_version: int
    seq: int
    hash: str


_HEAD = (Account.settings_version, Account.audit_head_seq, Account.audit_head_hash)
LOCK = HotQuery(select(*_HEAD).where(Account.id == bindparam("account_id")).with_for_update())
"""The account's row locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
already serialises writers), read as its ``Head``."""

_MOVE_HEAD = HotQuery(
    update(Account)
    .where(Account.id == bindparam("account_id"))
    .values(
        settings_version=bindparam("settings_version"),
        audit_head_seq=bindparam("seq"),
        audit_head_hash=bindparam("entry_hash"),
        updated_at=bindparam("at"),
    )
)
_APPEND = HotQuery(
    insert(AuditEntry).values(
        {name: bindparam(name) for name in ("id", *HASHED, "previous_hash", "entry_hash")}
    )
)


def locked(account_id: UUID) -> Generator[Step, Any, Head | None]:
    """Lock the account's row, in a lean write (``db.writes``): its current settings version
    and chain head, or None when there is no such account."""
    rows = yield Fetch(LOCK, {"account_id": account_id})
    return Head(*rows[0]) if rows else None


def recorded(head: Head, **entry: Unpack[Entry]) -> Generator[Step, Any, int]:
    """Add an entry to the account's chain after the ``head`` its caller locked, in a lean write
    (``db.writes``): the version, the head and the entry in one update and one insert. Returns
    the account's new settings version. The chain grows from the head kept on the account (not
    from the newest entry found), and the head moves with it: entries deleted from the end stay
    visible."""
    account_id, actor = entry["account_id"], entry["actor"]
    row = {
        "account_id": account_id,
        "seq": head.seq + 1,
        "at": entry["at"],
        "actor_id": actor.id,
        "actor_role": actor.role.value,
        "action": entry["action"],
        "changes": entry["changes"],
        "link_id": entry.get("link_id"),
        "previous_hash": head.hash,
    }
    row["entry_hash"] = entry_hash(head.hash, row)
    version = head.settings_version + 1
    yield Announce(Change(account_id, ChangeKind.SETTINGS))
    yield Fetch(_MOVE_HEAD, {**row, "settings_version": version})
    yield Fetch(_APPEND, {**row, "id": new_id()})
    return version


async def lock_account(session: AsyncSession, account_id: UUID) -> Head:
    """``locked`` in the session's transaction (the account must exist)."""
    head = await run_in_session(session, locked(account_id))
    if head is None:
        raise LookupError(f"no account {account_id}")
    return head


async def record(session: AsyncSession, **entry: Unpack[Entry]) -> int:
    """``recorded`` in the session's transaction, from the head it locks (again, if the caller
    already did: each entry follows the one before it in the transaction)."""
    head = await lock_account(session, entry["account_id"])
    return await run_in_session(session, recorded(head, **entry))


def first_broken(entries: Iterable[AuditEntry]) -> AuditEntry | None:
    """The first entry (in seq order) whose link or hash does not match, if any."""
    previous_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if (
            entry.seq != expected_seq
            or entry.previous_hash != previous_hash
            or entry.entry_hash
            != entry_hash(previous_hash, {name: getattr(entry, name) for name in HASHED})
        ):
            return entry
        previous_hash, expected_seq = entry.entry_hash, expected_seq + 1
    return None
