"""Scores against known truth: how well a clustering found the real children.

:func:`evaluate` scores any clustering, made by `linkage` or by anything else (a plain A-number
join, another linkage tool), against the true child of every record:

- pairwise precision, recall and F1 over record pairs (computed from the identity x child
  contingency table, never by listing pairs, so a million records take seconds);
- B-cubed precision, recall and F1 (per record, then averaged);
- how many true children were split over several identities, and how many identities merged
  records of several children;
- optionally, how many children got the right handoff status (see :class:`StatusScores`).

The input layout is described in ``docs/evaluation.md``.

Example:
    >>> import pandas as pd
    >>> truth = pd.DataFrame({"source": ["cbp", "hhs", "cbp"], "record_id": ["1", "7", "2"],
    ...                       "child_id": ["a", "a", "b"]})
    >>> clusters = pd.DataFrame({"source": ["cbp", "hhs", "cbp"], "record_id": ["1", "7", "2"],
    ...                          "identity_id": [10, 10, 11]})
    >>> evaluate(clusters, truth).pairwise_f1
    1.0
"""

from __future__ import annotations

import html
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from linkage import engine
from linkage._group_scores import group_scores
from linkage.errors import MAX_EXAMPLES, EvaluationError
from linkage.schema import STATUSES

__all__ = ["Evaluation", "StatusScores", "evaluate"]

logger = logging.getLogger("linkage")

#: Columns each input of :func:`evaluate` must have.
CLUSTER_COLUMNS: tuple[str, ...] = ("source", "record_id", "identity_id")
TRUTH_COLUMNS: tuple[str, ...] = ("source", "record_id", "child_id")
IDENTITY_STATUS_COLUMNS: tuple[str, ...] = ("identity_id", "status")
CHILD_STATUS_COLUMNS: tuple[str, ...] = ("child_id", "status")
#: The status of a child never handed to HHS (the others are all handed to HHS).
NOT_HANDED_STATUS = STATUSES[0]

FrameShape = Literal["wide", "long"]


