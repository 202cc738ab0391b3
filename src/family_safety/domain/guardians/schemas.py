from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from family_safety.domain.account_settings.schemas import SettingValuesDict
from family_safety.domain.links.schemas import Link


class Limits(BaseModel):
    """One guardian's bounds on a teen's settings: ``{key: value}`` in each key's wire form."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"limits": {"screen_time.daily_limit_minutes": 45, "search.enabled": False}}
            ]
        },
    )

    limits: SettingValuesDict


class GuardianControls(BaseModel):
    link: Link
    limits: SettingValuesDict
