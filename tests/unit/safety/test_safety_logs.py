"""Nobody but staff learns who reported, and no log line says it either: the safety capability
writes no log line at all (a report's reporter, subject and evidence never reach a logger)."""

from __future__ import annotations

import ast
from pathlib import Path

SAFETY = Path(__file__).parents[3] / "src" / "family_safety" / "safety"


def test_the_safety_capability_imports_no_logger() -> None:
    for path in sorted(SAFETY.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(("logging", "structlog")), (path.name, name)
                assert name != "family_safety.server.logs", path.name