@dataclass(frozen=True, kw_only=True, eq=False)
class StatusScores:
    """How well the reported handoff statuses match the true ones.

    A child's reported status is correct only when every identity holding any of its records
    reports the child's true status: a child split over identities with different statuses is
    wrong.

    Attributes:
        accuracy: Share of children whose reported status is correct.
        accuracy_handed_to_hhs: The same over the children whose true status is not
            ``not_transferred`` (NaN when there are none).
        n_children: Children scored.
        n_children_handed_to_hhs: Children whose true status is not ``not_transferred``.
        confusion: Children counted by true status (rows) x reported status (columns), each child
            once, by the status of the identity holding most of its records (ties: the identity
            whose id, as text, sorts first). Every status appears on both axes.
        count_error: Per status (index): ``reported_identities`` (identities reported with that
            status, which is how a report counts), ``true_children`` (children whose true status
            it is) and ``difference`` (reported minus true).
    """

    accuracy: float
    accuracy_handed_to_hhs: float
    n_children: int
    n_children_handed_to_hhs: int
    confusion: pd.DataFrame
    count_error: pd.DataFrame

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatusScores):
            return NotImplemented
        return (
            _same_number(self.accuracy, other.accuracy)
            and _same_number(self.accuracy_handed_to_hhs, other.accuracy_handed_to_hhs)
            and self.n_children == other.n_children
            and self.n_children_handed_to_hhs == other.n_children_handed_to_hhs
            and self.confusion.equals(other.confusion)
            and self.count_error.equals(other.count_error)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"StatusScores(accuracy={self.accuracy:.4f} over {self.n_children:,} children, "
            f"accuracy_handed_to_hhs={self.accuracy_handed_to_hhs:.4f} over "
            f"{self.n_children_handed_to_hhs:,})"
        )


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """Scores of one clustering against the truth; built by :func:`evaluate`.

    Attributes:
        pairwise_precision: Share of record pairs put in one identity that belong to one child
            (1.0 when no pair was put together).
        pairwise_recall: Share of record pairs of one child that were put in one identity
            (1.0 when no child has two records).
        pairwise_f1: Harmonic mean of the two (0.0 when both are 0).
        true_positive_pairs: Pairs in the same identity and the same child.
        predicted_pairs: Pairs in the same identity.
        true_pairs: Pairs of the same child.
        bcubed_precision: Mean over records of the share of its identity that is its child.
        bcubed_recall: Mean over records of the share of its child that is in its identity.
        bcubed_f1: Harmonic mean of the two B-cubed figures.
        children_split: True children whose records sit in more than one identity.
        identities_merged: Identities holding records of more than one true child.
        n_records: Records scored.
        n_children: True children among them.
        n_identities: Identities in the clustering.
        status: Handoff-status scores, or None when statuses were not given.
        by_group: Per group of the true child (``country``, ``age_band``, ``sex``,
            ``fiscal_year``, ``sponsor_state``, those ``children`` has a column for:
            ``age_at_entry`` or ``age_band``, ``sponsor_state`` or ``state``): ``dimension,
            group, children, status_accuracy, true_lost, reported_lost, lost_error``
            (``reported_lost`` counts identities with a lost status, each in the group of the
            child holding most of its records; ``lost_error = reported_lost - true_lost``).
            None without statuses or without group columns.
    """

    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    children_split: int
    identities_merged: int
    n_records: int
    n_children: int
    n_identities: int
    status: StatusScores | None = None
    by_group: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, float | int | None]:
        """Every figure as a flat ``{name: number}`` dict.

        The status figures appear as ``status_accuracy`` and ``status_accuracy_handed_to_hhs``
        (None when statuses were not scored); the status tables stay on :attr:`status`.
        """
        out: dict[str, float | int | None] = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("status", "by_group")
        }
        out["status_accuracy"] = self.status.accuracy if self.status else None
        out["status_accuracy_handed_to_hhs"] = (
            self.status.accuracy_handed_to_hhs if self.status else None
        )
        return out

    def to_frame(self, *, shape: FrameShape = "wide") -> pd.DataFrame:
        """The figures of :meth:`to_dict` as a DataFrame.

        Args:
            shape: ``"wide"`` gives one row with a column per figure (handy to stack the
                results of several runs); ``"long"`` gives one row per figure, with columns
                ``metric`` and ``value``.

        Returns:
            A pandas DataFrame.
        """
        figures = self.to_dict()
        if shape == "wide":
            return pd.DataFrame([figures])
        if shape == "long":
            return pd.DataFrame(
                {"metric": list(figures), "value": pd.Series(list(figures.values()), dtype=object)}
            )
        raise ValueError(f"shape must be 'wide' or 'long', got {shape!r}")

    def _rows(self) -> list[tuple[str, str]]:
        rows = [
            (
                "records / children / identities",
                f"{self.n_records:,} / {self.n_children:,} / {self.n_identities:,}",
            ),
            (
                "pairwise precision / recall / F1",
                f"{self.pairwise_precision:.4f} / {self.pairwise_recall:.4f} / "
                f"{self.pairwise_f1:.4f}",
            ),
            (
                "pairs: right / predicted / true",
                f"{self.true_positive_pairs:,} / {self.predicted_pairs:,} / {self.true_pairs:,}",
            ),
            (
                "B-cubed precision / recall / F1",
                f"{self.bcubed_precision:.4f} / {self.bcubed_recall:.4f} / {self.bcubed_f1:.4f}",
            ),
            (
                "children split / identities merged",
                f"{self.children_split:,} / {self.identities_merged:,}",
            ),
        ]
        if self.status is not None:
            rows.append(
                (
                    "status accuracy: all / handed to HHS",
                    f"{self.status.accuracy:.4f} / {self.status.accuracy_handed_to_hhs:.4f}",
                )
            )
        return rows

    def __repr__(self) -> str:
        rows = self._rows()
        width = max(len(label) for label, _ in rows)
        return "Evaluation\n" + "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:right'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        parts = [f"<table><caption>Evaluation</caption>{body}</table>"]
        if self.status is not None:
            parts.append("<p>Children by true status (rows) and reported status (columns)</p>")
            parts.append(self.status.confusion.to_html())
            parts.append("<p>Identities reported per status against true children</p>")
            parts.append(self.status.count_error.to_html())
        return "".join(parts)


