"""The screen-time chart a guardian reads: each bar's number stays off its day's limit tick,
and a key says what the bars and ticks mean."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from family_safety.domain.family_center.chart import LABEL_HEIGHT, days_chart
from family_safety.domain.screen_time.schemas import DayOut

SVG = "{http://www.w3.org/2000/svg}"
MONDAY = date(2026, 11, 30)


def _drawn(days: list[DayOut]) -> tuple[ET.Element, str]:
    markup = str(days_chart(days))
    svg, legend = markup.split("</svg>")
    return ET.fromstring(svg + "</svg>"), legend  # noqa: S314 (the chart this test drew)


def _labels_and_ticks(svg: ET.Element) -> list[tuple[float, float]]:
    """Per day with a limit: its number's baseline and its limit tick's height."""
    ticks = [
        float(line.get("y1")) for line in svg.iter(f"{SVG}line") if line.get("class") == "limit"
    ]
    values = [float(t.get("y")) for t in svg.iter(f"{SVG}text") if t.get("class") == "value"]
    return list(zip(values, ticks, strict=True))


def test_a_day_just_under_its_limit_has_its_number_above_the_tick_not_on_it():
    svg, _ = _drawn([DayOut(date=MONDAY, used_minutes=55, limit_minutes=60, granted_minutes=0)])
    ((baseline, tick),) = _labels_and_ticks(svg)
    assert baseline < tick  # the number is above the tick
    assert not baseline - LABEL_HEIGHT <= tick <= baseline  # and clear of it


@given(
    st.lists(
        st.tuples(st.integers(0, 600), st.integers(15, 600), st.integers(0, 120)),
        min_size=1,
        max_size=7,
    )
)
def test_no_number_ever_sits_on_a_limit_tick(days):
    drawn = [
        DayOut(
            date=MONDAY + timedelta(days=i), used_minutes=u, limit_minutes=lim, granted_minutes=g
        )
        for i, (u, lim, g) in enumerate(days)
    ]
    svg, _ = _drawn(drawn)
    for baseline, tick in _labels_and_ticks(svg):
        assert not baseline - LABEL_HEIGHT - 1 <= tick <= baseline + 1


def test_the_key_names_what_is_drawn():
    _, legend = _drawn(
        [
            DayOut(date=MONDAY, used_minutes=70, limit_minutes=60, granted_minutes=0),
            DayOut(
                date=MONDAY + timedelta(days=1),
                used_minutes=20,
                limit_minutes=60,
                granted_minutes=0,
            ),
        ]
    )
    assert ">Used</li>" in legend
    assert ">Over the limit</li>" in legend
    assert ">Daily limit, with extra time</li>" in legend
    _, no_limits = _drawn(
        [DayOut(date=MONDAY, used_minutes=20, limit_minutes=None, granted_minutes=0)]
    )
    assert ">Used</li>" in no_limits
    assert "Daily limit" not in no_limits
    assert "Over the limit" not in no_limits
