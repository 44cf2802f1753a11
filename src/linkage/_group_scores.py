"""Status errors per group against the truth (``Evaluation.by_group``): for each country, age
band, sex, fiscal year and sponsor state of the true child, the share of children whose status
is right and how far the reported lost count is from the true one (``docs/evaluation.md``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.handoff._groups import GROUP_DIMENSIONS, UNKNOWN
from linkage.handoff._sql import AGE_BANDS, AGE_UNKNOWN, sql_list, sql_str
from linkage.handoff._states import NO_SPONSOR
from linkage.schema import LOST_STATUSES, STATUSES

#: Columns of ``Evaluation.by_group``.
GROUP_SCORE_COLUMNS: tuple[str, ...] = (
    "dimension", "group", "children", "status_accuracy", "true_lost", "reported_lost",
    "lost_error",
)  # fmt: skip
#: Where each dimension is read from in ``children``: the first column present wins.
_SOURCES: dict[str, tuple[str, ...]] = {
    "country": ("country",),
    "age_band": ("age_at_entry", "age_band"),
    "sex": ("sex",),
    "fiscal_year": ("fiscal_year",),
    "sponsor_state": ("sponsor_state", "state"),
}


def columns_of(data: Any) -> list[str]:
    """The column names of a pandas/polars frame, Arrow table or DuckDB relation."""
    if hasattr(data, "collect_schema"):  # polars (asked first: .schema of a LazyFrame warns)
        return list(data.collect_schema().names())
    schema = getattr(data, "schema", None)
    if isinstance(schema, pa.Schema):  # Arrow tables, batches, readers
        return list(schema.names)
    return [str(c) for c in data.columns]


def group_columns(children: Any) -> dict[str, str]:
    """Dimension -> the column of ``children`` it is read from (dimensions without one left
    out)."""
    have = set(columns_of(children))
    found = {d: next((c for c in _SOURCES[d] if c in have), None) for d in GROUP_DIMENSIONS}
    return {d: c for d, c in found.items() if c is not None}


def _value_sql(dimension: str, column: str) -> str:
    if column == "age_at_entry":  # the report's bands, from the age
        age = "TRY_CAST(g.age_at_entry AS INTEGER)"
        cases = " ".join(
            f"WHEN {age} BETWEEN {low} AND {high} THEN {sql_str(label)}"
            for label, low, high in AGE_BANDS
        )
        return f"CASE {cases} ELSE {sql_str(AGE_UNKNOWN)} END"
    if dimension == "sponsor_state":  # children never handed to HHS have no sponsor
        return (
            f"CASE WHEN g.{column} IS NULL AND ch.status = {sql_str(STATUSES[0])} "
            f"THEN {sql_str(NO_SPONSOR)} ELSE coalesce(g.{column}, {sql_str(UNKNOWN)}) END"
        )
    return f"coalesce(g.{column}, {sql_str(UNKNOWN)})"


def group_scores(
    con: duckdb.DuckDBPyConnection,
    children: Any,
    load: Callable[[duckdb.DuckDBPyConnection, str, Any, Sequence[str]], None],
) -> pd.DataFrame | None:
    """The per-group scores on evaluate's connection (tables ``cells``, ``identities``,
    ``children``, ``child_status``); None when ``children`` has no group column. Each identity
    counts in the group of the true child holding most of its records (ties: the smallest id)."""
    found = group_columns(children)
    if not found:
        return None
    load(con, "child_groups", children, ["child_id", *dict.fromkeys(found.values())])
    values = ", ".join(f"{_value_sql(d, c)} AS {d}" for d, c in found.items())
    lost = sql_list(LOST_STATUSES)
    frame = con.sql(
        f"""
        WITH g AS (
            UNPIVOT (SELECT g.child_id, {values} FROM child_groups AS g
                     JOIN children AS ch USING (child_id))
            ON {", ".join(found)} INTO NAME dimension VALUE grp),
        truth AS (
            SELECT g.dimension, g.grp, count(*) AS children,
                   count(*) FILTER (WHERE cs.correct) / count(*) AS status_accuracy,
                   count(*) FILTER (WHERE cs.true_status IN {lost}) AS true_lost
            FROM child_status AS cs JOIN g USING (child_id) GROUP BY ALL),
        owner AS (SELECT identity_id, arg_min(child_id, (-n, child_id)) AS child_id
                  FROM cells GROUP BY identity_id),
        reported AS (
            SELECT g.dimension, g.grp, count(*) FILTER (WHERE i.status IN {lost}) AS n
            FROM owner AS o JOIN identities AS i USING (identity_id)
            JOIN g USING (child_id) GROUP BY ALL)
        SELECT t.dimension, t.grp AS "group", t.children, t.status_accuracy, t.true_lost,
               coalesce(r.n, 0) AS reported_lost, coalesce(r.n, 0) - t.true_lost AS lost_error
        FROM truth AS t LEFT JOIN reported AS r USING (dimension, grp)
        ORDER BY list_position({list(GROUP_DIMENSIONS)!r}, t.dimension), t.children DESC, t.grp
        """
    ).df()
    for column in ("children", "true_lost", "reported_lost", "lost_error"):
        frame[column] = frame[column].astype("int64")
    return frame[list(GROUP_SCORE_COLUMNS)]


#: A dimension with more groups than this shows only its worst ones in :func:`group_scores_text`.
SHOWN_GROUPS = 6
_TEXT_HEADER = ("dimension", "group", "children", "wrong", "accuracy", "true lost",
                "reported lost", "lost error")  # fmt: skip


def group_scores_text(frame: pd.DataFrame, *, shown: int = SHOWN_GROUPS) -> str:
    """``Evaluation.by_group`` as a table for a terminal (``linkage evaluate``).

    A dimension of at most ``shown`` groups lists them all, by group (age bands and years in
    order); a longer one (countries, states) its ``shown`` groups with the most children whose
    status is wrong (then the largest lost error, then the largest), and how many it leaves out.
    ``wrong`` counts the children whose reported status is wrong; ``lost error`` is signed (more
    lost reported than true: ``+``).
    """
    rows: list[tuple[str, ...]] = []
    for dimension, part in frame.groupby("dimension", sort=False):
        part = part.assign(
            wrong=(part["children"] * (1 - part["status_accuracy"])).round().astype("int64"),
            off=part["lost_error"].abs(),
        )
        if len(part) <= shown:
            part = part.sort_values("group")
        else:
            order = ["wrong", "off", "children", "group"]
            part = part.sort_values(order, ascending=[False, False, False, True])
        for row in part.head(shown).itertuples(index=False):
            rows.append((str(dimension), str(row.group), f"{row.children:,}", f"{row.wrong:,}",
                         f"{row.status_accuracy:.4f}", f"{row.true_lost:,}",
                         f"{row.reported_lost:,}", f"{row.lost_error:+,}" if row.lost_error else "0"))  # fmt: skip
        if len(part) > shown:
            rows.append((str(dimension), f"({len(part) - shown:,} more groups)", *[""] * 6))
    widths = [max(len(r[i]) for r in (_TEXT_HEADER, *rows)) for i in range(len(_TEXT_HEADER))]
    lines = [
        "  " + "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(
            zip(row, widths, strict=True))).rstrip()
        for row in (_TEXT_HEADER, *rows)
    ]  # fmt: skip
    title = (
        f"status errors per group of the true child (over {shown} groups: the {shown} most "
        "wrong; --json lists all)"
    )
    return "\n".join([title, *lines])
