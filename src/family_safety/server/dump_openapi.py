"""``python -m family_safety.server.dump_openapi [PATH]``: write the OpenAPI document that
``/schema/openapi.json`` serves, without a server or a database (``make client`` feeds it to
openapi-typescript). Without PATH it goes to stdout."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from litestar.serialization import encode_json

from family_safety.lib.config import Settings
from family_safety.server.app import create_app
from family_safety.server.openapi import served_document


def document() -> dict[str, object]:
    """The served document of an app on a throwaway data dir (nothing is migrated or served)."""
    with tempfile.TemporaryDirectory() as data_dir:
        database = Path(data_dir) / "unused.db"
        database.touch()  # opened read-only by the hot path reader, never queried
        settings = Settings(
            data_dir=Path(data_dir),
            database_url=f"sqlite+aiosqlite:///{database}",
            log_level="WARNING",
        )
        return json.loads(encode_json(served_document(create_app(settings))))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = json.dumps(document(), indent=2, ensure_ascii=False) + "\n"
    if args:
        Path(args[0]).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
