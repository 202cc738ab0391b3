"""Wire shapes every request shares: the teen's note, and a guardian's decision."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from family_safety.lib.text import FreeText

Note = Annotated[
    FreeText | None,
    Field(min_length=1, max_length=200, description="Free text; nothing invisible or hidden."),
]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
