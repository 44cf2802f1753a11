"""The report on disk: tables as Parquet and CSV, ``summary.json`` and one offline HTML page.

Formatting only: every figure comes from a :class:`linkage.handoff.HandoffReport`; this module
computes nothing new. ``report.html`` is a single self-contained file (inline CSS, charts as
inline SVG drawn here, no script, no font, no link to any other file or site), so it opens
offline and can be mailed as is.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from linkage.handoff import register_writer
from linkage.schema import LOST_STATUSES, SOURCE_LABELS, SOURCES, STATUS_MEANINGS, STATUSES

if TYPE_CHECKING:
    from linkage.handoff import HandoffReport

__all__ = ["REVIEW_ROWS", "render_html", "write_report"]

logger = logging.getLogger("linkage")

#: How many identities needing review the HTML page lists (all are in identities.csv).
REVIEW_ROWS = 50
#: How many countries the HTML page's country table shows (by identities, largest first).
COUNTRY_ROWS = 15
#: A colour per status (Okabe-Ito, safe for colour-blind readers); lost statuses are warm.
STATUS_COLOURS: dict[str, str] = dict(
    zip(STATUSES, ("#999999", "#E69F00", "#D55E00", "#CC79A7", "#0072B2"), strict=True)
)
SERIES_COLOURS: tuple[str, str] = ("#0072B2", "#E69F00")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:2rem auto;max-width:980px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}
.muted{color:#666;font-size:.9rem}
.figures{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.figure{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;min-width:150px}
.figure b{display:block;font-size:1.5rem}
.headline{background:#fff4e0;border-left:4px solid #E69F00;padding:.6rem 1rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border-bottom:1px solid #e5e5e5;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{border-bottom:2px solid #bbb}
svg{display:block;margin:.6rem 0;max-width:100%;height:auto}
svg text{font-family:inherit;font-size:12px;fill:#333}svg text.small{font-size:10px}
"""


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def _is_list(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Date columns (pandas datetimes at midnight) become DATE, so files hold dates, not times."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if pa.types.is_timestamp(table.schema.field(i).type) and (
            name == "dob" or name.endswith("_date")
        ):
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
    return table


def _lists_as_text(table: pa.Table) -> pa.Table:
    """Lists become ``a;b`` text so the CSV keeps one value per cell."""
    for i, column in enumerate(table.columns):
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            text = pc.binary_join(column.cast(pa.list_(pa.string())), ";")
            table = table.set_column(i, table.column_names[i], text)
    return table


def _write_table(frame: pd.DataFrame, out_dir: Path, name: str) -> dict[str, Path]:
    csv_path, parquet_path = out_dir / f"{name}.csv", out_dir / f"{name}.parquet"
    table = _to_arrow(frame)
    pq.write_table(table, parquet_path)
    pa_csv.write_csv(_lists_as_text(table), csv_path)
    return {f"{name}.csv": csv_path, f"{name}.parquet": parquet_path}


def write_report(report: HandoffReport, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write every output of a handoff report into ``out_dir`` (created if needed).

    Files: ``clusters`` (one row per input record read: ``source, record_id, identity_id,
    link_probability``), ``identities`` (one row per identity), ``summary`` (the long
    ``dimension, value, status, identities`` table) and ``rejects`` (rows that could not be
    read; written even when empty), each as ``.csv`` and ``.parquet``; ``summary.json`` (the
    figures of :meth:`HandoffReport.to_dict`) and ``report.html``.

    Args:
        report: The report to write.
        out_dir: The folder to write into; existing files of the same names are replaced.

    Returns:
        File name -> path of every file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    written |= _write_table(report.clusters(), out, "clusters")
    written |= _write_table(report.identities, out, "identities")
    written |= _write_table(report.summary, out, "summary")
    written |= _write_table(report.rejects, out, "rejects")
    summary_json = out / "summary.json"
    summary_json.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    written["summary.json"] = summary_json
    page = out / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    written["report.html"] = page
    logger.info("report: wrote %d files to %s", len(written), out)
    return written


# --------------------------------------------------------------------------------------------
# SVG charts
# --------------------------------------------------------------------------------------------


def _e(value: object) -> str:
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
        f"<title>{_e(title)}</title><desc>{_e(description)}</desc>"
    )


