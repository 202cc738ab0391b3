"""docs/api.md, the service's own HTTP reference, names exactly what the service serves."""

from __future__ import annotations

import re
from pathlib import Path

REFERENCE = Path(__file__).parents[2] / "docs" / "api.md"
_OPERATION = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`", re.M)
_PARAMETER = re.compile(r"\{[^}]+\}")


def _normalised(path: str) -> str:
    return _PARAMETER.sub("{}", path.split("?")[0])


async def test_every_operation_in_the_reference_is_served_and_every_served_one_is_written(client):
    document = (await client.get("/schema/openapi.json")).json()
    served = {
        (method.upper(), _normalised(path))
        for path, operations in document["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        and not path.startswith("/health")
    }
    written = {
        (method, _normalised(path)) for method, path in _OPERATION.findall(REFERENCE.read_text())
    }
    assert written, "the reference lists no operation"
    assert written - served == set(), "written in docs/api.md but not served"
    assert served - written == set(), "served but not written in docs/api.md"
