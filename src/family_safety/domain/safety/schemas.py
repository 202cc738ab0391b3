"""Wire shapes of safety: resources, report categories, reports (the reporter's view and the
staff view), blocks and search interventions.

The reporter's view and everything another account may read never hold the reporter; only the
staff view (``StaffReport``) names the reporter, and then only as ``{id, handle,
display_name}``: never a password, a token or a birthdate.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from family_safety.domain.accounts.schemas import AccountSummary, Handle

MAX_DESCRIPTION = 2000
MAX_EVIDENCE = 20
MAX_QUERY = 200

SubjectKind = Literal["account", "content", "comment", "message", "live"]
EvidenceKind = Literal["note", "link", "message_text", "media_hash"]
ReportStatus = Literal["received", "in_review", "actioned", "no_violation"]
Channel = Literal["in_app", "partner"]
Priority = Literal["urgent", "high", "normal"]
StepKind = Literal["block", "resource", "emergency", "authorities"]
Audience = Literal["under_18", "adults", "education_professionals", "everyone"]
EscalationStatus = Literal["required", "filed"]

# Bidirectional embeddings, overrides and isolates: text that reads otherwise than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ALLOWED_CONTROLS = frozenset("\n\t")


def _plain_text(value: str) -> str:
    """API.md, Operations: free text a person types is refused when it holds control characters,
    bidirectional overrides or isolates, or nothing visible. New lines and tabs are kept in
    longer texts (a description, what was said)."""
    for character in value:
        if character in _BIDI_CONTROLS:
            raise ValueError("holds a bidirectional override or isolate")
        if unicodedata.category(character) == "Cc" and character not in _ALLOWED_CONTROLS:
            raise ValueError("holds a control character")
    if not any(
        not character.isspace() and unicodedata.category(character)[0] not in "CZ"
        for character in value
    ):
        raise ValueError("has nothing visible")
    return value


def _plain_or_none(value: str | None) -> str | None:
    return None if value is None else _plain_text(value)


def _lowercase(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


# Optional fields carry their constraints outside the union, so that the OpenAPI document states
# them (as NewAccount.display_name does).
OptionalText = Annotated[
    str | None, Field(min_length=1, max_length=MAX_DESCRIPTION), AfterValidator(_plain_or_none)
]
OptionalHandle = Annotated[
    str | None,
    BeforeValidator(_lowercase),
    Field(min_length=3, max_length=30, pattern=r"^[a-z0-9_.]+$", examples=["sam_14"]),
]
OptionalRef = Annotated[
    str | None, Field(min_length=1, max_length=200), AfterValidator(_plain_or_none)
]
OptionalUrl = Annotated[str | None, Field(min_length=8, max_length=2000, pattern=r"^https?://\S+$")]
OptionalUsername = Annotated[
    str | None, Field(min_length=1, max_length=64), AfterValidator(_plain_or_none)
]
OptionalSha256 = Annotated[str | None, Field(pattern=r"^[0-9a-fA-F]{64}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- resources, categories, interventions ---------------------------------------------------


class ResourceOut(BaseModel):
    id: str
    name: str
    description: str
    url: str | None
    phone: str | None
    email: str | None
    audience: Audience
    topics: list[str]
    countries: list[str] = Field(description='ISO 3166-1 alpha-2 codes, or `["*"]`.')


class Resources(BaseModel):
    items: list[ResourceOut]


class CategoryOut(BaseModel):
    id: str
    title: str
    group: str
    description: str | None


class Categories(BaseModel):
    items: list[CategoryOut]


class InterventionOut(BaseModel):
    topic: str
    title: str
    message: str
    resources: list[ResourceOut]


class ListedIntervention(InterventionOut):
    phrases: list[str] = Field(
        description="The phrases that trigger it, normalised by `rule`: words joined by a space."
    )


class InterventionList(BaseModel):
    version: str
    rule: str = Field(description="How queries and phrases are compared, for offline matching.")
    items: list[ListedIntervention]


class InterventionMatch(BaseModel):
    intervention: InterventionOut | None


# --- reports --------------------------------------------------------------------------------


class Subject(_Input):
    """What is reported: at least one of handle, ref and url."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["handle"]}, {"required": ["ref"]}, {"required": ["url"]}]
        },
    )

    kind: SubjectKind
    handle: OptionalHandle = None
    ref: OptionalRef = None
    url: OptionalUrl = None

    @model_validator(mode="after")
    def _names_something(self) -> Subject:
        if self.handle is None and self.ref is None and self.url is None:
            raise ValueError("name the subject with at least one of handle, ref and url")
        return self


class Evidence(_Input):
    """What the guides ask a person to keep: usernames, times, what was said."""

    kind: EvidenceKind
    captured_at: datetime | None = None
    username: OptionalUsername = None
    url: OptionalUrl = None
    text: OptionalText = None
    sha256: OptionalSha256 = None

    @model_validator(mode="after")
    def _holds_something(self) -> Evidence:
        if self.kind == "media_hash":
            if self.sha256 is None:
                raise ValueError("media_hash evidence needs sha256")
        elif self.sha256 is not None:
            raise ValueError("sha256 is for media_hash evidence")
        elif self.username is None and self.url is None and self.text is None:
            raise ValueError("evidence needs at least one of username, url and text")
        return self


class NewReport(_Input):
    category: Annotated[str, Field(min_length=1, max_length=64)]
    subject: Subject
    description: OptionalText = None
    evidence: Annotated[list[Evidence], Field(max_length=MAX_EVIDENCE)] = Field(
        default_factory=list
    )
    tell_guardians: bool = Field(
        default=False,
        description="Teens (13-17) only: each linked guardian is told the category's title and "
        "the time, nothing else.",
    )


class NextStepOut(BaseModel):
    kind: StepKind
    text: str
    resource: ResourceOut | None


class ReportSummary(BaseModel):
    """A report without its evidence."""

    id: UUID
    category: str
    subject: dict[str, Any]
    description: str | None
    status: ReportStatus
    channel: Channel
    priority: Priority
    created_at: datetime
    updated_at: datetime
    next_steps: list[NextStepOut]
    tells_guardians: bool


class ReportOut(ReportSummary):
    """A report as its reporter sees it, with its evidence."""

    evidence: list[dict[str, Any]]


class Escalation(BaseModel):
    to: Literal["NCMEC"]
    status: EscalationStatus


class StaffReport(ReportOut):
    """A report as staff see it: who reported it (null once that account is deleted), the
    resolution, and the escalation a minor_exploitation report requires."""

    reporter: AccountSummary | None
    resolution: str | None
    escalation: Escalation | None


class ReportChange(_Input):
    """Staff: `{status, resolution?}`, or `{escalation: "filed"}`, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["status"]}, {"required": ["escalation"]}]},
    )

    status: ReportStatus | None = None
    resolution: OptionalText = None
    escalation: Literal["filed"] | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ReportChange:
        if self.status is None and self.escalation is None:
            raise ValueError("send a status, an escalation, or both")
        if self.resolution is not None and self.status is None:
            raise ValueError("a resolution comes with a status")
        return self


# --- blocks ---------------------------------------------------------------------------------


class NewBlock(_Input):
    handle: Handle


class BlockOut(BaseModel):
    account: AccountSummary
    created_at: datetime
