"""Bar charts as inline SVG: no script, no font, nothing outside the page.

Each chart is one ``<svg>`` element with a ``<title>`` and a ``<desc>`` that lists every value,
so a screen reader (or a test) reads the figures without the picture. Every text is escaped.

Example:
    >>> svg = horizontal_bars("Funnel", ["CBP", "HHS"], [10, 4])
    >>> svg.startswith("<svg") and "<desc>CBP: 10, HHS: 4</desc>" in svg
    True
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["SERIES_COLOURS", "escape", "grouped_bars", "horizontal_bars", "stacked_bars"]

#: The colours of a chart's series, in order (Okabe-Ito, safe for colour-blind readers).
SERIES_COLOURS: tuple[str, str] = ("#0072B2", "#E69F00")


def escape(value: object) -> str:
    """``value`` as text safe inside HTML and SVG, quotes included."""
    return html.escape(str(value), quote=True)


def _nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (1, 2 or 5 x 10^k)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def _svg_open(title: str, width: int, height: int, description: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )


def _text_width(text: str) -> float:
    """Rough width in pixels of ``text`` at the charts' 12px font."""
    return 6.6 * len(text)


def _legend(names: Sequence[str], colours: Sequence[str], x: float, y: float) -> str:
    """One row of colour swatches and names, starting at (x, y)."""
    parts = []
    for name, colour in zip(names, colours, strict=True):
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 17:.1f}" y="{y + 10}">{escape(name)}</text>'
        )
        x += 17 + _text_width(name) + 18
    return "".join(parts)


def _y_axis(top: int, bottom: int, left: int, right: int, maximum: float, step: float) -> str:
    parts = []
    ticks = int(round(maximum / step))
    for k in range(ticks + 1):
        value = k * step
        y = bottom - (bottom - top) * value / maximum
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e5e5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,.0f}</text>'
        )
    return "".join(parts)


def _description(
    categories: Sequence[str], series: Sequence[str], values: Sequence[Sequence[int]]
) -> str:
    """Every value of a chart in words: ``2020: linked 5, exact join 7; 2021: ...``."""
    return "; ".join(
        f"{c}: " + ", ".join(f"{s} {v:,}" for s, v in zip(series, row, strict=True))
        for c, row in zip(categories, values, strict=True)
    )


def horizontal_bars(title: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """Horizontal bars, one per label; each value printed with its share of the first bar."""
    width, left, right, bar, gap, top = 720, 190, 130, 26, 10, 10
    height = top * 2 + len(labels) * (bar + gap)
    maximum = max(max(values, default=0), 1)
    parts = [
        _svg_open(
            title,
            width,
            height,
            ", ".join(f"{a}: {b:,}" for a, b in zip(labels, values, strict=True)),
        )
    ]
    first = values[0] if values else 0
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar + gap)
        length = (width - left - right) * value / maximum
        shown = f"{value:,} ({value / first:.0%})" if first else f"{value:,}"
        parts.append(
            f'<text x="{left - 8}" y="{y + bar * 0.65:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{SERIES_COLOURS[0]}"/>'
            f'<text x="{left + length + 6:.1f}" y="{y + bar * 0.65:.1f}">{shown}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    colours: Sequence[str],
) -> str:
    """Vertical stacked bars: ``values[i][j]`` is series ``j`` in category ``i``."""
    width, height, left, right, top, bottom = 720, 350, 60, 20, 14, 290
    totals = [sum(row) for row in values]
    maximum, step = _nice_max(max(totals, default=0))
    slot = (width - left - right) / max(len(categories), 1)
    bar = min(60.0, slot * 0.7)
    parts = [_svg_open(title, width, height, _description(categories, series, values))]
    parts.append(_y_axis(top, bottom, left, width - right, maximum, step))
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = left + slot * i + (slot - bar) / 2
        y = float(bottom)
        for name, value, colour in zip(series, row, colours, strict=True):
            h = (bottom - top) * value / maximum
            y -= h
            if value:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(category)}, {escape(name)}: {value:,}</title>'
                    "</rect>"
                )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="small">'
            f"{sum(row):,}</text>"
            f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
    parts.append(_legend(series, colours, left, bottom + 34))
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[int]],
    colours: Sequence[str],
) -> str:
    """Vertical bars side by side: ``values[i][j]`` is series ``j`` in category ``i``."""
    width, height, left, right, top, bottom = 720, 350, 60, 20, 14, 290
    maximum, step = _nice_max(max((v for row in values for v in row), default=0))
    slot = (width - left - right) / max(len(categories), 1)
    bar = min(40.0, slot * 0.8 / max(len(series), 1))
    parts = [_svg_open(title, width, height, _description(categories, series, values))]
    parts.append(_y_axis(top, bottom, left, width - right, maximum, step))
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for j, (name, value, colour) in enumerate(zip(series, row, colours, strict=True)):
            h = (bottom - top) * value / maximum
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(category)}, {escape(name)}: '
                f"{value:,}</title></rect>"
                f'<text x="{x0 + j * bar + (bar - 2) / 2:.1f}" y="{bottom - h - 4:.1f}" '
                f'text-anchor="middle" class="small">{value:,}</text>'
            )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{bottom + 16}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    parts.append(_legend(series, colours, left, bottom + 34))
    parts.append("</svg>")
    return "".join(parts)
