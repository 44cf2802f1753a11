"""``report.html``: one self-contained page (inline CSS, inline SVG charts, no script).

The page is built from named sections (the headline figures, the statuses, the charts, the
identities to review, the breakdowns, the rejected rows), each a piece of HTML whose every value
is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from linkage.report._charts import (
    SERIES_COLOURS,
    escape,
    grouped_bars,
    horizontal_bars,
    stacked_bars,
)
from linkage.schema import (
    LOST_MEANING,
    LOST_STATUSES,
    NEEDS_REVIEW_MEANING,
    SOURCE_LABELS,
    SOURCES,
    STATUS_MEANINGS,
    STATUSES,
)

if TYPE_CHECKING:
    from linkage.handoff import HandoffReport

__all__ = ["COUNTRY_ROWS", "GROUP_ROWS", "REVIEW_ROWS", "STATUS_COLOURS", "render_html"]

#: How many identities needing review the HTML page lists (all are in identities.csv).
REVIEW_ROWS = 50
#: How many countries the HTML page's country table shows (by identities, largest first).
COUNTRY_ROWS = 15
#: A colour per status (Okabe-Ito, safe for colour-blind readers); lost statuses are warm.
STATUS_COLOURS: dict[str, str] = dict(
    zip(STATUSES, ("#999999", "#E69F00", "#D55E00", "#CC79A7", "#0072B2"), strict=True)
)
#: The columns of the review table (``records`` is ``n_records`` with its CBP/ICE/HHS/court split).
_REVIEW_COLUMNS: tuple[str, ...] = (
    "identity_id", "status", "stake", "why", "weakest_link", "contested_link", "records",
    "a_numbers", "notes",
)  # fmt: skip
#: The share of the page's width each column of the review table takes (the table is laid out
#: fixed, so it fits any window: long values wrap inside their column).
_REVIEW_WIDTHS: tuple[int, ...] = (18, 12, 7, 11, 9, 10, 9, 14, 10)
#: How many groups per dimension the page shows (countries and sponsor states, largest first).
GROUP_ROWS = 10
#: The columns of the groups tables on the page (all are in groups.csv).
_GROUP_PAGE_COLUMNS: dict[str, str] = {
    "group": "group", "identities": "identities", "lost": "lost", "lost_rate": "lost rate",
    "needs_review": "need review", "lost_needs_review": "lost, need review",
    "exact_join_lost": "exact join lost", "lost_difference": "difference",
}  # fmt: skip
_GROUP_TITLES: dict[str, str] = {
    "country": "country", "age_band": "age band at apprehension", "sex": "sex",
    "fiscal_year": "fiscal year", "sponsor_state": "sponsor's state",
}  # fmt: skip

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
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem;max-width:100%}
table.wide{width:100%}
th,td{border-bottom:1px solid #e5e5e5;padding:.25rem .6rem;text-align:left;vertical-align:top}
td{overflow-wrap:break-word}table.wide{table-layout:fixed;font-size:.82rem}table.wide td,table.wide th{overflow-wrap:anywhere}
table.wide th,table.wide td{padding:.25rem .3rem}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{border-bottom:2px solid #bbb}
h3{font-size:1rem;margin:1.2rem 0 .2rem}
svg{display:block;margin:.6rem 0;max-width:100%;height:auto}
svg text{font-family:inherit;font-size:12px;fill:#333}svg text.small{font-size:10px}
"""


