"""The one normalisation rule for search interventions, shared by the pack (its phrases) and the
matcher (every query), and published so a client can match offline by the same rule.

API.md: phrases and queries are "compared after Unicode NFKC normalisation, case folding and
removal of accents and punctuation", as whole words. In steps:

1. NFKC: compatibility forms become plain ones (fullwidth letters, the "fi" ligature).
2. Full Unicode case folding (not lower-casing: "ß" folds to "ss").
3. Accents removed: decompose (NFD) and drop every combining mark (categories Mn, Mc, Me).
4. Invisible format characters (category Cf: soft hyphen, zero-width space and joiners) are
   dropped, so they cannot split a word and hide it.
5. Every other character that is not a letter or a digit (punctuation, symbols, spaces, controls)
   separates words: "people-smuggling" is two words, as "people smuggling" is.
6. Each word is recomposed (NFC), so scripts that NFD splits into parts (Hangul) read as written.

The result is the tuple of words, in order; "whole words" means a phrase's words appear
consecutively in it.
"""

from __future__ import annotations

import unicodedata

RULE = (
    "NFKC; full case folding; NFD, then drop combining marks (Mn, Mc, Me) and format "
    "characters (Cf); every other character that is not a letter (L*) or a digit (N*) separates "
    "words; NFC each word. A phrase matches when its words appear consecutively in the query's."
)
"""The rule above in one line, for the list answer that clients match offline with."""


def normalise(text: str) -> tuple[str, ...]:
    """The words of text, compared by the rule above."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    kept = []
    for character in folded:
        category = unicodedata.category(character)
        if category[0] == "M" or category == "Cf":
            continue
        kept.append(character if category[0] in "LN" else " ")
    return tuple(unicodedata.normalize("NFC", word) for word in "".join(kept).split())
