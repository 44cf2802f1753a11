"""u probabilities from random pairs of records, every comparison in one pass.

Training (:func:`linkage.model.train`) sets the u probability of each comparison level (how often
two records of different children fall in it) from the pairs of a random sample of records. Only
``model.py`` builds a Splink linker; this module works on the settings dict and on SQL.
"""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb

from linkage.tables import scratch

#: A column of a comparison's SQL: ``name_l`` / ``name_r``, quoted or not.
PAIR_COLUMN = re.compile(r'"?\b([A-Za-z_][A-Za-z0-9_]*?)_[lr]\b"?')


def estimate_u(
    con: duckdb.DuckDBPyConnection,
    table: str,
    settings: dict[str, Any],
    *,
    max_pairs: float,
    seed: int,
) -> dict[str, int]:
    """Set the u probability of every comparison level in ``settings`` (a Splink settings dict,
    changed in place) from random pairs of ``table``'s records; return the count of random pairs
    in each level (``"comparison: level label"``).

    The pairs are every pair of a sample of records, as many as make about ``max_pairs`` pairs,
    chosen by a hash of ``unique_id`` and ``seed`` (the same sample for the same seed). Each
    level's u is the share of the pairs not in the comparison's null level that fall in it, as
    Splink's ``estimate_u_using_random_sampling`` computes it (a test checks they are equal over
    every pair); but every comparison is evaluated in one pass over the pairs, where Splink
    joins the sample again for each comparison, and Splink stops on a first 1% of the pairs for
    a comparison whose levels all reach 100 pairs there, 1% drawn from about 20 records on one
    side, a noisy estimate of the commonest levels (the figures are in docs/performance.md). A
    level no random pair falls in gets no u (training then gives it the model's default u).
    """
    rows = math.ceil(0.5 * (math.sqrt(8 * max_pairs + 1) + 1))
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    comparisons = settings["comparisons"]
    columns = sorted(
        {
            column
            for comparison in comparisons
            for level in comparison["comparison_levels"]
            for column in PAIR_COLUMN.findall(str(level.get("sql_condition", "")))
            if column in have
        }
    )
    sample = scratch("u_sample")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {sample} AS
        SELECT unique_id, {", ".join(f'"{c}"' for c in columns)} FROM {table}
        ORDER BY md5_number(CAST(unique_id AS VARCHAR) || '/{int(seed)}'), unique_id
        LIMIT {rows}"""
    )
    sides = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in columns)
    cases = []
    for i, comparison in enumerate(comparisons):
        whens, otherwise = [], "NULL"  # Splink's last level may be ELSE (the CASE's own ELSE)
        for k, level in enumerate(comparison["comparison_levels"]):
            if level["sql_condition"].strip().upper() == "ELSE":
                otherwise = str(k)
            else:
                whens.append(f"WHEN {level['sql_condition']} THEN {k}")
        cases.append(f"CASE {' '.join(whens)} ELSE {otherwise} END AS g{i}")
    grouping = ", ".join(f"(g{i})" for i in range(len(comparisons)))
    try:
        rows_counted = con.execute(
            f"""WITH pairs AS (
                SELECT {sides} FROM {sample} l JOIN {sample} r ON l.unique_id < r.unique_id),
            levels AS (SELECT {", ".join(cases)} FROM pairs)
            SELECT {", ".join(f"g{i}" for i in range(len(comparisons)))}, count(*)
            FROM levels GROUP BY GROUPING SETS ({grouping})"""
        ).fetchall()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {sample}")
    counts: dict[tuple[int, int], int] = {}
    for row in rows_counted:
        *levels, n = row
        for i, level in enumerate(levels):
            if level is not None:
                counts[(i, int(level))] = int(n)
    found: dict[str, int] = {}
    for i, comparison in enumerate(comparisons):
        levels = comparison["comparison_levels"]
        observed = [k for k, lv in enumerate(levels) if not lv.get("is_null_level")]
        total = sum(counts.get((i, k), 0) for k in observed)
        for k in observed:
            n = counts.get((i, k), 0)
            found[f"{comparison['output_column_name']}: {levels[k].get('label_for_charts')}"] = n
            if n:
                levels[k]["u_probability"] = n / total
            else:
                levels[k].pop("u_probability", None)
    return found
