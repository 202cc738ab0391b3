"""Search interventions: which intervention, if any, a search meets.

The match endpoint is called on every search in a client app, so its cost must not grow with the
number of phrases. The matcher is built once from the interventions pack: every phrase, as its
tuple of normalised words (see family_safety.domain.safety.normalise), is a key of a dict to its
intervention's priority, and a set holds every proper prefix of a phrase. Matching normalises the
query into words and, from each word, looks up the n-grams starting there, one word longer each
time, until one is no phrase's prefix or the longest phrase's length is reached. That is at most
(query words times words in the longest phrase) dict lookups, whatever the number of phrases; a
query is at most 200 characters, and phrases are a few words.

Several topics may match one query: the pack's order is priority (the first intervention in
interventions.toml wins), so the most serious harm, written first, is the one shown.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from family_safety.domain.safety.normalise import RULE, normalise
from family_safety.domain.safety.pack import Intervention, load_default_packs


@dataclass(frozen=True, slots=True, eq=False)  # identity equality: built once
class InterventionMatcher:
    interventions: tuple[Intervention, ...]  # in priority order
    version: str  # changes whenever the list answer does; the ETag of that answer
    _priority_by_phrase: Mapping[tuple[str, ...], int]
    _prefixes: frozenset[tuple[str, ...]]
    _longest: int

    @classmethod
    def build(cls, interventions: Iterable[Intervention]) -> InterventionMatcher:
        """A matcher for interventions, in priority order (the pack's order)."""
        ordered = tuple(interventions)
        priority_by_phrase: dict[tuple[str, ...], int] = {}
        for priority, intervention in enumerate(ordered):
            for phrase in intervention.normalised_phrases:
                priority_by_phrase.setdefault(tuple(phrase.split(" ")), priority)
        prefixes = frozenset(
            phrase[:length] for phrase in priority_by_phrase for length in range(1, len(phrase))
        )
        longest = max((len(phrase) for phrase in priority_by_phrase), default=0)
        return cls(
            interventions=ordered,
            version=_version(_items(ordered)),
            _priority_by_phrase=MappingProxyType(priority_by_phrase),
            _prefixes=prefixes,
            _longest=longest,
        )

    def match(self, query: str) -> Intervention | None:
        """The intervention a search for query meets: the first in priority order with a phrase
        that appears in query as whole words, after normalisation; None when no phrase does."""
        words = normalise(query)
        best: int | None = None
        for start in range(len(words)):
            for end in range(start + 1, min(start + self._longest, len(words)) + 1):
                gram = words[start:end]
                priority = self._priority_by_phrase.get(gram)
                if priority is not None and (best is None or priority < best):
                    if priority == 0:
                        return self.interventions[0]
                    best = priority
                if gram not in self._prefixes:
                    break
        return None if best is None else self.interventions[best]

    def describe(self) -> dict[str, Any]:
        """The list answer of GET /v1/safety/search-interventions: {version, rule, items}, each
        item the contract's intervention plus its normalised phrases, for offline matching."""
        return {"version": self.version, "rule": RULE, "items": _items(self.interventions)}


@cache
def default_matcher() -> InterventionMatcher:
    """The matcher for the shipped interventions pack (built once)."""
    return InterventionMatcher.build(load_default_packs().interventions)


def _items(interventions: tuple[Intervention, ...]) -> list[dict[str, Any]]:
    return [
        {**intervention.to_wire(), "phrases": list(intervention.normalised_phrases)}
        for intervention in interventions
    ]


def _version(items: list[dict[str, Any]]) -> str:
    """A hash of the list answer's content (with the rule), stable across runs and machines."""
    content = json.dumps([RULE, items], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
