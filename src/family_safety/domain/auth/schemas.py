from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _lowercase(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


_NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # No control characters (NUL cannot even reach PostgreSQL): such a handle is 422, as it
    # could never have been registered.
    handle: Annotated[
        str,
        BeforeValidator(_lowercase),
        Field(
            min_length=1,
            max_length=64,
            pattern=_NO_CONTROL_CHARACTERS,
            json_schema_extra={"pattern": _NO_CONTROL_CHARACTERS},
        ),
    ]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Annotated[str, Field(min_length=10, max_length=128)]


class SignIn(Credentials):
    device_token: Annotated[
        str | None,
        Field(
            max_length=4096,
            description="The `device_token` of an earlier sign-in to this handle from this "
            "client: it keeps signing in while others' failures lock the handle out.",
        ),
    ] = None


class SignedIn(TokenPair):
    device_token: str = Field(
        description="Keep it, and send it with the next sign-in to this handle from this client."
    )