def evaluate(
    clusters: Any,
    truth: Any,
    *,
    identities: Any | None = None,
    children: Any | None = None,
) -> Evaluation:
    """Score a clustering against the true child of every record.

    Tables may be pandas or polars DataFrames, Arrow tables or DuckDB relations. Every id
    (``source``, ``record_id``, ``identity_id``, ``child_id``) is compared as text, so
    ``record_id`` 12 and ``"12"`` are the same record (a float column of whole numbers, as pandas
    makes of an integer column with gaps, reads as ``"12"`` too).

    Args:
        clusters: One row per record: ``source, record_id, identity_id``.
        truth: One row per record: ``source, record_id, child_id``; or a
            :class:`linkage.synthetic.SyntheticData` (anything with ``.truth`` and ``.children``),
            whose ``.children`` is then the default for ``children``.
        identities: Optional, one row per identity: ``identity_id, status`` (the reported status).
        children: Optional, one row per child: ``child_id, status`` (the true status). Children
            with no record in ``truth`` are ignored. Statuses are scored only when both
            ``identities`` and ``children`` are given.

    Returns:
        The :class:`Evaluation`.

    Raises:
        EvaluationError: A table lacks a column or is not a table; a record is in one of
            ``clusters`` and ``truth`` but not the other, is listed twice, or has an empty id;
            an identity or child has no status, or an unknown one. Every problem found is
            reported at once, with up to five examples each.
    """
    started = time.perf_counter()
    if not _is_table(truth) and hasattr(truth, "truth") and hasattr(truth, "children"):
        if children is None:
            children = truth.children
        truth = truth.truth
    con = engine.connect()  # held to the memory limit like the job
    try:
        _load(con, "clusters", clusters, CLUSTER_COLUMNS)
        _load(con, "truth", truth, TRUTH_COLUMNS)
        with_status = identities is not None and children is not None
        if with_status:
            _load(con, "identities", identities, IDENTITY_STATUS_COLUMNS)
            _load(con, "children", children, CHILD_STATUS_COLUMNS)
        _raise(_record_problems(con) + (_status_problems(con) if with_status else []))
        con.execute(
            "CREATE TEMP TABLE cells AS SELECT c.identity_id, t.child_id, count(*) AS n "
            "FROM clusters c JOIN truth t USING (source, record_id) GROUP BY ALL"
        )
        status = _status_scores(con) if with_status else None
        result = _cluster_scores(con, status)
        if with_status:
            result = replace(result, by_group=group_scores(con, children, _load))
    finally:
        con.close()
    logger.debug(
        "evaluated %d records in %.2f s (pairwise F1 %.4f)",
        result.n_records,
        time.perf_counter() - started,
        result.pairwise_f1,
    )
    return result


# -- scores ------------------------------------------------------------------------------------