def _legend(names: Sequence[str], colours: Sequence[str], x: float, y: float) -> str:
    """One row of colour swatches and names, starting at (x, y)."""
    parts = []
    for name, colour in zip(names, colours, strict=True):
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 17:.1f}" y="{y + 10}">{_e(name)}</text>'
        )
        x += 17 + _text_width(name) + 18
    return "".join(parts)


def _text_width(text: str) -> float:
    """Rough width in pixels of ``text`` at the charts' 12px font."""
    return 6.6 * len(text)


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
            f'<text x="{left - 8}" y="{y + bar * 0.65:.1f}" text-anchor="end">{_e(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{bar}" fill="{SERIES_COLOURS[0]}"/>'
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
    description = "; ".join(
        f"{c}: " + ", ".join(f"{s} {v:,}" for s, v in zip(series, row, strict=True))
        for c, row in zip(categories, values, strict=True)
    )
    parts = [_svg_open(title, width, height, description)]
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
                    f'fill="{colour}"><title>{_e(category)}, {_e(name)}: {value:,}</title></rect>'
                )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="small">'
            f"{sum(row):,}</text>"
            f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle">{_e(category)}</text>'
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
    description = "; ".join(
        f"{c}: " + ", ".join(f"{s} {v:,}" for s, v in zip(series, row, strict=True))
        for c, row in zip(categories, values, strict=True)
    )
    parts = [_svg_open(title, width, height, description)]
    parts.append(_y_axis(top, bottom, left, width - right, maximum, step))
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        x0 = left + slot * i + (slot - bar * len(series)) / 2
        for j, (name, value, colour) in enumerate(zip(series, row, colours, strict=True)):
            h = (bottom - top) * value / maximum
            parts.append(
                f'<rect x="{x0 + j * bar:.1f}" y="{bottom - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{_e(category)}, {_e(name)}: '
                f"{value:,}</title></rect>"
                f'<text x="{x0 + j * bar + (bar - 2) / 2:.1f}" y="{bottom - h - 4:.1f}" '
                f'text-anchor="middle" class="small">{value:,}</text>'
            )
        parts.append(
            f'<text x="{left + slot * i + slot / 2:.1f}" y="{bottom + 16}" '
            f'text-anchor="middle">{_e(category)}</text>'
        )
    parts.append(_legend(series, colours, left, bottom + 34))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if _is_list(value):
        return f"<td>{_e(', '.join(str(v) for v in value))}</td>"  # type: ignore[attr-defined]
    if pd.isna(value):
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    if isinstance(value, float):
        return f'<td class="n">{value:.4f}</td>'
    if isinstance(value, pd.Timestamp):
        return f"<td>{value.date().isoformat()}</td>"
    return f"<td>{_e(value)}</td>"


