"""The body gate: its depth count (brackets in strings never count) and its UTF-8 check, however
the body is split."""

from __future__ import annotations

import pytest

from family_safety.lib.problems import Problem
from family_safety.lib.request_body import JsonDepthScanner, RequestBodyGate


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


class _Handler:
    def resolve_request_max_body_size(self) -> int:
        return 1_000_000


async def _through_the_gate(pieces: list[bytes]) -> bytes:
    """What the route reads after the gate, the body arriving in ``pieces``."""
    messages = [
        {"type": "http.request", "body": piece, "more_body": n < len(pieces) - 1}
        for n, piece in enumerate(pieces)
    ]

    async def receive():
        return messages.pop(0)

    read: list[bytes] = []

    async def route(scope, receive, send):
        message = await receive()
        while True:
            read.append(message["body"])
            if not message["more_body"]:
                return
            message = await receive()

    scope = {"type": "http", "method": "POST", "route_handler": _Handler()}
    await RequestBodyGate().handle(scope, receive, None, route)
    return b"".join(read)


@pytest.mark.parametrize("cut", range(1, 6))
async def test_a_character_cut_between_pieces_is_utf8_and_passes_unchanged(cut):
    body = '{"display_name": "Zoë 👩"}'.encode()
    where = body.index("ë".encode()) + cut  # inside ë or the emoji that follows
    assert await _through_the_gate([body[:where], body[where:]]) == body


@pytest.mark.parametrize(
    "pieces",
    [[b'{"a": "\xff"}'], [b'{"a": "\xc3'], [b'{"a": "\xc3', b'"}'], [b'{"a": "\xed\xa0\x80"}']],
)
async def test_bytes_that_are_not_utf8_are_malformed_wherever_they_fall(pieces):
    with pytest.raises(Problem) as refused:
        await _through_the_gate(pieces)
    assert refused.value.slug == "malformed-body"
