"""The wire shapes of ``POST /v1/age-signals``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
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


class _LaneSignalIn(msgspec.Struct, forbid_unknown_fields=True):
    signal: Annotated[str, msgspec.Meta(min_length=1)]


_decode_lane_signal = msgspec.json.Decoder(_LaneSignalIn).decode


def lane_signal(body: bytes) -> str | None:
    """The signal of a body ``AgeSignalIn`` accepts (it accepts more: a signal that is not
    ASCII, which no signal is, is left to it too), or None for any body Litestar must answer."""
    try:
        signal = _decode_lane_signal(body).signal
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return signal if signal.isascii() else None


class AgeSignalOut(BaseModel):
    account_id: UUID
    applied: bool = Field(
        description="True when the signal was at least as strong as the kept one and replaced "
        "it; false when it was weaker: recorded, and nothing changed."
    )
    age_band: AgeBand
    age_assurance: AgeAssuranceOut | None
