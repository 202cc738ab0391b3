"""Search interventions: a search meets an intervention when one of its phrases appears in it as
whole words, whatever the case, accents and punctuation; never inside a longer word."""

from __future__ import annotations

import dataclasses
import string
import unicodedata
from collections.abc import Iterator, Mapping

from hypothesis import assume, given
from hypothesis import strategies as st

from family_safety.domain.safety import (
    RULE,
    Intervention,
    InterventionMatcher,
    default_matcher,
    load_default_packs,
    normalise,
)

INTERVENTIONS = load_default_packs().interventions
PHRASES = [(phrase, i.topic) for i in INTERVENTIONS for phrase in i.phrases]
SINGLE_WORDS = [(phrase, topic) for phrase, topic in PHRASES if " " not in phrase]
FILLER = ["how", "to", "report", "news", "about", "help", "a", "the", "2024"]


def topic_of(query: str) -> str | None:
    intervention = default_matcher().match(query)
    return None if intervention is None else intervention.topic


def intervention(topic: str, *phrases: str) -> Intervention:
    return Intervention(
        topic=topic,
        title=topic,
        message=topic,
        resources=(),
        phrases=phrases,
        normalised_phrases=tuple(" ".join(normalise(phrase)) for phrase in phrases),
    )


# Strategies: the ways a person (or a person dodging a filter) may write the same words.

COMBINING_MARKS = [chr(code) for code in range(0x300, 0x370) if code != 0x345]
# U+0345 is left out: case folding turns it into the letter iota, so it is not an accent.


def is_separator(character: str) -> bool:
    """Punctuation, symbols, spaces and controls that stay such under NFKC (unlike "™")."""
    return all(
        unicodedata.category(part)[0] in "PSZ" or unicodedata.category(part) == "Cc"
        for part in unicodedata.normalize("NFKC", character)
    )


separators = st.text(
    st.characters(categories=["P", "S", "Z", "Cc"]).filter(is_separator), min_size=1, max_size=3
)


def to_fullwidth(text: str) -> str:
    """ASCII letters as their fullwidth forms (U+FF21...), which NFKC turns back into ASCII."""
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if c.isascii() and c.isalpha() else c for c in text)


@st.composite
def written_letter(draw: st.DrawFn, letter: str) -> str:
    if not letter.isascii() or not letter.isalpha():
        return letter
    cased = draw(st.sampled_from([letter.lower(), letter.upper()]))
    marks = "".join(draw(st.lists(st.sampled_from(COMBINING_MARKS), max_size=2)))
    fullwidth = to_fullwidth(cased)
    composed = unicodedata.normalize("NFC", cased + marks)  # é, ñ, ǘ: one precomposed letter
    return draw(st.sampled_from([cased + marks, composed, fullwidth + marks]))


@st.composite
def written(draw: st.DrawFn, phrase: str) -> str:
    """phrase, its words apart by any punctuation, each letter in any case, with any accents."""
    words = ["".join(draw(written_letter(letter)) for letter in word) for word in phrase.split(" ")]
    text = words[0]
    for word in words[1:]:
        text += draw(separators) + word
    return text


def test_a_word_with_accents_case_and_punctuation_is_normalised_to_plain_words() -> None:
    assert normalise(f"  {to_fullwidth('Human')}—TRAFFICKÍNG!!  ") == ("human", "trafficking")
    assert normalise("Straße") == ("strasse",)
    assert normalise("e\u0301le\u0300ve") == ("eleve",)
    assert normalise("l'élève, s'il-vous_plaît") == ("l", "eleve", "s", "il", "vous", "plait")


def test_invisible_characters_cannot_split_a_word() -> None:
    assert normalise("smug\u00adgling") == ("smuggling",)  # soft hyphen
    assert normalise("traf\u200bfick\u200ding") == ("trafficking",)  # zero-width space, joiner
    assert topic_of("smug\u200bgling") == "human_exploitation"


