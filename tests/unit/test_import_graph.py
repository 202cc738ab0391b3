"""The layers on disk (docs/design.md, "Layers"): each imports only the layers below it, no two
parts import each other, the policy engine stays pure, and no module grows past 500 lines."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "family_safety"

LAYERS = ("server", "domain", "db", "lib")
"""Top to bottom: a module imports from its own layer or from the layers after it."""


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def _runtime_imports(path: Path) -> set[str]:
    """The service's modules this file imports when it runs (``if TYPE_CHECKING:`` blocks are
    read by type checkers only, and may name a higher layer's types)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    imported: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.module == "family_safety" or node.module.startswith("family_safety."):
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
    return imported


def _layer(module: str) -> str:
    return module.split(".")[1]


def _part(module: str) -> str:
    """The folder a module belongs to: a capability for the domain, else its layer."""
    names = module.split(".")
    if names[1] == "domain" and len(names) > 2:
        return f"domain.{names[2]}"
    return names[1]


def _imports() -> dict[str, set[str]]:
    return {_module_name(path): _runtime_imports(path) for path in PACKAGE.rglob("*.py")}


def test_the_package_top_level_holds_only_packages_and_the_two_entry_files() -> None:
    loose = sorted(
        path.name
        for path in PACKAGE.iterdir()
        if path.is_file() and path.name not in {"__init__.py", "__main__.py"}
    )
    packages = sorted(path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file())
    assert loose == []
    assert packages == sorted(LAYERS)


MAX_MODULE_LINES = 500
"""A module a newcomer can read in one sitting: past this, it is split by role."""


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_each_layer_imports_only_the_layers_below_it() -> None:
    climbing = sorted(
        f"{module} -> {target}"
        for module, targets in _imports().items()
        if module.count(".") > 1
        for target in targets
        if LAYERS.index(_layer(target)) < LAYERS.index(_layer(module))
    )
    assert climbing == []


def test_no_two_parts_of_the_service_import_each_other() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in _imports().items():
        if module.count(".") > 1:
            graph[_part(module)].update(
                _part(target) for target in targets if target.count(".") > 1
            )
    mutual = sorted(
        {
            tuple(sorted((a, b)))
            for a in graph
            for b in graph[a]
            if a != b and a in graph.get(b, set())
        }
    )
    assert mutual == []


def test_the_policy_engine_imports_nothing_of_the_service_but_two_pure_rules() -> None:
    # pack_files reads TOML packs and names the line of an error (shared by every pack); text is
    # the one rule for free text a person types (keywords are such text). Both are pure.
    policy = {
        ".".join(target.split(".")[:3])
        for module, targets in _imports().items()
        if module.startswith("family_safety.domain.policy")
        for target in targets
        if not target.startswith("family_safety.domain.policy")
    }
    assert policy <= {"family_safety.lib.pack_files", "family_safety.lib.text"}


def test_the_decision_rules_are_pure() -> None:
    # decisions.rules decides from values alone: the engine's effective settings (the catalogue
    # gives a value's JSON form) and screen time's pure status (time away and quiet hours are
    # read with its window arithmetic).
    imports = _imports()
    rules = imports["family_safety.domain.decisions.rules"]
    assert {target.rsplit(".", 1)[0] for target in rules} <= {
        "family_safety.domain.policy.catalog",
        "family_safety.domain.screen_time.status",
    }
    status = {
        target.rsplit(".", 1)[0] for target in imports["family_safety.domain.screen_time.status"]
    }
    assert status <= {
        "family_safety.domain.policy.catalog",
        "family_safety.domain.screen_time.days",
        "family_safety.domain.screen_time.intervals",
    }
