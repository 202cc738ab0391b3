"""A day's used time as a union of intervals: what counts once, and how it is stored."""

from itertools import pairwise
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.screen_time.intervals import decode, encode, total_seconds, union

LONGEST_DAY = 90_000  # 25 hours, when the clocks go back

day_lengths = st.sampled_from([82_800, 86_400, 90_000])


@st.composite
def spans_within(draw: st.DrawFn, length: int = LONGEST_DAY) -> list[tuple[int, int]]:
    near = st.integers(0, 200)  # small offsets collide, touch and overlap often
    anywhere = st.integers(0, length)
    points = draw(st.lists(st.tuples(near | anywhere, near | anywhere), max_size=30))
    return [(min(a, b), max(a, b)) for a, b in points]


def seconds_of(spans: list[tuple[int, int]]) -> set[int]:
    return {second for start, end in spans for second in range(start, end)}


def test_two_devices_used_at_once_count_once() -> None:
    phone = [(3_600, 5_400)]
    tablet = [(4_500, 7_200)]
    assert total_seconds(union(phone, tablet)) == 3_600


def test_a_report_sent_again_counts_nothing_more() -> None:
    report = [(100, 200), (300, 400)]
    assert union(union(report), report) == union(report)
    assert total_seconds(union(report, report)) == 200


def test_back_to_back_sessions_become_one_interval() -> None:
    assert union([(0, 60), (60, 120)]) == ((0, 120),)


def test_a_session_of_no_time_adds_nothing() -> None:
    assert union([(50, 50)]) == ()


@pytest.mark.parametrize("span", [(-1, 10), (20, 10)])
def test_a_span_that_is_not_in_a_day_is_refused(span: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="not a span"):
        union([span])


@given(spans_within(), st.randoms(use_true_random=False), st.data())
def test_order_and_duplication_never_change_the_total(
    spans: list[tuple[int, int]], random: Random, data: st.DataObject
) -> None:
    repeated = spans + data.draw(
        st.lists(st.sampled_from(spans), max_size=10) if spans else st.just([])
    )
    random.shuffle(repeated)
    assert union(repeated) == union(spans)
    assert total_seconds(union(repeated)) == total_seconds(union(spans))


@given(spans_within())
def test_the_total_is_the_count_of_seconds_used(spans: list[tuple[int, int]]) -> None:
    assert total_seconds(union(spans)) == len(seconds_of(spans))


@given(day_lengths.flatmap(lambda length: st.tuples(st.just(length), spans_within(length))))
def test_the_total_never_exceeds_the_day(day: tuple[int, list[tuple[int, int]]]) -> None:
    length, spans = day
    assert total_seconds(union(spans)) <= length


@given(spans_within())
def test_merged_intervals_are_sorted_apart_and_merging_again_changes_nothing(
    spans: list[tuple[int, int]],
) -> None:
    merged = union(spans)
    assert all(start < end for start, end in merged)
    assert all(left[1] < right[0] for left, right in pairwise(merged))
    assert union(merged) == merged
    assert union(merged, merged) == merged


@given(spans_within(), spans_within())
def test_union_with_a_superset_is_the_superset(
    spans: list[tuple[int, int]], more: list[tuple[int, int]]
) -> None:
    superset = union(spans, more)
    assert union(spans, superset) == superset


@given(spans_within())
def test_a_stored_day_reads_back_the_same(spans: list[tuple[int, int]]) -> None:
    merged = union(spans)
    assert decode(encode(merged)) == merged


@given(spans_within())
def test_a_stored_day_takes_no_more_than_a_bitmap_of_the_day(spans: list[tuple[int, int]]) -> None:
    assert len(encode(union(spans))) <= 1 + LONGEST_DAY // 8


def test_the_most_scattered_25_hour_day_is_stored_in_11251_bytes() -> None:
    every_other_second = union((second, second + 1) for second in range(0, LONGEST_DAY, 2))
    stored = encode(every_other_second)
    assert len(every_other_second) == 45_000
    assert len(stored) == 11_251
    assert decode(stored) == every_other_second


def test_a_usual_day_is_stored_as_a_few_bytes_a_session() -> None:
    sessions = union((hour * 3_600, hour * 3_600 + 1_200) for hour in range(8, 22))
    assert len(encode(sessions)) == 1 + 8 * 14


def test_an_empty_day_is_stored_and_read_back() -> None:
    assert decode(encode(())) == ()


@pytest.mark.parametrize("data", [b"", b"\x03", b"\x01\x00\x00"])
def test_bytes_that_encode_did_not_write_are_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match="not an encoded day"):
        decode(data)
