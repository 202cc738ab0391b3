"""The wire shapes of ``POST /v1/age-signals``."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from family_safety.domain.accounts.schemas import AgeAssuranceOut
from family_safety.domain.policy.schemas import AgeBand


class AgeSignalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signal: str = Field(
        min_length=1,
        description="A compact JWS: header `{alg: EdDSA or ES256, kid, typ: age-signal+jwt}`, "
        "claims `{iss, sub, iat, exp, jti, age_range: {lower, upper}, method}`.",
    )


class AgeSignalOut(BaseModel):
    account_id: UUID
    applied: bool = Field(
        description="True when the signal was at least as strong as the kept one and replaced "
        "it; false when it was weaker: recorded, and nothing changed."
    )
    age_band: AgeBand
    age_assurance: AgeAssuranceOut | None
