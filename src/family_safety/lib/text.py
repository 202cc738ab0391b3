"""Free text a person types (display names, keywords; notes and descriptions later): one rule.

Refused, so that what one person types can never disguise itself on another's screen (a teen's
consent screen shows the guardian's display name) nor break the database (PostgreSQL text cannot
hold NUL):

- control characters (Unicode category Cc, NUL included) and line or paragraph separators;
- bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069);
- lone surrogates;
- nothing visible: only spaces, format characters (zero-width space, joiners, ...), combining
  marks or blank-looking letters (Hangul fillers, braille blank).

``FreeText`` is the pydantic type; :func:`check_free_text` is the rule for code that parses by
hand (the policy catalogue's keyword lists).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Cf", "Mn", "Me", "Cc", "Zl", "Zp"})
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def free_text_problem(text: str) -> str | None:
    """Why ``text`` is refused as free text, or None when it is fine."""
    for char in text:
        if char in _BIDI_CONTROLS:
            return "must not hold bidirectional overrides or isolates"
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return "must not hold control characters"
    if all(
        char in _BLANK_LOOKING or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in text
    ):
        return "must hold something visible"
    return None


def check_free_text(text: str) -> str:
    if (problem := free_text_problem(text)) is not None:
        raise ValueError(problem)
    return text


FreeText = Annotated[str, AfterValidator(check_free_text)]
"""A string a person typed; add length bounds with ``Field`` where it is used."""
