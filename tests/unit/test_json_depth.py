"""The body gate's depth count: brackets in strings never count, however the body is split."""

from __future__ import annotations

import pytest

from family_safety.lib.request_body import JsonDepthScanner


def fits(body: bytes, piece: int, max_depth: int = 3) -> bool:
    scanner = JsonDepthScanner(max_depth)
    return all(scanner.feed(body[i : i + piece]) for i in range(0, len(body), piece))


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 1000])
def test_depth_is_counted_across_pieces_and_strings_are_skipped(piece):
    assert fits(b'[[{"a": [1]}]]', piece) is False
    assert fits(b'[{"a": [1]}]', piece) is True
    assert fits(b'[{"a": "[[[[\\"[[[["}]', piece) is True
    assert fits(b'[{"a\\\\": "x"}, [[[1]]]]', piece) is False
    assert fits(b'["\\\\", [{"b": 1}]]', piece) is True
    assert fits(b"[1], [2], [3], [4], [5]", piece) is True