def _table(frame: pd.DataFrame, *, numeric: Sequence[str] = ()) -> str:
    """An HTML table of ``frame``; every value escaped. An empty frame says "None"."""
    if frame.empty:
        return '<p class="muted">None.</p>'
    head = "".join(
        f'<th class="n">{_e(c)}</th>' if c in numeric else f"<th>{_e(c)}</th>"
        for c in frame.columns
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            if hasattr(value, "item") and not _is_list(value):
                value = value.item()  # numpy scalar -> Python
            cells.append(_cell(value))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _pivot(summary: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """One dimension of the long summary as a wide table: value x status (+ total)."""
    part = summary[summary["dimension"] == dimension]
    order = list(dict.fromkeys(part["value"]))
    wide = (
        part.pivot_table(index="value", columns="status", values="identities", aggfunc="sum")
        .reindex(index=order, columns=list(STATUSES))
        .fillna(0)
        .astype(int)
    )
    wide["total"] = wide.sum(axis=1)
    return wide.reset_index().rename(columns={"value": dimension})


def render_html(report: HandoffReport) -> str:
    """The whole report as one self-contained HTML page (no external reference of any kind)."""
    facts = report.to_dict()
    counts = report.status_counts()
    n_identities = len(report.identities)
    versus = report.versus_exact_join

    funnel = report.funnel()
    funnel_svg = horizontal_bars(
        "Funnel: identities with a record at each stage",
        [SOURCE_LABELS.get(s, s) for s in funnel["source"]],
        [int(v) for v in funnel["identities"]],
    )
    by_year = _pivot(report.summary, "fiscal_year")
    year_svg = stacked_bars(
        "Statuses by fiscal year of apprehension",
        [str(v) for v in by_year["fiscal_year"]],
        list(STATUSES),
        [[int(row[s]) for s in STATUSES] for _, row in by_year.iterrows()],
        [STATUS_COLOURS[s] for s in STATUSES],
    )
    versus_svg = grouped_bars(
        "Linked identities vs exact A-number join, per status",
        list(versus["status"]),
        ["linked", "exact A-number join"],
        [[int(a), int(b)] for a, b in zip(versus["linked"], versus["exact_join"], strict=True)],
        list(SERIES_COLOURS),
    )

    status_table = pd.DataFrame(
        {
            "status": list(STATUSES),
            "meaning": [STATUS_MEANINGS[s] for s in STATUSES],
            "identities": [counts[s] for s in STATUSES],
            "share": [f"{counts[s] / n_identities:.1%}" if n_identities else "" for s in STATUSES],
        }
    )
    review = report.needs_review()
    counts_cols = ["n_records", *(f"n_{s}" for s in SOURCES)]
    review_cols = ["identity_id", "status", "weakest_link", "contested_link", *counts_cols, "a_numbers",
                   "multiple_a_numbers", "address_disagrees"]  # fmt: skip
    countries = _pivot(report.summary, "country").head(COUNTRY_ROWS)
    ages = _pivot(report.summary, "age_band")
    per_source = ", ".join(f"{_e(s)} {n:,}" for s, n in report.records_per_source.items())
    lost_names = " + ".join(LOST_STATUSES)
    listed = "weakest first" if len(review) <= REVIEW_ROWS else f"the {REVIEW_ROWS} weakest shown"

    body = f"""
<h1>Handoff report</h1>
<p class="muted">linkage {_e(facts["version"])} &middot; {facts["records"]:,} records read
({per_source}) &middot; {facts["rejects"]:,} rows rejected</p>

<div class="figures">
<div class="figure"><b>{n_identities:,}</b>identities (children)</div>
<div class="figure"><b>{report.n_lost:,}</b>lost after the HHS handoff</div>
<div class="figure"><b>{report.n_lost_exact_join:,}</b>lost by an exact A-number join</div>
<div class="figure"><b>{facts["needs_review"]:,}</b>need review</div>
</div>
<p class="headline">A plain A-number join of the same records would count
<b>{report.lost_only_by_exact_join:,}</b> children as lost after the HHS handoff whom linkage
finds again (and {report.lost_only_by_linkage:,} the other way round).
"Lost" means {_e(lost_names)}.</p>

<h2>Statuses</h2>
{_table(status_table, numeric=("identities", "share"))}

<h2>From apprehension to court</h2>
{funnel_svg}

<h2>Statuses by fiscal year</h2>
<p class="muted">US federal fiscal year (October to September) of the CBP apprehension, or of
the earliest event when there is no CBP record.</p>
{year_svg}

<h2>Linkage compared with an exact A-number join</h2>
<p class="muted">The exact join puts together records that share a normalised A-number; records
without one stay alone. <i>difference</i> = exact join &minus; linked.</p>
{versus_svg}
{_table(versus, numeric=("linked", "exact_join", "difference"))}

<h2>Identities needing review</h2>
<p class="muted">{len(review):,} identities are held together by a link whose match
probability is below {report.review_threshold:g}, or have a strong link to another identity that
clustering refused (<i>contested_link</i>: the records conflict, or the identity would have grown
past the size cap); {listed} (all are flagged in identities.csv, column <i>needs_review</i>).</p>
{_table(review[review_cols].head(REVIEW_ROWS), numeric=("weakest_link", "contested_link", *counts_cols))}

<h2>By age band at apprehension</h2>
{_table(ages, numeric=(*STATUSES, "total"))}

<h2>By country (top {COUNTRY_ROWS})</h2>
{_table(countries, numeric=(*STATUSES, "total"))}

<h2>Rejected rows</h2>
<p class="muted">{len(report.rejects):,} input rows could not be read (all in rejects.csv).</p>
{_table(report.rejects.head(REVIEW_ROWS), numeric=("row_number",))}
"""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>linkage handoff report</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


register_writer(write_report)
