"""What the OpenAPI document says that Litestar cannot read from a type alone.

- ``Annotated[T, DocumentedAs(U)]``: a value read as ``T`` and documented as ``U``. For a body the
  service reads as it comes and checks itself, with its own messages (a settings body: every bad
  key named at once), while the document shows the type it accepts. ``server/openapi.py`` teaches
  Litestar's schema generation the marker; decoding ignores it.
- ``JsonExample``: an example shown exactly as the service answers it. (Litestar's ``Example``
  leaves out every null field of its value, and a real answer has some.) ``real_answer``: an
  answer documented with one such example, and none made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example


@dataclass(frozen=True, slots=True)
class DocumentedAs:
    type_: Any


@dataclass
class JsonExample(Example):
    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        schema["value"] = self.value
        return schema


def real_answer(type_: Any, description: str, summary: str, example: Any) -> ResponseSpec:
    """An answer of ``type_``, its example a real answer (``example``, encoded as it is sent)."""
    return ResponseSpec(
        type_,
        description=description,
        generate_examples=False,
        examples=[JsonExample(summary=summary, value=msgspec.to_builtins(example))],
    )