def _cluster_scores(con: duckdb.DuckDBPyConnection, status: StatusScores | None) -> Evaluation:
    row = _one(
        con,
        """
        WITH ident AS (SELECT identity_id, sum(n) AS size, count(*) AS k FROM cells GROUP BY ALL),
             child AS (SELECT child_id, sum(n) AS size, count(*) AS k FROM cells GROUP BY ALL)
        SELECT
            (SELECT sum(n) FROM cells),
            (SELECT count(*) FROM child),
            (SELECT count(*) FROM ident),
            (SELECT sum(n * (n - 1) // 2) FROM cells),
            (SELECT sum(size * (size - 1) // 2) FROM ident),
            (SELECT sum(size * (size - 1) // 2) FROM child),
            (SELECT count(*) FROM child WHERE k > 1),
            (SELECT count(*) FROM ident WHERE k > 1)
        """,
    )
    n_records, n_children, n_identities, tp, predicted, true, split, merged = (
        int(v or 0) for v in row
    )
    bcubed_precision = _bcubed(con, "identity_id") / n_records
    bcubed_recall = _bcubed(con, "child_id") / n_records
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    return Evaluation(
        pairwise_precision=precision,
        pairwise_recall=recall,
        pairwise_f1=_harmonic(precision, recall),
        true_positive_pairs=tp,
        predicted_pairs=predicted,
        true_pairs=true,
        bcubed_precision=bcubed_precision,
        bcubed_recall=bcubed_recall,
        bcubed_f1=_harmonic(bcubed_precision, bcubed_recall),
        children_split=split,
        identities_merged=merged,
        n_records=n_records,
        n_children=n_children,
        n_identities=n_identities,
        status=status,
    )


def _bcubed(con: duckdb.DuckDBPyConnection, key: str) -> float:
    """Sum over records of the share of the record's ``key`` group that shares its other label.

    Summed per group as ``sum(n^2) / size`` with :func:`math.fsum`, so the result is exact to
    the last bit and does not depend on the order DuckDB's threads return the groups in.
    """
    groups = con.execute(
        f"SELECT sum(n * n)::DOUBLE AS squares, sum(n)::DOUBLE AS size FROM cells GROUP BY {key}"
    ).fetchnumpy()
    return math.fsum(groups["squares"] / groups["size"])


def _status_scores(con: duckdb.DuckDBPyConnection) -> StatusScores:
    con.execute(
        """
        CREATE TEMP TABLE child_status AS
        SELECT cells.child_id,
               ch.status AS true_status,
               bool_and(i.status = ch.status) AS correct,
               first(i.status ORDER BY cells.n DESC, cells.identity_id) AS reported_status
        FROM cells
        JOIN identities i USING (identity_id)
        JOIN children ch USING (child_id)
        GROUP BY ALL
        """
    )
    n_children, n_correct, n_handed, n_handed_correct = _one(
        con,
        """
        SELECT count(*), count(*) FILTER (WHERE correct),
               count(*) FILTER (WHERE true_status <> $1),
               count(*) FILTER (WHERE correct AND true_status <> $1)
        FROM child_status
        """,
        [NOT_HANDED_STATUS],
    )
    confusion = (
        con.execute(
            "SELECT true_status, reported_status, count(*) AS n FROM child_status GROUP BY ALL"
        )
        .df()
        .pivot(index="true_status", columns="reported_status", values="n")
        .reindex(index=list(STATUSES), columns=list(STATUSES))
        .fillna(0)
        .astype("int64")
    )
    confusion.index.name = "true_status"
    confusion.columns.name = "reported_status"
    reported = con.execute("SELECT status, count(*) FROM identities GROUP BY ALL").fetchall()
    true = con.execute("SELECT true_status, count(*) FROM child_status GROUP BY ALL").fetchall()
    count_error = pd.DataFrame(
        {
            "reported_identities": pd.Series(dict(reported), dtype="int64"),
            "true_children": pd.Series(dict(true), dtype="int64"),
        }
    )
    count_error = count_error.reindex(list(STATUSES)).fillna(0).astype("int64")
    count_error["difference"] = count_error["reported_identities"] - count_error["true_children"]
    count_error.index.name = "status"
    return StatusScores(
        accuracy=n_correct / n_children,
        accuracy_handed_to_hhs=n_handed_correct / n_handed if n_handed else math.nan,
        n_children=n_children,
        n_children_handed_to_hhs=n_handed,
        confusion=confusion,
        count_error=count_error,
    )


