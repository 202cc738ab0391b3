"""The safety packs: resources, search interventions and report categories, as TOML data.

They sit beside the policy pack and are checked the same way when the service starts: a broken
pack raises SafetyPackError naming the file and the line (see family_safety.lib.pack_files), so an
operator who edits one learns at once what to fix. Loaded once; everything here is immutable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar, get_args

import iso3166
from pydantic import BaseModel, Field

from family_safety.domain.safety.normalise import normalise
from family_safety.domain.safety.schemas import (
    CategoryOut,
    InterventionOut,
    NextStepOut,
    ResourceOut,
)
from family_safety.lib.pack_files import PackError, PackModel, PackSource, read_toml, validated

DEFAULT_PACKS_DIR = Path(__file__).parent / "packs"
RESOURCES_FILE = "resources.toml"
INTERVENTIONS_FILE = "interventions.toml"
REPORTS_FILE = "reports.toml"

Audience = Literal["under_18", "adults", "education_professionals", "everyone"]
Topic = Literal[
    "harassment",
    "threats",
    "image_abuse",
    "child_sexual_abuse",
    "sexual_abuse",
    "human_exploitation",
    "impersonation",
    "self_care",
]
StepKind = Literal["block", "resource", "emergency", "authorities"]
OfferedTo = Literal["everyone", "adults"]
AUDIENCES: tuple[str, ...] = get_args(Audience)
TOPICS: tuple[str, ...] = get_args(Topic)
STEP_KINDS: tuple[str, ...] = get_args(StepKind)
EVERY_COUNTRY = "*"


def _wire(shape: type[BaseModel], record: object) -> dict[str, Any]:
    """A record of the packs as the API shows it: the fields of its wire shape (``schemas.py``),
    read from the record's attributes, the resources within too (tuples become lists)."""
    return shape.model_validate(record, from_attributes=True).model_dump()


class SafetyPackError(PackError):
    """A safety pack file that cannot be used; the message names the file and, where known, the
    line."""


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    name: str
    description: str
    url: str | None
    phone: str | None
    email: str | None
    audience: str  # one of AUDIENCES
    topics: tuple[str, ...]
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2 codes, or ("*",) for everywhere
    area: str | None = None  # where it helps in words, for several countries ("the EU")

    def to_wire(self) -> dict[str, Any]:
        return _wire(ResourceOut, self)


@dataclass(frozen=True, slots=True)
class Intervention:
    topic: str  # one of TOPICS; identifies the intervention
    title: str
    message: str
    resources: tuple[Resource, ...]
    phrases: tuple[str, ...]  # as written in the pack
    normalised_phrases: tuple[str, ...]  # the same, normalised: words joined by one space

    def to_wire(self) -> dict[str, Any]:
        """The contract's intervention; a match answers this."""
        return _wire(InterventionOut, self)


@dataclass(frozen=True, slots=True)
class ReportCategory:
    id: str
    title: str
    group: str
    description: str | None
    offered_to: str  # "everyone", or "adults": only accounts 18+ may choose it

    def to_wire(self) -> dict[str, Any]:
        return _wire(CategoryOut, self)


@dataclass(frozen=True, slots=True)
class NextStep:
    category: str
    kind: str  # one of STEP_KINDS
    text: str
    resource: Resource | None
    audience: str  # who the step is for, one of AUDIENCES

    def to_wire(self) -> dict[str, Any]:
        return _wire(NextStepOut, self)


@dataclass(frozen=True, slots=True, eq=False)  # identity equality: loaded once
class SafetyPacks:
    resources: tuple[Resource, ...]  # in pack order, the order callers see
    interventions: tuple[Intervention, ...]  # in pack order, which is priority
    categories: tuple[ReportCategory, ...]
    next_steps: tuple[NextStep, ...]
    resources_by_id: Mapping[str, Resource]
    categories_by_id: Mapping[str, ReportCategory]


@cache
def load_default_packs() -> SafetyPacks:
    """The packs shipped with the service (loaded once)."""
    return load_packs(DEFAULT_PACKS_DIR)


def load_packs(directory: Path) -> SafetyPacks:
    """Read and check resources.toml, interventions.toml and reports.toml in directory; raises
    SafetyPackError naming the file and line at fault."""
    resources = _load_resources(directory / RESOURCES_FILE)
    by_id = MappingProxyType({resource.id: resource for resource in resources})
    interventions = _load_interventions(directory / INTERVENTIONS_FILE, by_id)
    categories, next_steps = _load_reports(directory / REPORTS_FILE, by_id)
    return SafetyPacks(
        resources=resources,
        interventions=interventions,
        categories=categories,
        next_steps=next_steps,
        resources_by_id=by_id,
        categories_by_id=MappingProxyType({category.id: category for category in categories}),
    )


_Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
_Text = Annotated[str, Field(min_length=1)]


class _ResourceFile(PackModel):
    id: _Id
    name: _Text
    description: _Text
    url: str | None = Field(default=None, pattern=r"^https://[^\s/]+\.[^\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 -]*[0-9]$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    audience: Audience
    topics: list[Topic] = Field(min_length=1)
    countries: list[str] = Field(min_length=1)
    area: _Text | None = None


class _ResourcesFile(PackModel):
    resources: list[_ResourceFile] = Field(min_length=1)


class _InterventionFile(PackModel):
    topic: Topic
    title: _Text
    message: _Text
    resources: list[str] = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)


class _InterventionsFile(PackModel):
    interventions: list[_InterventionFile] = Field(min_length=1)