def test_the_contracts_phrases_trigger_the_exploitation_intervention() -> None:
    for query in ("trafficking", "human trafficking", "smuggling", "people smuggling"):
        assert topic_of(query) == "human_exploitation"


def test_a_search_that_holds_a_phrase_among_other_words_meets_the_intervention() -> None:
    assert topic_of("how does people smuggling work") == "human_exploitation"
    assert topic_of("news about drug smuggling routes") == "human_exploitation"
    assert topic_of("child porn") == "child_sexual_abuse"


def test_an_ordinary_search_meets_no_intervention() -> None:
    for query in ("cat videos", "how to bake bread", "", "!!!", "smugglers cove", "traffic jam"):
        assert default_matcher().match(query) is None


def test_a_phrase_split_into_other_words_or_joined_into_one_does_not_match() -> None:
    assert topic_of("antismuggling") is None
    assert topic_of("peoplesmuggling") is None
    assert topic_of("traf ficking") is None


def test_a_phrase_written_in_fullwidth_letters_matches() -> None:
    ideographic_space = "\u3000"
    query = to_fullwidth("people") + ideographic_space + to_fullwidth("smuggling")
    assert all(unicodedata.name(c).startswith("FULLWIDTH") for c in query if c.isalpha())
    assert topic_of(query) == "human_exploitation"
    assert topic_of(to_fullwidth("CSAM")) == "child_sexual_abuse"


@given(data=st.data(), entry=st.sampled_from(PHRASES))
def test_a_phrase_matches_under_any_case_accents_and_punctuation(
    data: st.DataObject, entry: tuple[str, str]
) -> None:
    phrase, topic = entry
    query = data.draw(written(phrase))
    assert topic_of(query) == topic, ascii(query)


@given(
    data=st.data(),
    entry=st.sampled_from(PHRASES),
    before=st.lists(st.sampled_from(FILLER), max_size=3),
    after=st.lists(st.sampled_from(FILLER), max_size=3),
)
def test_a_phrase_matches_with_any_words_and_punctuation_around_it(
    data: st.DataObject, entry: tuple[str, str], before: list[str], after: list[str]
) -> None:
    phrase, topic = entry
    query = data.draw(st.text(st.sampled_from(" ,.!?\"'(-"), max_size=2))
    for word in [*before, data.draw(written(phrase)), *after]:
        query += word + data.draw(separators)
    assert topic_of(query) == topic, ascii(query)


@given(
    entry=st.sampled_from(SINGLE_WORDS),
    before=st.text(string.ascii_letters + string.digits, max_size=3),
    after=st.text(string.ascii_letters + string.digits, max_size=3),
)
def test_a_phrase_inside_a_longer_word_does_not_match(
    entry: tuple[str, str], before: str, after: str
) -> None:
    assume(before or after)
    assert default_matcher().match(before + entry[0] + after) is None


@given(
    before=st.text(string.ascii_letters, min_size=1, max_size=3),
    after=st.text(string.ascii_letters, min_size=1, max_size=3),
    attach=st.sampled_from(["before", "after", "both"]),
)
def test_a_phrase_of_several_words_does_not_match_when_one_is_part_of_a_longer_word(
    before: str, after: str, attach: str
) -> None:
    matcher = InterventionMatcher.build([intervention("human_exploitation", "people smuggling")])
    query = (before if attach != "after" else "") + "people smuggling"
    query += after if attach != "before" else ""
    assert matcher.match(query) is None
    assert matcher.match(f"{before} people smuggling {after}") is not None


def test_when_several_topics_match_the_first_in_the_pack_wins() -> None:
    query = "csam trafficking"
    assert topic_of(query) == INTERVENTIONS[0].topic == "child_sexual_abuse"
    reversed_matcher = InterventionMatcher.build(reversed(INTERVENTIONS))
    assert reversed_matcher.match(query).topic == "human_exploitation"  # type: ignore[union-attr]