def _one(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...]:
    """The single row of ``sql`` (fetched to the end: DuckDB 2 refuses new work otherwise)."""
    return con.execute(sql, params).fetchall()[0]


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


def _same_number(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# -- loading -----------------------------------------------------------------------------------


_TABLE_TYPES = (
    pd.DataFrame,
    pa.Table,
    pa.RecordBatch,
    pa.RecordBatchReader,
    duckdb.DuckDBPyRelation,
)


def _is_table(data: Any) -> bool:
    return isinstance(data, _TABLE_TYPES) or type(data).__module__.startswith("polars")


def _load(con: duckdb.DuckDBPyConnection, name: str, data: Any, columns: Sequence[str]) -> None:
    """Create the temp table ``name`` on ``con`` with ``columns`` of ``data`` as VARCHAR."""
    table = _to_arrow(name, data, columns)
    view = f"{name}_input"
    con.register(view, table)
    selects = ", ".join(
        f"{_as_text(column, table.schema.field(column).type)} AS {column}" for column in columns
    )
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT {selects} FROM {view}")
    con.unregister(view)


def _to_arrow(name: str, data: Any, columns: Sequence[str]) -> pa.Table:
    if not _is_table(data):
        raise EvaluationError(
            f"{name} must be a pandas or polars DataFrame, an Arrow table or a DuckDB relation, "
            f"got {type(data).__name__}. Fix: pass a table (see docs/evaluation.md)"
        )
    if type(data).__module__.startswith("polars") and hasattr(data, "collect"):  # a LazyFrame
        data = data.collect()
    if isinstance(data, pd.DataFrame):
        present = [str(c) for c in data.columns]
    elif isinstance(data, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)):
        present = list(data.schema.names)
    else:  # DuckDB relation, polars DataFrame
        present = list(data.columns)
    missing = [c for c in columns if c not in present]
    if missing:
        raise EvaluationError(
            f"{name} lacks column(s) {', '.join(map(repr, missing))}: expected "
            f"{', '.join(columns)}, found {', '.join(map(str, present)) or 'no columns'}. "
            "Fix: rename the columns (see docs/evaluation.md)"
        )
    if isinstance(data, duckdb.DuckDBPyRelation):
        return data.select(*columns).to_arrow_table()
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all().select(list(columns))
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]).select(list(columns))
    if isinstance(data, pa.Table):
        return data.select(list(columns))
    if isinstance(data, pd.DataFrame):
        return _pandas_to_arrow(data, columns)
    return data.select(list(columns)).to_arrow()  # polars


