"""What a birthday changes: the keys whose age gate lifts between two bands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from family_safety.domain.policy.catalog import CATALOG

if TYPE_CHECKING:
    from family_safety.domain.policy.pack import PolicyPack


def lifted_gates(pack: PolicyPack, from_band: str, to_band: str) -> list[str]:
    """Keys gated in from_band whose gate in to_band is gone or looser: what the holder may now
    change that it could not before. Catalogue order."""
    lifted = []
    for key, kind in CATALOG.items():
        old_gate = pack.gates[from_band].get(key)
        if old_gate is None:
            continue
        new_gate = pack.gates[to_band].get(key)
        if new_gate is None or not kind.at_least_as_strict(new_gate, old_gate):
            lifted.append(key)
    return lifted
