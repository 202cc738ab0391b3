"""The wire shapes of laws: a law as listed and shown, and the staff's change of its status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from family_safety.lib.text import FreeText

Status = Literal["in_force", "enjoined", "proposed"]


class LawOut(BaseModel):
    """A law, with the status in force (staff may have changed the shipped one)."""

    id: str = Field(examples=["EU-DSA-28"])
    title: str
    citation: str = Field(description="Where the law is published (a URL).")
    countries: list[str] = Field(description="ISO 3166-1 alpha-2 codes.")
    regions: list[str] = Field(description="ISO 3166-2 codes, such as `US-NY`.")
    status: Status
    effective_from: date | None
    effective_until: date | None = Field(description="Exclusive; null: no end.")
    applies_now: bool = Field(
        description="`status` is `in_force` and today (UTC) lies in "
        "`[effective_from, effective_until)`."
    )
    minimum_age: int | None
    rules: list[dict[str, Any]] = Field(
        description="`{key, band, default?, gate?, needs_guardian?}`, values in wire form."
    )
    status_note: str | None = Field(description="Staff's note on the last status change.")
    status_changed_at: datetime | None


class LawStatusChange(BaseModel):
    """Staff: `{status, note}`."""

    model_config = ConfigDict(extra="forbid")

    status: Status
    note: Annotated[FreeText, Field(min_length=1, max_length=500)]
