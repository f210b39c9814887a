"""Tiny inline-SVG charts for the HTML report, so the page needs no plotting library and no network.

Coordinates are written with one decimal so the same data always yields the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_BAR = "#4c78a8"
_FONT = 'font-family="sans-serif" font-size="12"'


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 640) -> str:
    """Horizontal bars for values in [0, 1], one row per (label, value)."""
    row, label_width, top = 22, 200, 28
    plot = width - label_width - 60
    height = top + row * len(items) + 8
    parts = [_open(width, height, title), f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = max(0.0, min(1.0, value)) * plot
        parts.append(f'<text x="{label_width - 6}" y="{y + 14}" {_FONT} text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="{_BAR}"/>')
        parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 14}" {_FONT}>{value:.3f}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def histogram(values: Sequence[float], *, title: str, bins: int = 10, width: int = 640, height: int = 220) -> str:
    """Counts of values in [0, 1] over equal-width bins; 1.0 falls in the last bin."""
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value * bins)))] += 1
    # top leaves room for the title and the count printed above the tallest bar
    left, top, bottom = 40, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    tallest = max(counts, default=0) or 1
    bar_w = plot_w / bins
    parts = [_open(width, height, title), f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>']
    for i, count in enumerate(counts):
        h = plot_h * count / tallest
        x = left + i * bar_w
        y = top + plot_h - h
        parts.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{_BAR}"/>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" {_FONT} text-anchor="middle">{count}</text>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - 12}" {_FONT} text-anchor="middle">{i / bins:.1f}</text>'
        )
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
    )
