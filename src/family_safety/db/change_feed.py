"""SQLite's change feed: how the processes sharing one SQLite file hear each other's changes.

Every transaction that announces changes also appends them, as one ``ChangeBus.notify_payload``,
to the ``change_feed`` table, in that transaction: the ORM's sessions (``changes``) and the
lean writes (``db.writes``) alike. A process notices that another connection committed by
``PRAGMA data_version`` (``db.hot_reads``), then reads the entries after the last one it read
and publishes those of other processes on its own bus, forgetting only the accounts they name.
Its own writer's commits, which move ``data_version`` too, thus cost one small read instead of
forgetting everything it keeps. PostgreSQL instances send the same payload by NOTIFY instead.

The feed keeps its last ``KEEP`` entries; a process that fell further behind than that finds a
gap in the numbers and forgets everything, as a dropped PostgreSQL listener does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

KEEP = 10_000
PRUNE_EVERY = 1_000  # entries appended between two prunings

APPEND = "INSERT INTO change_feed (payload) VALUES (:payload)"
PRUNE = "DELETE FROM change_feed WHERE seq <= :last_gone"
AFTER = "SELECT seq, payload FROM change_feed WHERE seq > :after ORDER BY seq"
LAST = "SELECT coalesce(max(seq), 0) FROM change_feed"


def append(execute: Callable[[str, dict[str, Any]], Any], payload: str) -> None:
    """Append one transaction's payload, inside that transaction; ``execute(sql, parameters)``
    runs a statement on its connection and returns a cursor (``lastrowid``)."""
    seq = execute(APPEND, {"payload": payload}).lastrowid
    if seq % PRUNE_EVERY == 0:
        execute(PRUNE, {"last_gone": seq - KEEP})
