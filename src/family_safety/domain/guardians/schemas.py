from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from family_safety.domain.links.schemas import Link


class Limits(BaseModel):
    """One guardian's bounds on a teen's settings: ``{key: value}`` in each key's wire form."""

    model_config = ConfigDict(extra="forbid")

    limits: dict[str, Any] = Field(examples=[{"screen_time.daily_limit_minutes": 45}])


class GuardianControls(BaseModel):
    link: Link
    limits: dict[str, Any]
