"""``family-safety openapi``: the OpenAPI document the app serves, written without serving it."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from family_safety.lib.config import Settings


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document ``/schema/openapi.json`` serves, from an app built on a throwaway
    data dir (nothing is migrated or served)."""
    from litestar.serialization import encode_json

    from family_safety.server.app import create_app

    with tempfile.TemporaryDirectory() as data_dir:
        database = Path(data_dir) / "unused.db"
        database.touch()  # opened read-only by the hot path reader, never queried
        app = create_app(
            Settings(
                data_dir=Path(data_dir),
                database_url=f"sqlite+aiosqlite:///{database}",
                log_level="WARNING",
            )
        )
        document: dict[str, Any] = json.loads(encode_json(app.openapi_schema.to_schema()))
        return document


def openapi(_settings: Settings, args: argparse.Namespace) -> int:
    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
    if args.path:
        Path(args.path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
