"""Used time of one local day as merged, half-open integer-second intervals.

A day's usage is a sorted tuple of disjoint ``(start, end)`` pairs, seconds after the day's start
(0 up to the day's length: 86,400 s, or 82,800 and 90,000 s across an hour's clock change; no
zone's day is longer than 25 hours today). Pairs that overlap or touch are merged,
so a report sent twice, or two devices used at once, add nothing: the union is the used time.

Seconds are the resolution: no gap is ever closed to save space, as that would change the total.
Disjoint pairs with at least one free second between them bound a day to ``ceil(length / 2)``
pairs (45,000 for a 25-hour day, each second used then not, in turn), however often devices
report. ``encode`` keeps even that case small: it stores whichever is shorter of the pairs
(8 bytes each) and a bitmap of the day (one bit a second, 11,250 bytes for 25 hours), so a stored
day never exceeds 11,251 bytes, and a usual day of a few dozen sessions takes a few hundred.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable

Span = tuple[int, int]
"""Seconds after the day's start: start included, end excluded."""
Spans = tuple[Span, ...]
"""Sorted, disjoint and not touching: the canonical form of a day's usage."""

_PAIRS = b"\x01"  # then big-endian uint32 start, end, start, end, ...
_BITMAP = b"\x02"  # then a little-endian bitmap: bit n is second n of the day
_RUN = re.compile("1+")


def union(*groups: Iterable[Span]) -> Spans:
    """The canonical union of every span of every group; empty spans are dropped.

    Merging canonical spans with new ones is a sort of mostly sorted input: near-linear.
    """
    merged: list[list[int]] = []
    for start, end in sorted(span for group in groups for span in group):
        if start < 0 or end < start:
            raise ValueError(f"not a span of a day: ({start}, {end})")
        if start == end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def total_seconds(spans: Spans) -> int:
    """The seconds canonical spans cover."""
    return sum(end - start for start, end in spans)


def encode(spans: Spans) -> bytes:
    """A compact, bounded storage form of canonical spans (see the module's docstring)."""
    pairs = _PAIRS + struct.pack(
        f">{2 * len(spans)}I", *(second for span in spans for second in span)
    )
    bitmap_length = 1 + (spans[-1][1] + 7) // 8 if spans else 1
    if len(pairs) <= bitmap_length:
        return pairs
    bits = []
    previous_end = 0
    for start, end in spans:
        bits.append("0" * (start - previous_end))
        bits.append("1" * (end - start))
        previous_end = end
    number = int("".join(bits)[::-1], 2)  # second 0 is the least significant bit
    return _BITMAP + number.to_bytes(bitmap_length - 1, "little")


def decode(data: bytes) -> Spans:
    """The canonical spans that encode stored."""
    tag, body = data[:1], data[1:]
    if tag == _PAIRS and len(body) % 8 == 0:
        seconds = struct.unpack(f">{len(body) // 4}I", body)
        return tuple(zip(seconds[::2], seconds[1::2], strict=True))
    if tag == _BITMAP:
        bits = format(int.from_bytes(body, "little"), "b")[::-1]
        return tuple(run.span() for run in _RUN.finditer(bits))
    raise ValueError("not an encoded day of usage")