def test_a_longer_phrase_of_a_later_topic_does_not_beat_an_earlier_topic() -> None:
    matcher = InterventionMatcher.build(
        [intervention("threats", "kill"), intervention("harassment", "kill it with fire")]
    )
    assert matcher.match("kill it with fire").topic == "threats"  # type: ignore[union-attr]
    assert matcher.match("kill it").topic == "threats"  # type: ignore[union-attr]
    assert matcher.match("it with fire") is None


def test_a_phrase_that_shares_its_start_with_a_longer_one_still_matches() -> None:
    matcher = InterventionMatcher.build(
        [intervention("threats", "sex trafficking ring"), intervention("harassment", "sex")]
    )
    assert matcher.match("sex trafficking").topic == "harassment"  # type: ignore[union-attr]
    assert matcher.match("a sex trafficking ring").topic == "threats"  # type: ignore[union-attr]


class CountingLookups(Mapping[tuple[str, ...], int]):
    def __init__(self, wrapped: Mapping[tuple[str, ...], int]) -> None:
        self.wrapped = wrapped
        self.lookups = 0

    def __getitem__(self, key: tuple[str, ...]) -> int:
        self.lookups += 1
        return self.wrapped[key]

    def get(self, key: tuple[str, ...], default: object = None) -> object:  # type: ignore[override]
        self.lookups += 1
        return self.wrapped.get(key, default)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return iter(self.wrapped)

    def __len__(self) -> int:
        return len(self.wrapped)


def lookups_for(matcher: InterventionMatcher, query: str) -> int:
    counting = CountingLookups(matcher._priority_by_phrase)
    dataclasses.replace(matcher, _priority_by_phrase=counting).match(query)
    return counting.lookups


def test_matching_does_not_look_at_more_entries_when_the_pack_has_more_phrases() -> None:
    many = [f"zq{n} word{n} more{n}" for n in range(20_000)]
    small = InterventionMatcher.build(INTERVENTIONS)
    large = InterventionMatcher.build([*INTERVENTIONS, intervention("harassment", *many)])
    query = "a search for people smuggling news with a few more words in it"
    words = len(normalise(query))
    assert lookups_for(small, query) == lookups_for(large, query)
    assert lookups_for(large, query) <= words * 4
    assert large.match("zq19999 word19999 more19999").topic == "harassment"  # type: ignore[union-attr]


def test_the_list_answer_gives_every_intervention_with_its_normalised_phrases() -> None:
    described = default_matcher().describe()
    assert described["version"] == default_matcher().version
    assert described["rule"] == RULE
    topics = [item["topic"] for item in described["items"]]
    assert topics == ["child_sexual_abuse", "human_exploitation"]
    exploitation = described["items"][1]
    assert {"topic", "title", "message", "resources", "phrases"} == set(exploitation)
    assert "people smuggling" in exploitation["phrases"]
    assert exploitation["resources"][0]["phone"] == "1-888-373-7888"


def test_a_client_matching_offline_with_the_published_phrases_agrees_with_the_server() -> None:
    items = default_matcher().describe()["items"]

    def offline(query: str) -> str | None:
        words = " " + " ".join(normalise(query)) + " "
        for item in items:
            if any(f" {phrase} " in words for phrase in item["phrases"]):
                return item["topic"]
        return None

    for query in ("People-Smuggling?", "antismuggling", "csam trafficking", "weather", "CSAM"):
        assert offline(query) == topic_of(query)


def test_the_version_is_stable_and_changes_with_the_content() -> None:
    again = InterventionMatcher.build(load_default_packs().interventions)
    assert again.version == default_matcher().version
    first, *rest = INTERVENTIONS
    changed = dataclasses.replace(first, message=first.message + " More.")
    assert InterventionMatcher.build([changed, *rest]).version != again.version
    added = intervention("threats", "kill you")
    assert InterventionMatcher.build([*INTERVENTIONS, added]).version != again.version