def render_html(report: HandoffReport) -> str:
    """The whole report as one self-contained HTML page (no external reference of any kind)."""
    body = "".join(
        (
            _headline(report),
            _warnings_section(report),
            _changes_section(report),
            _measured_section(report),
            _section("Statuses", _table(_status_table(report), numeric=("identities", "share"))),
            _section("From apprehension to court", _funnel_chart(report)),
            _fiscal_year_section(report),
            _versus_section(report),
            _review_section(report),
            _groups_section(report),
            _section(
                "By age band at apprehension",
                _table(_pivot(report.summary, "age_band"), numeric=(*STATUSES, "total")),
            ),
            _section(
                f"By country (top {COUNTRY_ROWS})",
                _table(
                    _pivot(report.summary, "country").head(COUNTRY_ROWS),
                    numeric=(*STATUSES, "total"),
                ),
            ),
            _rejects_section(report),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>linkage handoff report</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>\n"
    )


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


#: Input warnings listed at the top of the page; the rest are in summary.json.
WARNING_ROWS = 10


def _warnings_section(report: HandoffReport) -> str:
    """The input warnings, first thing under the headline: they can change every figure."""
    found = report.input_warnings
    if not found:
        return ""
    items = "".join(
        "<li>"
        + escape(" · ".join(x for x in (w.source or "", w.column or "") if x))
        + (": " if w.source or w.column else "")
        + escape(w.message)
        + (f" (e.g. {escape(', '.join(w.examples[:3]))})" if w.examples else "")
        + "</li>"
        for w in found[:WARNING_ROWS]
    )
    more = (
        f'<p class="muted">{len(found) - WARNING_ROWS:,} more in summary.json.</p>'
        if len(found) > WARNING_ROWS
        else ""
    )
    return (
        f'\n<div class="headline"><b>{len(found):,} warning(s) about the input</b> (they can '
        f"change the figures below; a run with --strict stops on them):<ul>{items}</ul>{more}</div>\n"
    )


def _section(title: str, *parts: str) -> str:
    """A titled part of the page: the heading, then each part on its own line."""
    return f"\n<h2>{title}</h2>\n" + "\n".join(parts) + "\n"


def _headline(report: HandoffReport) -> str:
    """The title, what was read, the four headline figures and the one-sentence finding."""
    facts = report.to_dict()
    per_source = ", ".join(f"{escape(s)} {n:,}" for s, n in report.records_per_source.items())
    lost_names = " + ".join(LOST_STATUSES)
    return f"""
<h1>Handoff report</h1>
<p class="muted">linkage {escape(facts["version"])} &middot; {facts["records"]:,} records read
({per_source}) &middot; {facts["rejects"]:,} rows rejected</p>

<div class="figures">
<div class="figure"><b>{len(report.identities):,}</b>identities (children)</div>
<div class="figure"><b>{report.n_lost:,}</b>{LOST_MEANING}</div>
<div class="figure"><b>{report.n_lost_exact_join:,}</b>lost by an exact A-number join</div>
<div class="figure"><b>{facts["needs_review"]:,}</b>need review</div>
</div>
<p class="headline">A plain A-number join of the same records would count
<b>{report.lost_only_by_exact_join:,}</b> children as {LOST_MEANING} whom linkage
finds again (and {report.lost_only_by_linkage:,} the other way round).
"Lost" means {escape(lost_names)}.</p>
"""


def _status_table(report: HandoffReport) -> pd.DataFrame:
    """Per status: what it means, how many identities have it and their share."""
    counts = report.status_counts()
    n_identities = len(report.identities)
    return pd.DataFrame(
        {
            "status": list(STATUSES),
            "meaning": [STATUS_MEANINGS[s] for s in STATUSES],
            "identities": [counts[s] for s in STATUSES],
            "share": [f"{counts[s] / n_identities:.1%}" if n_identities else "" for s in STATUSES],
        }
    )


def _funnel_chart(report: HandoffReport) -> str:
    funnel = report.funnel()
    return horizontal_bars(
        "Funnel: identities with a record at each stage",
        [SOURCE_LABELS.get(s, s) for s in funnel["source"]],
        [int(v) for v in funnel["identities"]],
    )


def _fiscal_year_section(report: HandoffReport) -> str:
    by_year = _pivot(report.summary, "fiscal_year")
    chart = stacked_bars(
        "Statuses by fiscal year of apprehension",
        [str(v) for v in by_year["fiscal_year"]],
        list(STATUSES),
        [[int(row[s]) for s in STATUSES] for _, row in by_year.iterrows()],
        [STATUS_COLOURS[s] for s in STATUSES],
    )
    note = """\
<p class="muted">US federal fiscal year (October to September) of the CBP apprehension, or of
the earliest event when there is no CBP record.</p>"""
    return _section("Statuses by fiscal year", note, chart)


def _versus_section(report: HandoffReport) -> str:
    versus = report.versus_exact_join
    chart = grouped_bars(
        "Linked identities vs exact A-number join, per status",
        list(versus["status"]),
        ["linked", "exact A-number join"],
        [[int(a), int(b)] for a, b in zip(versus["linked"], versus["exact_join"], strict=True)],
        list(SERIES_COLOURS),
    )
    note = """\
<p class="muted">The exact join puts together records that share a normalised A-number; records
without one stay alone. <i>difference</i> = exact join &minus; linked.</p>"""
    children, fragments = report.exact_join_lost_pieces
    pieces = (
        f"<p>The exact join counts identities, not children: its {report.n_lost_exact_join:,} "
        f"lost are {children:,} children (as linkage groups their records) and {fragments:,} "
        "more pieces of those children, each counted again because the join could not put a "
        "child's records together. That is why the difference in lost counts "
        f"({report.n_lost_exact_join - report.n_lost:,}) is larger than the "
        f"{report.lost_only_by_exact_join:,} children the exact join calls lost and linkage "
        "does not.</p>"
    )
    table = _table(versus, numeric=("linked", "exact_join", "difference"))
    return _section("Linkage compared with an exact A-number join", note, pieces, chart, table)


def _review_section(report: HandoffReport) -> str:
    """The identities to review, by what a mistake would change (``HandoffReport.review_list``:
    lost statuses first, then those that could flip, weakest link first within each), capped at
    :data:`REVIEW_ROWS`."""
    review = report.review_list()
    listed = "all shown" if len(review) <= REVIEW_ROWS else f"the first {REVIEW_ROWS} shown"
    # the wording is escaped before the column name goes in, set in italics like the others
    why = escape(NEEDS_REVIEW_MEANING).format(
        threshold=report.review_threshold, contested_link="<i>contested_link</i>"
    )
    note = (
        f'<p class="muted">{len(review):,} identities are {why}. Ordered by what a mistake '
        "would change: <i>stake</i> <b>lost</b> (a lost status: a wrong link changes the lost "
        "count) first, then <b>could flip</b> (a refused link, or a weak link in an identity "
        "with an HHS record, could move the child between lost and not lost), then the rest; "
        "weakest link first within each. <i>why</i>: <b>weak link</b> (weakest link below "
        f"{report.review_threshold:g}) or <b>strong link refused</b> (a conflict or the size "
        f"cap kept a strong link out). {listed.capitalize()}; all are flagged in "
        "identities.csv, column <i>needs_review</i>.</p>"
    )
    shown = review.head(REVIEW_ROWS).copy()
    shown["records"] = [
        f"{int(r.n_records)} ({'/'.join(str(int(getattr(r, f'n_{s}'))) for s in SOURCES)})"
        for r in shown.itertuples()
    ]
    shown["notes"] = [
        "; ".join(
            w for w, on in (("several A-numbers", a), ("addresses disagree", b)) if on is True
        )
        for a, b in zip(shown["multiple_a_numbers"], shown["address_disagrees"], strict=True)
    ]
    table = _table(
        shown[list(_REVIEW_COLUMNS)],
        numeric=("weakest_link", "contested_link"),
        widths=_REVIEW_WIDTHS,
    )
    legend = '<p class="muted"><i>records</i>: all (CBP/ICE/HHS/court).</p>'
    return _section("Identities needing review", note, table, legend)


def _groups_section(report: HandoffReport) -> str:
    """Per dimension, the largest groups: lost count and rate, how many rest on uncertain links,
    and what the exact A-number join counts (``HandoffReport.by_group``; all in groups.csv)."""
    note = (
        '<p class="muted">Per group: identities, those with a lost status and their rate, how '
        "many need review (and how many of the lost ones do), and what an exact A-number join "
        "counts as lost for the same children (each exact-join identity in the group of the "
        "linked identity holding most of its records; <i>difference</i> = exact join lost "
        "&minus; lost). A group whose lost children often need review, or where the two "
        f"counts part, has a lost rate that rests on the links. Countries and states: the "
        f"{GROUP_ROWS} largest; every group is in groups.csv.</p>"
    )
    parts = [note]
    for dimension, title in _GROUP_TITLES.items():
        groups = report.by_group(dimension)  # type: ignore[arg-type]
        shown = groups[list(_GROUP_PAGE_COLUMNS)].head(GROUP_ROWS).copy()
        shown["lost_rate"] = [f"{v:.1%}" for v in shown["lost_rate"]]
        shown = shown.rename(columns=_GROUP_PAGE_COLUMNS)
        numeric = [c for c in _GROUP_PAGE_COLUMNS.values() if c != "group"]
        parts.append(f"<h3>By {escape(title)}</h3>" + _table(shown, numeric=numeric))
    return _section("Statuses by group, with their uncertainty", *parts)


def _changes_section(report: HandoffReport) -> str:
    """After a store update: what it changed, by kind, and the status moves (from changes.csv)."""
    changes = report.changes
    if changes is None:
        return ""
    counts = changes.groupby("change").size().reset_index(name="count")
    note = (
        '<p class="muted">What this update changed (every change, one per row, in '
        "changes.csv; ids as in identities.csv).</p>"
    )
    moves = changes[changes["change"] == "status_changed"]
    moved = (
        moves.groupby(["before", "after", "detail"], dropna=False).size().reset_index(name="identities")
        .sort_values("identities", ascending=False)
    )  # fmt: skip
    parts = [note, _table(counts, numeric=("count",))]
    if len(moved):
        parts.append(_table(moved, numeric=("identities",)))
    return _section("Changes in this update", *parts)


def _measured_section(report: HandoffReport) -> str:
    """After a store update: the precision the reviewers' sample measures, and what rests on
    links no one has reviewed (``HandoffReport.review``)."""
    review = report.review
    if review is None:
        return ""
    if review.get("precision") is None:
        measured = (
            "<p>No sample of links has been checked yet: <code>linkage review --store STORE</code>, "
            "tab &ldquo;Check a sample&rdquo;, estimates the precision of the links.</p>"
        )
    else:
        measured = (
            f"<p>Estimated precision of the links: <b>{review['precision']:.1%}</b> (95% interval "
            f"{review['low']:.1%} to {review['high']:.1%}), from {review['same'] + review['different']:,} "
            "links of a random sample that reviewers decided.</p>"
        )
    rests = (
        f"<p>{review['unreviewed_uncertain']:,} identities have a status that rests on an uncertain "
        "link no one has reviewed (the review queue's items whose decision would change a "
        "status).</p>"
    )
    return _section("What the review measures", measured, rests)


#: The columns of the rejects shown on the page: never ``detail``, which quotes the raw line (a
#: child's name and birth date); that stays in rejects.csv.
REJECT_COLUMNS = ("source", "record_id", "row_number", "reason")


def _rejects_section(report: HandoffReport) -> str:
    note = (
        f'<p class="muted">{len(report.rejects):,} input rows could not be read; each is named by '
        "source, record id (when it could be read) and data row, with its reason. Their text is "
        "only in rejects.csv.</p>"
    )
    shown = [c for c in REJECT_COLUMNS if c in report.rejects.columns]
    table = _table(report.rejects[shown].head(REVIEW_ROWS), numeric=("row_number",))
    return _section("Rejected rows", note, table)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _is_list(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _cell(value: object) -> str:
    if _is_list(value):
        return f"<td>{escape(', '.join(str(v) for v in value))}</td>"  # type: ignore[attr-defined]
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
    return f"<td>{escape(value)}</td>"


def _heading(column: object) -> str:
    """A column name, escaped, that may break after its underscores (``weakest_<wbr>link``)."""
    return escape(column).replace("_", "_<wbr>")


def _table(frame: pd.DataFrame, *, numeric: Sequence[str] = (), widths: Sequence[int] = ()) -> str:
    """An HTML table of ``frame``; every value escaped. An empty frame says "None". ``widths``:
    each column's share of the page's width in percent; the table then takes the page's width
    and its cells wrap anywhere, so it never passes the window's edge."""
    if frame.empty:
        return '<p class="muted">None.</p>'
    sizes = [f' style="width:{w}%"' for w in widths] or [""] * len(frame.columns)
    head = "".join(
        f'<th class="n"{size}>{_heading(c)}</th>'
        if c in numeric
        else f"<th{size}>{_heading(c)}</th>"
        for c, size in zip(frame.columns, sizes, strict=True)
    )
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for value in record:
            if hasattr(value, "item") and not _is_list(value):
                value = value.item()  # numpy scalar -> Python
            cells.append(_cell(value))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    opening = '<table class="wide">' if widths else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


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