class _CategoryFile(PackModel):
    id: _Id
    title: _Text
    group: _Text
    description: str | None = Field(default=None, min_length=1)
    offered_to: OfferedTo


class _NextStepFile(PackModel):
    category: str
    kind: StepKind
    text: _Text
    resource: str | None = None
    audience: Audience = "everyone"


class _ReportsFile(PackModel):
    categories: list[_CategoryFile] = Field(min_length=1)
    next_steps: list[_NextStepFile] = Field(default_factory=list)


_Entry = TypeVar("_Entry", bound=PackModel)


def _entries(
    source: PackSource, what: str, entries: list[_Entry], table: str, key: str
) -> Iterator[tuple[tuple[str, int], _Entry]]:
    """Each entry of an array of tables, with where it is written (for the line); an entry whose
    ``key`` an earlier one has already is an error."""
    seen: set[object] = set()
    for index, entry in enumerate(entries):
        at = (table, index)
        value = getattr(entry, key)
        if value in seen:
            raise source.error(f"{what} {value!r}: {key} used twice", *at, key)
        seen.add(value)
        yield at, entry


def _load_resources(path: Path) -> tuple[Resource, ...]:
    source, data = read_toml(path, SafetyPackError)
    pack_file = validated(source, _ResourcesFile, data)
    resources = []
    for at, entry in _entries(source, "resource", pack_file.resources, "resources", "id"):
        if entry.url is None and entry.phone is None and entry.email is None:
            raise source.error(f"resource {entry.id!r}: needs a url, a phone or an email", *at)
        _check_countries(source, entry, at)
        # The file's fields are the resource's, by name; its lists become tuples.
        resources.append(
            Resource(
                **entry.model_dump(exclude={"topics", "countries"}),
                topics=tuple(dict.fromkeys(entry.topics)),
                countries=tuple(entry.countries),
            )
        )
    return tuple(resources)


def _check_countries(source: PackSource, entry: _ResourceFile, at: tuple[str, int]) -> None:
    countries = entry.countries
    if EVERY_COUNTRY in countries and len(countries) > 1:
        raise source.error(
            f'resource {entry.id!r}: countries: "*" means every country and stands alone',
            *at,
            "countries",
        )
    for country in countries:
        if country != EVERY_COUNTRY and country not in iso3166.countries_by_alpha2:
            raise source.error(
                f"resource {entry.id!r}: countries: {country!r} is not an ISO 3166-1 alpha-2 "
                "code (upper case)",
                *at,
                "countries",
                f'"{country}"',
            )
    if len(set(countries)) != len(countries):
        raise source.error(f"resource {entry.id!r}: countries: a country listed twice", *at)


def _load_interventions(path: Path, resources: Mapping[str, Resource]) -> tuple[Intervention, ...]:
    source, data = read_toml(path, SafetyPackError)
    pack_file = validated(source, _InterventionsFile, data)
    phrase_topics: dict[str, str] = {}
    interventions = []
    entries = _entries(source, "intervention", pack_file.interventions, "interventions", "topic")
    for at, entry in entries:
        _check_references(
            source, f"intervention {entry.topic!r}", entry.resources, resources, (*at, "resources")
        )
        normalised = []
        for phrase in entry.phrases:
            words = " ".join(normalise(phrase))
            if not words:
                raise source.error(
                    f"intervention {entry.topic!r}: phrase {phrase!r} has no words",
                    *at,
                    "phrases",
                    f'"{phrase}"',
                )
            if words in phrase_topics:
                raise source.error(
                    f"intervention {entry.topic!r}: phrase {phrase!r} is written twice (as "
                    f"{words!r}, for {phrase_topics[words]!r})",
                    *at,
                    "phrases",
                    f'"{phrase}"',
                )
            phrase_topics[words] = entry.topic
            normalised.append(words)
        interventions.append(
            Intervention(
                **entry.model_dump(exclude={"resources", "phrases"}),
                resources=tuple(resources[resource_id] for resource_id in entry.resources),
                phrases=tuple(entry.phrases),
                normalised_phrases=tuple(normalised),
            )
        )
    return tuple(interventions)


def _load_reports(
    path: Path, resources: Mapping[str, Resource]
) -> tuple[tuple[ReportCategory, ...], tuple[NextStep, ...]]:
    source, data = read_toml(path, SafetyPackError)
    pack_file = validated(source, _ReportsFile, data)
    categories = {
        entry.id: ReportCategory(**entry.model_dump())
        for _, entry in _entries(source, "category", pack_file.categories, "categories", "id")
    }
    steps = []
    for index, step in enumerate(pack_file.next_steps):
        at = ("next_steps", index)
        if step.category not in categories:
            raise source.error(
                f"next step: category {step.category!r} is not a category", *at, "category"
            )
        if step.resource is not None:
            _check_references(source, "next step", [step.resource], resources, (*at, "resource"))
        steps.append(
            NextStep(
                **step.model_dump(exclude={"resource"}),
                resource=None if step.resource is None else resources[step.resource],
            )
        )
    return tuple(categories.values()), tuple(steps)


def _check_references(
    source: PackSource,
    what: str,
    ids: list[str],
    resources: Mapping[str, Resource],
    key: tuple[str | int, ...],
) -> None:
    """Every id names a resource; key leads to where the ids are written, for the line."""
    for resource_id in ids:
        if resource_id not in resources:
            raise source.error(
                f"{what}: resource {resource_id!r} is not in {RESOURCES_FILE}",
                *key,
                f'"{resource_id}"',
            )
