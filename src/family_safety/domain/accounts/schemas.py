"""Wire schemas of accounts. ``birthdate`` appears only in answers to the account's holder."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import available_timezones

import iso3166
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from family_safety.domain.policy.schemas import AgeBand
from family_safety.lib.text import FreeText

# IANA's geographic areas, and Etc/ for fixed offsets. Other names a system may list (`localtime`,
# `posixrules`, `Factory`, old aliases like `GB` or `US/Eastern`) are not accepted: a zone name
# is `UTC` or `Area/Location`, and this system must know it.
_ZONE_AREAS = "Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc"
_ZONE_NAME = re.compile(rf"UTC|(?:{_ZONE_AREAS})/[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_TIMEZONES = frozenset(name for name in available_timezones() if _ZONE_NAME.fullmatch(name))
TIMEZONES: tuple[str, ...] = tuple(sorted(_TIMEZONES, key=lambda name: (name != "UTC", name)))
"""Every time zone name an account may have, UTC first: what the pages offer."""


def _lowercase(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _known_country(code: str) -> str:
    code = code.upper()
    if code not in iso3166.countries_by_alpha2:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


def _known_timezone(name: str) -> str:
    if name not in _TIMEZONES:
        raise ValueError("not an IANA time zone name (UTC or Area/Location)")
    return name


Handle = Annotated[
    str,
    BeforeValidator(_lowercase),
    Field(min_length=3, max_length=30, pattern=r"^[a-z0-9_.]+$", examples=["sam_14"]),
]
Password = Annotated[str, Field(min_length=10, max_length=128, examples=["correct horse battery"])]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_known_country)]


def _uppercase(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


Region = Annotated[
    str,
    BeforeValidator(_uppercase),
    Field(
        pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$",
        examples=["US-CA"],
        description="ISO 3166-2 subdivision code; it must lie in `country`.",
    ),
]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_known_timezone)]
DisplayName = Annotated[FreeText, Field(min_length=1, max_length=64, examples=["Sam"])]
DEFAULT_TIMEZONE = "UTC"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class NewAccount(_Input):
    handle: Handle
    password: Password
    birthdate: date
    country: Country | None = None
    region: Region | None = None
    timezone: TimeZone = DEFAULT_TIMEZONE
    display_name: DisplayName | None = None


class ProfileChange(_Input):
    """``PATCH /v1/me``: only the fields named change, by the registration's rules (the same
    types); null puts a field back to what registration gives when it is left out (the handle,
    no country, UTC). The birthdate is never changed here: naming it is 422, like any unknown
    field."""

    display_name: DisplayName | None = None
    country: Country | None = None
    region: Region | None = None
    timezone: TimeZone | None = None

    def named(self) -> dict[str, object]:
        """The fields the body named, with their values (null included)."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set
        }


class AccountSummary(BaseModel):
    """How an account appears to other accounts."""

    id: UUID
    handle: str
    display_name: str


class AgeAssuranceOut(BaseModel):
    """The strongest age signal the account has had (``POST /v1/age-signals``): how the age was
    assured, by which issuer, the inclusive range it declared, and when it was received."""

    method: Literal["self_declared", "guardian_declared", "estimated", "verified"]
    issuer: str
    lower: int | None
    upper: int | None
    at: datetime


class PublicAccount(AccountSummary):
    age_band: AgeBand
    country: str | None
    region: str | None = Field(description="ISO 3166-2, within `country`; null: none given.")
    timezone: str
    created_at: datetime
    age_assurance: AgeAssuranceOut | None = Field(
        default=None,
        description="Null, or the kept age signal: its age decides the band, the gates and who "
        "may be a guardian or be guarded. Never the birthdate.",
    )


class HeldOut(BaseModel):
    """A hold below a minimum age: the law (null for the platform's own minimum age), its
    title, and since when."""

    law_id: str | None
    title: str
    since: datetime


class OwnAccount(PublicAccount):
    """The account as its holder sees it: the only view with the birthdate."""

    birthdate: date
    held: HeldOut | None = Field(
        default=None,
        description="Set while the account is held below a minimum age that applies to it: "
        "every path but signing in and out, `GET /v1/me`, the export, erasure, the laws and "
        "help answers 403 `account-held`.",
    )


class PasswordConfirmation(_Input):
    password: Annotated[str, Field(min_length=1, max_length=128)]