def _pandas_to_arrow(frame: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    arrays = []
    for column in columns:
        series = frame[column]
        try:
            arrays.append(pa.array(series, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # mixed Python objects
            text = series.map(str, na_action="ignore")
            arrays.append(pa.array(text.where(series.notna(), None), type=pa.string()))
    return pa.Table.from_arrays(arrays, names=list(columns))


def _as_text(column: str, arrow_type: pa.DataType) -> str:
    quoted = f'"{column}"'
    if pa.types.is_floating(arrow_type):  # 12.0 -> '12', as pandas stores gappy int columns
        return (
            f"CASE WHEN {quoted} = trunc({quoted}) AND abs({quoted}) < 1e18 "
            f"THEN CAST(CAST({quoted} AS BIGINT) AS VARCHAR) ELSE CAST({quoted} AS VARCHAR) END"
        )
    return f"CAST({quoted} AS VARCHAR)"


# -- validation --------------------------------------------------------------------------------


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise EvaluationError(problems[0])
    lines = [f"{len(problems)} problems with the inputs:"]
    lines += [f"  {i}. {p}" for i, p in enumerate(problems, 1)]
    raise EvaluationError("\n".join(lines))


def _examples(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, list[str]]:
    """Run ``sql`` (one text column ``x``) and return its row count and up to five values."""
    rows = con.execute(
        f"SELECT count(*) OVER () AS total, x FROM ({sql}) ORDER BY x LIMIT {MAX_EXAMPLES}"
    ).fetchall()
    return (int(rows[0][0]) if rows else 0), [str(r[1]) for r in rows]


def _problem(count: int, what: str, examples: list[str], fix: str) -> str:
    return f"{count:,} {what} (e.g. {', '.join(examples)}). Fix: {fix}"


def _null_problems(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], row_label: str
) -> list[str]:
    problems = []
    for column in columns:
        (n,) = _one(con, f"SELECT count(*) FROM {table} WHERE {column} IS NULL")
        if n:
            problems.append(
                f"{n:,} {row_label} in {table} have an empty {column!r}. "
                f"Fix: give every row a {column}"
            )
    return problems


def _record_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    problems += _null_problems(con, "clusters", CLUSTER_COLUMNS, "records")
    problems += _null_problems(con, "truth", TRUTH_COLUMNS, "records")
    record = "source || ':' || record_id"
    for table in ("clusters", "truth"):
        count, examples = _examples(
            con,
            f"SELECT {record} AS x FROM {table} WHERE source IS NOT NULL AND record_id IS NOT NULL "
            "GROUP BY source, record_id HAVING count(*) > 1",
        )
        if count:
            problems.append(
                _problem(
                    count,
                    f"records are listed more than once in {table} (source:record_id)",
                    examples,
                    "give each (source, record_id) exactly one row",
                )
            )
    for table, other in (("clusters", "truth"), ("truth", "clusters")):
        count, examples = _examples(
            con,
            f"SELECT DISTINCT {record} AS x FROM {table} a ANTI JOIN {other} b "
            "USING (source, record_id) WHERE a.source IS NOT NULL AND a.record_id IS NOT NULL",
        )
        if count:
            problems.append(
                _problem(
                    count,
                    f"records in {table} are missing from {other} (source:record_id)",
                    examples,
                    "score clusters and truth over the same records; filter the larger one "
                    "(for example to the sources that were linked)",
                )
            )
    if not problems and not _one(con, "SELECT count(*) FROM clusters")[0]:
        problems.append("clusters and truth hold no records. Fix: pass the records to score")
    return problems


def _status_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    problems = []
    problems += _null_problems(con, "identities", IDENTITY_STATUS_COLUMNS, "rows")
    problems += _null_problems(con, "children", CHILD_STATUS_COLUMNS, "rows")
    known = ", ".join(f"'{s}'" for s in STATUSES)
    for table, key in (("identities", "identity_id"), ("children", "child_id")):
        count, examples = _examples(
            con,
            f"SELECT {key} AS x FROM {table} WHERE {key} IS NOT NULL "
            f"GROUP BY {key} HAVING count(*) > 1",
        )
        if count:
            problems.append(
                _problem(
                    count,
                    f"{key} values are listed more than once in {table}",
                    examples,
                    f"give each {key} one row with one status",
                )
            )
        count, examples = _examples(
            con,
            f"SELECT DISTINCT status AS x FROM {table} WHERE status NOT IN ({known})",
        )
        if count:
            problems.append(
                _problem(
                    count,
                    f"unknown status value(s) in {table}",
                    examples,
                    f"use one of {', '.join(STATUSES)}",
                )
            )
    checks = (
        ("clusters", "identity_id", "identities", "identity ids of clusters have no row in identities",
         "give identities one row per identity_id of clusters"),
        ("identities", "identity_id", "clusters", "identity ids of identities hold no record in clusters",
         "give identities only the identity_ids of clusters"),
        ("truth", "child_id", "children", "child ids of truth have no row in children",
         "give children one row per child_id of truth"),
    )  # fmt: skip
    for table, key, other, what, fix in checks:
        count, examples = _examples(
            con,
            f"SELECT DISTINCT a.{key} AS x FROM {table} a ANTI JOIN {other} b USING ({key}) "
            f"WHERE a.{key} IS NOT NULL",
        )
        if count:
            problems.append(_problem(count, what, examples, fix))
    return problems
