"""What a process keeps in memory of the database (the signed-in accounts, screen time's days and
limits, what decisions read), and the rules each such memory keeps:

- it forgets what a change heard on the ``ChangeBus`` says has changed (``_forget_change``), and
  everything whenever the ``MemoryTrust`` says changes may have gone unheard
  (``_forget_everything``); each forgetting counts in ``_forgotten``;
- it serves nothing while ``_trusted()`` is False, and keeps nothing a read returned when that
  read overlapped a forgetting (``_forgotten`` moved meanwhile);
- it holds at most ``max_entries`` per dict, the oldest going first (``_keep``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, NamedTuple, TypeVar

if TYPE_CHECKING:
    from family_safety.db.changes import Change, ChangeBus, MemoryTrust
    from family_safety.db.hot_reads import HotPathReader

K = TypeVar("K")
V = TypeVar("V")


class MemoryRules(NamedTuple):
    """What every memory of a process follows: the changes it hears (``bus``), what says when
    they may have gone unheard (``trust``), and how many entries a dict of it holds."""

    bus: ChangeBus
    trust: MemoryTrust
    max_entries: int


class ProcessMemory(ABC):
    """A memory of what ``reader`` reads, following ``rules``."""

    def __init__(self, reader: HotPathReader, rules: MemoryRules) -> None:
        self._reader = reader
        self._trusted = rules.trust.watch(self._forget_everything)
        self._max_entries = rules.max_entries
        self._forgotten = 0  # counts every forgetting: a read that overlapped one is not kept
        rules.bus.on_change(self._forget_change)

    @abstractmethod
    def _forget_change(self, change: Change) -> None:
        """Forget what ``change`` changes, counting it in ``_forgotten`` if anything may be."""

    @abstractmethod
    def _forget_everything(self) -> None:
        """Forget all that is kept, counting it in ``_forgotten``."""

    def _keep(self, memory: dict[K, V], key: K, value: V) -> None:
        """``memory[key] = value``; when ``memory`` is full, its oldest entry goes first."""
        if len(memory) >= self._max_entries and key not in memory:
            del memory[next(iter(memory))]
        memory[key] = value
