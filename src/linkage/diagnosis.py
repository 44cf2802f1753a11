"""Why a linkage result is wrong where it is wrong: missed pairs and false merges, with reasons.

:func:`explain_errors` compares a :class:`~linkage.linking.LinkageResult` with the true child of
each record and lists

- every **missed pair** (two records of one child left in two identities) with what kept them
  apart: never scored (blocking did not pair them, or the model scored them below
  ``Thresholds.keep_pair_probability``), scored below the match threshold (and the comparisons
  that weighed most against), refused by a conflict rule (which), kept apart by a conflict between
  other records of the two identities (which), cut as the one weak link between two groups of
  records (``single_link``), or else (the identity size cap);
- every **false merge** (two records of different children in one identity) with what joined
  them: a direct link (its probability and the comparisons that weighed most for it), a chain
  through other records, or the joining of two identities of complementary agencies
  (``complementary``: no link joins the two parts).

So the next habit the data show can be diagnosed in minutes: ``analysis.summary()`` counts the
reasons, ``analysis.missed`` and ``analysis.false_merges`` hold the pairs.

Example:
    >>> import linkage
    >>> from linkage.synthetic import generate
    >>> data = generate(300, seed=1)
    >>> result = linkage.link(data.sources, quiet=True)  # doctest: +SKIP
    >>> linkage.explain_errors(result, data).summary()  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from linkage import tables
from linkage.clustering import _components
from linkage.conflicts import conflict_rules, number_support_sql
from linkage.evaluation import TRUTH_COLUMNS, _to_arrow
from linkage.thresholds import Thresholds

__all__ = ["ErrorAnalysis", "explain_errors"]

logger = logging.getLogger("linkage")

#: How many comparisons are named per pair (those that weighed most against a missed pair, or for
#: a false merge).
SHOWN_COMPARISONS = 2

_TRUTH = tables.scratch("diagnosis_truth")
_MISSED = tables.scratch("diagnosis_missed")
_MERGED = tables.scratch("diagnosis_merged")
_CROSS = tables.scratch("diagnosis_cross")
_NODES = tables.scratch("diagnosis_nodes")


@dataclass(frozen=True, eq=False)
class ErrorAnalysis:
    """What :func:`explain_errors` found.

    Attributes:
        missed: one row per pair of records of one child left in two identities:
            ``unique_id_l, unique_id_r, child_id, identity_id_l, identity_id_r,
            match_probability`` (NaN when never scored), ``reason`` (``not_scored``,
            ``below_threshold``, ``conflict``, ``conflict_between_identities``, ``single_link``,
            ``size_cap_or_other``), ``rules`` (the conflict rules that held, comma-separated) and
            ``comparisons`` (those that weighed most against the pair, with their match weight).
        false_merges: one row per pair of records of different children in one identity:
            ``unique_id_l, unique_id_r, child_id_l, child_id_r, identity_id, match_probability``,
            ``reason`` (``linked_directly``, ``chained``, or ``complementary``: the records are
            in parts of the identity that no link joins, put together as two identities of
            complementary agencies) and ``comparisons`` (those that weighed most for a direct
            link).
    """

    missed: pd.DataFrame
    false_merges: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Pairs and children per kind of error and reason (and conflict rule), most first."""
        parts = []
        for kind, frame, child in (
            ("missed", self.missed, "child_id"),
            ("false_merge", self.false_merges, "child_id_l"),
        ):
            if frame.empty:
                continue
            grouped = frame.assign(rules=frame["rules"].fillna("") if "rules" in frame else "")
            counts = grouped.groupby(["reason", "rules"], dropna=False).agg(
                pairs=("unique_id_l", "size"), children=(child, "nunique")
            )
            parts.append(counts.reset_index().assign(kind=kind))
        if not parts:
            return pd.DataFrame(columns=["kind", "reason", "rules", "pairs", "children"])
        out = pd.concat(parts, ignore_index=True)[["kind", "reason", "rules", "pairs", "children"]]
        return out.sort_values(["kind", "pairs"], ascending=[True, False], ignore_index=True)

    def __repr__(self) -> str:
        lines = [
            f"ErrorAnalysis: {len(self.missed):,} missed pairs, "
            f"{len(self.false_merges):,} falsely merged pairs"
        ]
        for row in self.summary().itertuples(index=False):
            rules = f" [{row.rules}]" if row.rules else ""
            lines.append(
                f"  {row.kind:<12}{row.reason}{rules}: {row.pairs:,} pairs, {row.children:,} children"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{self!r}</pre>".replace("&", "&amp;") + self.summary().to_html(index=False)


def explain_errors(result: Any, truth: Any) -> ErrorAnalysis:
    """List the missed pairs and false merges of ``result`` against ``truth``, with reasons.

    Args:
        result: a :class:`~linkage.linking.LinkageResult` (its connection holds the records,
            model input, pairs and clusters; its model the thresholds).
        truth: one row per record, ``source, record_id, child_id`` (a pandas or polars frame, an
            Arrow table or DuckDB relation), or a :class:`linkage.synthetic.SyntheticData`.

    Returns:
        The :class:`ErrorAnalysis`.

    Raises:
        EvaluationError: ``truth`` is not a table or lacks a column.
    """
    truth = getattr(truth, "truth", truth)
    thresholds: Thresholds = result.model.thresholds
    con: duckdb.DuckDBPyConnection = result.con
    with _scratch(con):
        _load_truth(con, truth)
        _load_nodes(con)
        missed = _missed(con, thresholds)
        merged = _false_merges(con, thresholds)
    return ErrorAnalysis(missed=missed, false_merges=merged)


@contextmanager
def _scratch(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    try:
        yield
    finally:
        for name in (_TRUTH, _MISSED, _MERGED, _CROSS, _NODES):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _load_nodes(con: duckdb.DuckDBPyConnection) -> None:
    """The model input with the A-number support the conflict rules read, counted over each
    record's identity (clustering counts it over the component of links, before any split)."""
    rows = (
        f"(SELECT m.*, c.identity_id AS diagnosis_group FROM {tables.MODEL_INPUT} m "
        f"JOIN {tables.CLUSTERS} c USING (unique_id))"
    )
    con.execute(
        f"CREATE TEMP TABLE {_NODES} AS "
        f"SELECT * EXCLUDE (diagnosis_group) FROM {number_support_sql(rows, 'diagnosis_group')}"
    )


def _load_truth(con: duckdb.DuckDBPyConnection, truth: Any) -> None:
    frame = tables.scratch("diagnosis_truth_frame")
    con.register(frame, _to_arrow("truth", truth, TRUTH_COLUMNS))
    try:
        con.execute(
            f"""CREATE TEMP TABLE {_TRUTH} AS
            SELECT c.unique_id, c.identity_id, CAST(t.child_id AS VARCHAR) AS child_id
            FROM {frame} t JOIN {tables.CLUSTERS} c
              ON c.source = CAST(t.source AS VARCHAR)
             AND c.record_id = CAST(t.record_id AS VARCHAR)"""
        )
    finally:
        con.unregister(frame)


def _weights(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: the pair's comparisons as a list of (name, match weight) structs."""
    columns = [r[0] for r in con.execute(f"DESCRIBE {tables.PAIRS}").fetchall()]
    names = [c[len("mw_") :] for c in columns if c.startswith("mw_") and not c.startswith("mw_tf")]
    items = ", ".join(f"{{'name': '{n}', 'weight': p.mw_{n}}}" for n in names)
    return f"[{items}]" if items else "[]"


def _pair_join(pairs_alias: str, left: str, right: str) -> str:
    return (
        f"LEFT JOIN {tables.PAIRS} {pairs_alias} "
        f"ON {pairs_alias}.unique_id_l = least({left}, {right}) "
        f"AND {pairs_alias}.unique_id_r = greatest({left}, {right})"
    )


def _sorted_shown(weights: str, keep: str, order: str) -> str:
    """SQL: the :data:`SHOWN_COMPARISONS` comparisons of ``weights`` passing ``keep``, first by
    ``order``, as text ("dob -6.1, given_name -2.3")."""
    return (
        f"(SELECT string_agg(w.name || ' ' || printf('%+.1f', w.weight), ', ' ORDER BY {order}) "
        f"FROM (SELECT unnest({weights}) AS w) x(w) WHERE {keep} "
        f"AND w.name IN (SELECT w2.name FROM (SELECT unnest({weights}) AS w2) y(w2) "
        f"WHERE {keep.replace('w.', 'w2.')} ORDER BY {order.replace('w.', 'w2.')} "
        f"LIMIT {SHOWN_COMPARISONS}))"
    )


def _rules_sql(thresholds: Thresholds) -> str:
    """SQL over ``l``/``r`` model-input rows: the names of the conflict rules that hold."""
    rules = conflict_rules(thresholds)
    items = ", ".join(
        f"CASE WHEN coalesce({sql}, FALSE) THEN '{name}' END" for name, sql in rules.items()
    )
    return f"array_to_string(list_filter([{items}], lambda x: x IS NOT NULL), ', ')"


def _missed(con: duckdb.DuckDBPyConnection, thresholds: Thresholds) -> pd.DataFrame:
    """True pairs in two identities, with the probability, the rules that hold on the pair and the
    comparisons that weighed most against it."""
    weights = _weights(con)
    con.execute(
        f"""CREATE TEMP TABLE {_MISSED} AS
        SELECT a.unique_id AS unique_id_l, b.unique_id AS unique_id_r, a.child_id,
               a.identity_id AS identity_id_l, b.identity_id AS identity_id_r,
               p.match_probability,
               {_sorted_shown(weights, "w.weight < 0", "w.weight")} AS comparisons,
               nullif({_rules_sql(thresholds)}, '') AS rules
        FROM {_TRUTH} a JOIN {_TRUTH} b
          ON a.child_id = b.child_id AND a.unique_id < b.unique_id
         AND a.identity_id <> b.identity_id
        {_pair_join("p", "a.unique_id", "b.unique_id")}
        JOIN {_NODES} l ON l.unique_id = a.unique_id
        JOIN {_NODES} r ON r.unique_id = b.unique_id"""
    )
    between = _conflicts_between_identities(con, thresholds)
    single = _single_links_between_identities(con, thresholds)
    frame = con.execute(f"SELECT * FROM {_MISSED} ORDER BY child_id, unique_id_l, unique_id_r").df()
    frame["reason"] = _missed_reason(frame, between, single, thresholds)
    cross = frame["reason"] == "conflict_between_identities"
    keys = list(zip(frame["identity_id_l"], frame["identity_id_r"], strict=True))
    frame.loc[cross, "rules"] = [between.get(k) for k, c in zip(keys, cross, strict=True) if c]
    columns = ["unique_id_l", "unique_id_r", "child_id", "identity_id_l", "identity_id_r",
               "match_probability", "reason", "rules", "comparisons"]  # fmt: skip
    return frame[columns]


def _split_records_sql(thresholds: Thresholds) -> str:
    """SQL: each pair of identities a missed link was split across (``s``), with every record of
    one (``x``) beside every record of the other (``y``)."""
    return f"""(SELECT DISTINCT identity_id_l, identity_id_r FROM {_MISSED}
               WHERE match_probability >= {float(thresholds.match_probability)}) s
        JOIN {tables.CLUSTERS} x ON x.identity_id = s.identity_id_l
        JOIN {tables.CLUSTERS} y ON y.identity_id = s.identity_id_r"""


def _conflicts_between_identities(
    con: duckdb.DuckDBPyConnection, thresholds: Thresholds
) -> dict[tuple[str, str], str]:
    """For each pair of identities a missed pair was split across, the conflict rules that hold
    between some record of one and some record of the other."""
    con.execute(
        f"""CREATE TEMP TABLE {_CROSS} AS
        SELECT s.identity_id_l, s.identity_id_r, {_rules_sql(thresholds)} AS rules
        FROM {_split_records_sql(thresholds)}
        JOIN {_NODES} l ON l.unique_id = x.unique_id
        JOIN {_NODES} r ON r.unique_id = y.unique_id"""
    )
    rows = con.execute(
        f"""SELECT identity_id_l, identity_id_r,
                   array_to_string(list_sort(list_distinct(flatten(list(string_split(rules, ', '))))), ', ')
            FROM {_CROSS} WHERE rules <> '' GROUP BY ALL"""
    ).fetchall()
    return {(a, b): rules for a, b, rules in rows if rules}


def _single_links_between_identities(
    con: duckdb.DuckDBPyConnection, thresholds: Thresholds
) -> set[tuple[str, str]]:
    """The pairs of identities a missed link was split across that one link alone joins, below
    ``thresholds.single_link_probability`` (clustering cut it: :func:`linkage.clustering.split_single_links`)."""
    rows = con.execute(
        f"""SELECT s.identity_id_l, s.identity_id_r
            FROM {_split_records_sql(thresholds)}
            {_pair_join("p", "x.unique_id", "y.unique_id")}
            WHERE p.match_probability >= {float(thresholds.match_probability)}
            GROUP BY ALL
            HAVING count(*) = 1
               AND max(p.match_probability) < {float(thresholds.single_link_probability)}"""
    ).fetchall()
    return {(a, b) for a, b in rows}


def _missed_reason(
    frame: pd.DataFrame,
    between: dict[tuple[str, str], str],
    single: set[tuple[str, str]],
    thresholds: Thresholds,
) -> list[str]:
    reasons = []
    for row in frame.itertuples(index=False):
        p = row.match_probability
        if pd.isna(p):
            reasons.append("not_scored")
        elif p < thresholds.match_probability:
            reasons.append("below_threshold")
        elif isinstance(row.rules, str) and row.rules:
            reasons.append("conflict")
        elif (row.identity_id_l, row.identity_id_r) in between:
            reasons.append("conflict_between_identities")
        elif (row.identity_id_l, row.identity_id_r) in single:
            reasons.append("single_link")
        else:
            reasons.append("size_cap_or_other")
    return reasons


def _link_parts(con: duckdb.DuckDBPyConnection, thresholds: Thresholds) -> dict[str, int]:
    """Each record's part of its identity: the records its links inside the identity reach. An
    identity of more than one part was joined as two identities of complementary agencies
    (:func:`linkage.clustering.join_complementary`), or by a reviewer's ``same``."""
    rows = con.execute(
        f"""WITH ids AS (SELECT unique_id, row_number() OVER (ORDER BY unique_id) - 1 AS idx,
                                identity_id FROM {tables.CLUSTERS})
        SELECT a.idx AS l, b.idx AS r FROM {tables.PAIRS} p
        JOIN ids a ON a.unique_id = p.unique_id_l JOIN ids b ON b.unique_id = p.unique_id_r
        WHERE a.identity_id = b.identity_id
          AND p.match_probability >= {float(thresholds.match_probability)}"""
    ).fetchnumpy()
    ids = con.execute(f"SELECT unique_id FROM {tables.CLUSTERS} ORDER BY unique_id").fetchnumpy()
    left, right = (np.asarray(rows[side], dtype=np.int64) for side in ("l", "r"))
    labels = _components(len(ids["unique_id"]), left, right)
    return dict(zip(ids["unique_id"].tolist(), labels.tolist(), strict=True))


def _false_merges(con: duckdb.DuckDBPyConnection, thresholds: Thresholds) -> pd.DataFrame:
    """Pairs of records of different children in one identity, with the direct link if any."""
    weights = _weights(con)
    frame = con.execute(
        f"""SELECT a.unique_id AS unique_id_l, b.unique_id AS unique_id_r,
                   a.child_id AS child_id_l, b.child_id AS child_id_r, a.identity_id,
                   p.match_probability,
                   CASE WHEN p.match_probability >= {float(thresholds.match_probability)}
                        THEN 'linked_directly' ELSE 'chained' END AS reason,
                   CASE WHEN p.match_probability IS NOT NULL
                        THEN {_sorted_shown(weights, "w.weight > 0", "-w.weight")} END AS comparisons
            FROM {_TRUTH} a JOIN {_TRUTH} b
              ON a.identity_id = b.identity_id AND a.unique_id < b.unique_id
             AND a.child_id <> b.child_id
            {_pair_join("p", "a.unique_id", "b.unique_id")}
            ORDER BY a.identity_id, a.unique_id, b.unique_id"""
    ).df()
    chained = frame["reason"] == "chained"
    if chained.any():
        parts = _link_parts(con, thresholds)
        ends = frame.loc[chained, ["unique_id_l", "unique_id_r"]].itertuples(index=False)
        apart = [parts[a] != parts[b] for a, b in ends]
        frame.loc[frame.index[chained][apart], "reason"] = "complementary"
    return frame
