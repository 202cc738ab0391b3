"""Screen time as a server-drawn SVG bar chart: no script, no inline style (CSP), a text
equivalent for screen readers, and a legend beside it saying what the bars and the limit
ticks mean. A bar's number never sits on its limit tick: it moves above the tick."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from family_safety.domain.family_center.words import minutes_words

if TYPE_CHECKING:
    from family_safety.domain.screen_time.schemas import DayOut

WIDTH, HEIGHT = 320, 160
TOP, BOTTOM, LEFT = 12, 28, 8
LABEL_HEIGHT = 9  # a value's digits, at the chart's 10px font, above their baseline
LABEL_GAP = 3  # between a label and what it sits above


def label_baseline(bar_top: float, limit_y: float | None) -> float:
    """Where a bar's number goes: just above the bar, unless that would put it on the limit
    tick; then just above the tick."""
    baseline = bar_top - LABEL_GAP
    if limit_y is not None and baseline - LABEL_HEIGHT - LABEL_GAP <= limit_y <= baseline + 1:
        baseline = limit_y - LABEL_GAP
    return baseline


def _legend(*, limits: bool, over: bool) -> str:
    keys = ['<li><span class="key bar" aria-hidden="true"></span>Used</li>']
    if over:
        keys.append('<li><span class="key bar over" aria-hidden="true"></span>Over the limit</li>')
    if limits:
        keys.append(
            '<li><span class="key limit" aria-hidden="true"></span>'
            "Daily limit, with extra time</li>"
        )
    return f'<ul class="chart-legend" aria-label="Chart key">{"".join(keys)}</ul>'


def days_chart(days: list[DayOut]) -> Markup:
    """One bar per day (used minutes, its number above it), a tick for each day's limit (with
    time given), then the legend."""
    if not days:
        return Markup("")
    peak = max(
        [60]
        + [day.used_minutes for day in days]
        + [(day.limit_minutes or 0) + day.granted_minutes for day in days]
    )
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * LEFT) / len(days)
    bar = slot * 0.6
    summary = "; ".join(
        f"{day.date:%a %d %b}: {minutes_words(day.used_minutes)} used"
        + (
            f" of {minutes_words(day.limit_minutes + day.granted_minutes)}"
            if day.limit_minutes is not None
            else ""
        )
        for day in days
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="Screen time, last {len(days)} days. {escape(summary)}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>Screen time, last {len(days)} days</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - LEFT}" y2="{HEIGHT - BOTTOM}" '
        'class="axis"/>',
    ]
    any_limit = any_over = False
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar) / 2
        height = plot * day.used_minutes / peak
        bar_top = HEIGHT - BOTTOM - height
        over = day.limit_minutes is not None and (
            day.used_minutes >= day.limit_minutes + day.granted_minutes
        )
        any_over = any_over or over
        parts.append(
            f'<rect x="{x:.1f}" y="{bar_top:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" class="bar{" over" if over else ""}" rx="3"/>'
        )
        limit_y = None
        if day.limit_minutes is not None:
            any_limit = True
            limit_y = HEIGHT - BOTTOM - plot * (day.limit_minutes + day.granted_minutes) / peak
            parts.append(
                f'<line x1="{x - 3:.1f}" y1="{limit_y:.1f}" x2="{x + bar + 3:.1f}" '
                f'y2="{limit_y:.1f}" class="limit"/>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - 10}" class="day">{day.date:%a}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{label_baseline(bar_top, limit_y):.1f}" '
            f'class="value">{day.used_minutes}</text>'
        )
    parts.append("</svg>")
    parts.append(_legend(limits=any_limit, over=any_over))
    # Every part is a number, a date or text escaped above.
    return Markup("".join(parts))  # noqa: S704
