"""Writing audit entries and verifying their hash chain.

Every audited change is a change to the inputs of an account's effective settings, so recording
one also bumps the account's ``settings_version``: the bump comes first and locks the account's
row, which serialises concurrent writers and keeps ``seq`` gap-free.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select, update

from family_safety.changes import ChangeKind
from family_safety.changes import note as note_change
from family_safety.db.models import Account, AuditEntry
from family_safety.db.models.accounts import AUDIT_GENESIS_HASH

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from uuid import UUID

    from sqlalchemy.ext.asyncio import AsyncSession

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


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    """The hash of an entry: ids, time, action and values, never personal data."""
    payload = {
        "account_id": str(entry.account_id),
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "changes": entry.changes,
        "link_id": str(entry.link_id) if entry.link_id else None,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


class Head(NamedTuple):
    """An account's settings version and the head of its chain, as read under its lock."""

    settings_version: int
    seq: int
    hash: str


async def lock_account(session: AsyncSession, account_id: UUID) -> Head:
    """Lock the account's row until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE
    already serialises writers) and return its current settings version and chain head: handed
    to ``record`` in the same transaction, the head spares ``record`` reading it again."""
    return Head(
        *(
            await session.execute(
                select(Account.settings_version, Account.audit_head_seq, Account.audit_head_hash)
                .where(Account.id == account_id)
                .with_for_update()
            )
        ).one()
    )


async def record(
    session: AsyncSession,
    *,
    account_id: UUID,
    actor: Actor,
    action: str,
    changes: dict[str, dict[str, Any]],
    at: datetime,
    link_id: UUID | None = None,
    locked: Head | None = None,
) -> int:
    """Add an entry to the account's chain, in the caller's transaction; returns the account's
    new settings version. The chain grows from the head kept on the account (not from the newest
    entry found), and the head moves with it: entries deleted from the end stay visible.
    ``locked`` is the head ``lock_account`` read in this transaction, when nothing has recorded
    since: the version, the head and the entry are then written in one update and one insert."""
    note_change(session, account_id, ChangeKind.SETTINGS)
    if locked is None:
        version, head_seq, head_hash = (
            await session.execute(
                update(Account)
                .where(Account.id == account_id)
                .values(settings_version=Account.settings_version + 1)
                .returning(
                    Account.settings_version, Account.audit_head_seq, Account.audit_head_hash
                )
            )
        ).one()
    else:
        version, head_seq, head_hash = locked.settings_version + 1, locked.seq, locked.hash
    seq, previous_hash = head_seq + 1, head_hash
    entry = AuditEntry(
        account_id=account_id,
        seq=seq,
        at=at,
        actor_id=actor.id,
        actor_role=actor.role.value,
        action=action,
        changes=changes,
        link_id=link_id,
        previous_hash=previous_hash,
    )
    entry.entry_hash = entry_hash(previous_hash, entry)
    session.add(entry)
    head = {"audit_head_seq": seq, "audit_head_hash": entry.entry_hash}
    if locked is not None:
        head["settings_version"] = version
    await session.execute(update(Account).where(Account.id == account_id).values(**head))
    await session.flush()
    return version


def first_broken(entries: Iterable[AuditEntry]) -> AuditEntry | None:
    """The first entry (in seq order) whose link or hash does not match, if any."""
    previous_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if (
            entry.seq != expected_seq
            or entry.previous_hash != previous_hash
            or entry.entry_hash != entry_hash(previous_hash, entry)
        ):
            return entry
        previous_hash, expected_seq = entry.entry_hash, expected_seq + 1
    return None
