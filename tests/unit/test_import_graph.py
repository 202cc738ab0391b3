"""No two parts of the service import each other: each concept has one home, and layers only
point down (docs/design.md, "Which layer may call which")."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "family_safety"


def _part(module: str) -> str:
    """The folder (or top-level module) a dotted module name belongs to."""
    names = module.split(".")
    return names[1] if len(names) > 1 else names[0]


def _imports_between_parts() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        source = _part(module.removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            if node.module == "family_safety":
                targets = [f"family_safety.{alias.name}" for alias in node.names]
            elif node.module.startswith("family_safety."):
                targets = [node.module]
            else:
                continue
            graph[source].update(_part(target) for target in targets if _part(target) != source)
    return graph


def test_no_two_parts_of_the_service_import_each_other() -> None:
    graph = _imports_between_parts()
    mutual = sorted(
        {
            tuple(sorted((a, b)))
            for a, targets in list(graph.items())
            for b in targets
            if a in graph.get(b, ())
        }
    )
    assert mutual == []


def test_the_policy_engine_imports_nothing_of_the_service_but_two_pure_rules() -> None:
    # pack_files reads TOML packs and names the line of an error (shared by every pack); text is
    # the one rule for free text a person types (keywords are such text). Both are pure.
    assert _imports_between_parts()["policy"] <= {"pack_files", "text"}
