"""Small charts rendered on the server as SVG: readable without JavaScript, printable, and testable as text.

Every label and value is escaped; the markup is then safe to insert with Jinja's ``|safe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#0b4a8b", "#e0902a", "#2e8b57", "#b03a2e", "#6c5b7b")


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | float]]],
    *,
    title: str,
    width: int = 640,
    bar: int = 14,
    label_width: int = 120,
) -> str:
    """Horizontal grouped bars: one group per label, one bar per series, each bar labelled with its value."""
    groups = max(len(labels), 1)
    per_group = bar * max(len(series), 1) + 10
    legend = 22
    height = groups * per_group + legend + 10
    top = max((max(values, default=0) for _, values in series), default=0) or 1
    room = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, (name, _) in enumerate(series):
        x = label_width + index * 140
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="14" font-size="12">{escape(name)}</text>')
    for row, label in enumerate(labels):
        y0 = legend + row * per_group
        parts.append(
            f'<text x="{label_width - 6}" y="{y0 + per_group / 2:.0f}" font-size="12" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
        )
        for index, (name, values) in enumerate(series):
            value = values[row] if row < len(values) else 0
            length = room * value / top
            y = y0 + index * bar
            colour = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar - 2}" fill="{colour}">'
                f"<title>{escape(label)} · {escape(name)}: {value}</title></rect>"
            )
            parts.append(
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" font-size="11">{escape(str(value))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
