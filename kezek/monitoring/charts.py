"""E48: the progress charts as inline SVG, drawn on the server (no script, no style attribute, no external
request). A child's chart is narrow enough for a phone (360 units wide): for each area a column per point
(start → middle → end), its height the average level (1 low … 3 high). The group's chart reuses the
back-office reports' stacked bars (`kezek.staff.reports.bar_chart`)."""

from collections.abc import Mapping, Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from kezek.staff.reports import Series, bar_chart

from .models import Period
from .selectors import AreaBlock

WIDTH, HEIGHT = 360, 200
TOP, BOTTOM, LEFT = 28, 40, 22
MAX_SCORE = 3
COLUMN = 14


def child_chart(
    *, slug: str, blocks: Sequence[AreaBlock], progress: Mapping[str, Mapping[str, float]]
) -> SafeString:
    """A child's average level per area at each point (E48); the table beside it is its text alternative."""
    periods = [p for p in Period if p.value in progress]
    plot = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(blocks), 1)
    described = "; ".join(
        f"{block.name}: " + " → ".join(f"{progress[p.value].get(block.area.code, 0):.1f}" for p in periods)
        for block in blocks
    )
    parts = [
        format_html(
            '<svg class="monitoring-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="100%" aria-labelledby="{s}-title {s}-desc">'
            '<title id="{s}-title">{title}</title><desc id="{s}-desc">{desc}</desc>',
            w=WIDTH,
            h=HEIGHT,
            s=slug,
            title=_("Average level by area, start to end of the year"),
            desc=described or _("No data."),
        )
    ]
    for score in range(1, MAX_SCORE + 1):
        y = TOP + plot - plot * score / MAX_SCORE
        parts.append(
            format_html(
                '<line class="monitoring-grid" x1="{l}" y1="{y}" x2="{w}" y2="{y}"/>'
                '<text x="2" y="{ty}" font-size="10">{score}</text>',
                l=LEFT,
                w=WIDTH,
                y=f"{y:.1f}",
                ty=f"{y + 4:.1f}",
                score=score,
            )
        )
    for index, period in enumerate(periods):
        parts.append(
            format_html(
                '<rect class="monitoring-{p}" x="{x}" y="4" width="10" height="10"/>'
                '<text x="{tx}" y="13" font-size="10">{label}</text>',
                p=period.value,
                x=LEFT + index * 110,
                tx=LEFT + index * 110 + 14,
                label=period.label,
            )
        )
    for slot_index, block in enumerate(blocks):
        left = LEFT + slot_index * slot + (slot - COLUMN * len(periods)) / 2
        for index, period in enumerate(periods):
            value = progress[period.value].get(block.area.code)
            if value is None:
                continue
            height = plot * value / MAX_SCORE
            parts.append(
                format_html(
                    '<rect class="monitoring-{p}" x="{x}" y="{y}" width="{cw}" height="{h}">'
                    "<title>{area}, {label}: {value}</title></rect>",
                    p=period.value,
                    x=f"{left + index * COLUMN:.1f}",
                    y=f"{TOP + plot - height:.1f}",
                    cw=COLUMN - 2,
                    h=f"{height:.1f}",
                    area=block.name,
                    label=period.label,
                    value=f"{value:.1f}",
                )
            )
        parts.append(
            format_html(
                '<text x="{x}" y="{y}" font-size="10" text-anchor="middle">{name}</text>',
                x=f"{LEFT + slot_index * slot + slot / 2:.1f}",
                y=HEIGHT - BOTTOM + 16,
                name=block.name[:11],
            )
        )
    parts.append(SafeString("</svg>"))
    return format_html_join("", "{}", ((part,) for part in parts))


def group_chart(
    *,
    slug: str,
    blocks: Sequence[AreaBlock],
    levels: Sequence[tuple[str, str]],
    distribution: Mapping[str, Mapping[str, Mapping[str, int]]],
) -> SafeString:
    """The group's marks by level for each area at each point (E48), as stacked bars."""
    rows = [(block, p) for block in blocks for p in Period if p.value in distribution]
    categories = [f"{block.name} · {p.label}" for block, p in rows]
    series = [
        Series(name, [distribution[p.value].get(block.area.code, {}).get(code, 0) for block, p in rows])
        for code, name in levels
    ]
    return bar_chart(
        slug=slug,
        title=_("Marks by level, area and point"),
        categories=categories,
        series=series,
        stacked=True,
    )
