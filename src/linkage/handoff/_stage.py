"""The handoff stage on a connection: :func:`identity_statuses` and :func:`handoff_report`, in
named steps, each one SQL statement run in DuckDB."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pandas as pd

from linkage import tables
from linkage.errors import Problem, SchemaError
from linkage.handoff._groups import group_table, summary_sql
from linkage.handoff._report import HandoffReport, LinkedData
from linkage.handoff._sql import (
    exact_join_clusters_sql,
    identities_sql,
    sql_list,
    status_order_sql,
    statuses_sql,
    table_columns,
)
from linkage.schema import LOST_MEANING, LOST_STATUSES, SOURCES
from linkage.thresholds import Thresholds

logger = logging.getLogger("linkage")

#: Identities whose weakest link is below this match probability are flagged ``needs_review``
#: (:attr:`linkage.thresholds.Thresholds.review_probability`, declared there).
DEFAULT_REVIEW_THRESHOLD = Thresholds().review_probability

#: Columns of :data:`linkage.tables.RECORDS` this stage reads.
RECORD_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "source",
    "record_id",
    "a_number",
    "dob",
    "dob_is_placeholder",
    "sex",
    "country",
    "event_date",
    "nta_issued_date",
    "release_date",
    "hearing_date",
    "absentia",
    "address",
    "zip5",
)
CLUSTER_COLUMNS: tuple[str, ...] = ("unique_id", "identity_id", "link_probability")


@dataclass(frozen=True)
class _Connection:
    """Wraps a bare connection so it fits :class:`LinkedData`."""

    con: duckdb.DuckDBPyConnection


def _has_contested_links(con: duckdb.DuckDBPyConnection, clusters: str) -> bool:
    """Whether ``clusters`` carries ``contested_link`` (clusters made by ``link`` do)."""
    return "contested_link" in (table_columns(con, clusters) or [])


def _check_tables(con: duckdb.DuckDBPyConnection, records: str, clusters: str) -> None:
    problems = []
    for table, needed in ((records, RECORD_COLUMNS), (clusters, CLUSTER_COLUMNS)):
        found = table_columns(con, table)
        if found is None:
            problems.append(
                Problem(
                    source=None,
                    column=None,
                    message=f"the connection has no table {table!r}",
                    fix="pass the result of linkage.link(), or create the table first",
                    kind="schema",
                )
            )
            continue
        missing = [c for c in needed if c not in found]
        if missing:
            problems.append(
                Problem(
                    source=None,
                    column=", ".join(missing),
                    message=f"table {table!r} lacks columns {missing}; it has {found}",
                    fix=f"build {table!r} with the columns of linkage.schema.CANONICAL_COLUMNS "
                    "(records) or unique_id, identity_id, link_probability (clusters)",
                    kind="schema",
                )
            )
    if problems:
        raise SchemaError(problems)


def identity_statuses(
    con: duckdb.DuckDBPyConnection,
    *,
    records: str = tables.RECORDS,
    clusters: str = tables.CLUSTERS,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> duckdb.DuckDBPyRelation:
    """One row per identity: its custody chain and handoff status, as a lazy DuckDB relation.

    Args:
        con: The connection holding both tables.
        records: Table of canonical records (see :data:`linkage.schema.CANONICAL_COLUMNS`).
        clusters: Table with ``unique_id, identity_id, link_probability``, one row per record.
        review_threshold: ``needs_review`` is true when the identity's weakest link (its lowest
            ``link_probability``) is below this match probability, or when one of its records
            has a link above the clustering threshold to a record of another identity (a link
            refused as conflicting: ``contested_link``, when ``clusters`` has that column).

    Returns:
        A relation with the columns ``identity_id, status, n_records, n_cbp, n_ice, n_hhs,
        n_eoir, a_numbers, multiple_a_numbers, apprehension_date, ice_book_in_date,
        nta_issued_date, orr_referral_date, orr_release_date, first_hearing_date,
        absentia_order_date, sponsor_address, sponsor_zip5, court_address, court_zip5,
        address_disagrees, country, sex, dob, age_at_apprehension, age_band, fiscal_year,
        weakest_link, contested_link, needs_review`` (documented in ``docs/statuses.md``).
        Records absent from ``clusters`` are ignored.

    Raises:
        SchemaError: a table is missing or lacks a column this stage reads.

    Example:
        >>> import duckdb
        >>> from linkage import tables
        >>> con = duckdb.connect()
        >>> _ = con.execute(f'''CREATE TABLE {tables.RECORDS} AS SELECT 'hhs:1' AS unique_id,
        ...   'hhs' AS source, '1' AS record_id, NULL::VARCHAR AS a_number, NULL::DATE AS dob,
        ...   false AS dob_is_placeholder, 'F' AS sex, 'GT' AS country,
        ...   DATE '2021-03-02' AS event_date, NULL::DATE AS nta_issued_date,
        ...   NULL::DATE AS release_date, NULL::DATE AS hearing_date, NULL::BOOLEAN AS absentia,
        ...   NULL::VARCHAR AS address, NULL::VARCHAR AS zip5''')
        >>> _ = con.execute(f'''CREATE TABLE {tables.CLUSTERS} AS SELECT 'hhs:1' AS unique_id,
        ...   'id-1' AS identity_id, NULL::DOUBLE AS link_probability''')
        >>> identity_statuses(con).fetchall()[0][:2]
        ('id-1', 'no_nta')
    """
    _check_tables(con, records, clusters)
    return con.sql(
        identities_sql(
            records,
            clusters,
            review_threshold=review_threshold,
            contested=_has_contested_links(con, clusters),
            nta_issued=_nta_issued_sql(con, records),
        )
    )


def _nta_issued_sql(con: duckdb.DuckDBPyConnection, records: str) -> str:
    """Whether a record gives an NTA: ``nta_issued`` (a date readable or not), or, for records
    made without that column, a readable ``nta_issued_date``."""
    have = set(table_columns(con, records) or ())
    readable = "r.nta_issued_date IS NOT NULL"
    return f"coalesce(r.nta_issued, false) OR {readable}" if "nta_issued" in have else readable


def handoff_report(
    result: LinkedData | duckdb.DuckDBPyConnection,
    *,
    review_threshold: float | None = None,
    identities_ready: bool = False,
) -> HandoffReport:
    """Compute the handoff report of a linkage result.

    Leaves three tables on the result's connection: :data:`linkage.tables.IDENTITIES` (linked),
    and :data:`linkage.tables.CLUSTERS_EXACT_JOIN` and :data:`linkage.tables.IDENTITIES_EXACT_JOIN`
    (the same records joined on A-number alone).

    Args:
        result: A :class:`linkage.linking.LinkageResult`, or anything with a ``con`` holding the
            :data:`linkage.tables.RECORDS` and :data:`linkage.tables.CLUSTERS` tables (or such a
            connection itself).
        review_threshold: Identities whose weakest link is below this match probability are
            flagged ``needs_review``. Default: the ``review_probability`` of the result's model
            thresholds (:class:`~linkage.thresholds.Thresholds`), 0.95 unless changed.
        identities_ready: The three tables above are on the connection already and are read as
            they are (a linkage store keeps them up to date, recomputing only what an update
            changed); by default they are computed here.

    Returns:
        The :class:`HandoffReport`.

    Raises:
        SchemaError: the records or clusters table is missing or lacks a column.
        ValueError: ``review_threshold`` is not within [0, 1].
    """
    linked: LinkedData = (
        _Connection(result) if isinstance(result, duckdb.DuckDBPyConnection) else result
    )
    if review_threshold is None:
        model = getattr(linked, "model", None)
        thresholds = getattr(model, "thresholds", None)
        review_threshold = (
            thresholds.review_probability if thresholds is not None else DEFAULT_REVIEW_THRESHOLD
        )
    if not 0.0 <= review_threshold <= 1.0:
        raise ValueError(f"review_threshold must be within [0, 1], got {review_threshold!r}")
    con = linked.con
    _check_tables(con, tables.RECORDS, tables.CLUSTERS)
    if not identities_ready:
        logger.info("handoff: computing statuses per identity")
        _write_identities(con, review_threshold=review_threshold)
    only_exact, only_linked = _lost_by_one_side_only(con)
    report = HandoffReport(
        identities=con.table(tables.IDENTITIES).df(),
        summary=con.sql(summary_sql(tables.IDENTITIES)).df(),
        versus_exact_join=_versus_exact_join(con),
        lost_only_by_exact_join=only_exact,
        lost_only_by_linkage=only_linked,
        exact_join_lost_pieces=_exact_lost_pieces(con),
        groups=group_table(con),
        records_per_source=_records_per_source(con),
        rejects=_rejects(con),
        review_threshold=float(review_threshold),
        result=linked,
        warnings=tuple(getattr(linked, "input_warnings", ())),
    )
    logger.info(
        "handoff: %d identities, %d %s (exact A-number join: %d)",
        len(report.identities),
        report.n_lost,
        LOST_MEANING,
        report.n_lost_exact_join,
    )
    return report


def _write_identities(con: duckdb.DuckDBPyConnection, *, review_threshold: float) -> None:
    """The identities of the linkage, and the clusters and identities of the exact join."""
    nta = _nta_issued_sql(con, tables.RECORDS)
    con.execute(
        f"CREATE OR REPLACE TABLE {tables.IDENTITIES} AS "
        + identities_sql(
            tables.RECORDS,
            tables.CLUSTERS,
            review_threshold=review_threshold,
            contested=_has_contested_links(con, tables.CLUSTERS),
            nta_issued=nta,
        )
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {tables.CLUSTERS_EXACT_JOIN} AS "
        + exact_join_clusters_sql(tables.RECORDS)
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {tables.IDENTITIES_EXACT_JOIN} AS "
        + identities_sql(
            tables.RECORDS,
            tables.CLUSTERS_EXACT_JOIN,
            review_threshold=review_threshold,
            nta_issued=nta,
        )
    )


def _versus_exact_join(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per status: ``status, linked, exact_join, difference`` (every status, zeros included)."""
    versus = con.sql(
        f"""
        SELECT s.status,
               (SELECT count(*) FROM {tables.IDENTITIES} AS i WHERE i.status = s.status) AS linked,
               (SELECT count(*) FROM {tables.IDENTITIES_EXACT_JOIN} AS e
                WHERE e.status = s.status) AS exact_join
        FROM {statuses_sql()}
        ORDER BY {status_order_sql("s.status")}
        """
    ).df()
    versus["difference"] = versus["exact_join"] - versus["linked"]
    return versus


def _lost_by_one_side_only(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Linked identities lost only under the exact join (through their HHS records), and lost
    only under linkage."""
    lost = sql_list(LOST_STATUSES)
    only_exact, only_linked = con.execute(
        f"""
        WITH paired AS (
            SELECT c.identity_id AS linked_id, i.status IN {lost} AS linked_lost,
                   e.status IN {lost} AS exact_lost
            FROM {tables.CLUSTERS} AS c
            JOIN {tables.CLUSTERS_EXACT_JOIN} AS x
              ON x.unique_id = c.unique_id AND x.source = 'hhs'
            JOIN {tables.IDENTITIES} AS i ON i.identity_id = c.identity_id
            JOIN {tables.IDENTITIES_EXACT_JOIN} AS e ON e.identity_id = x.identity_id
        )
        SELECT count(DISTINCT linked_id) FILTER (WHERE exact_lost AND NOT linked_lost),
               count(DISTINCT linked_id) FILTER (WHERE linked_lost AND NOT exact_lost)
        FROM paired
        """
    ).fetchall()[0]
    return int(only_exact), int(only_linked)


def _exact_lost_pieces(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """The exact join's lost identities as children and fragments: each exact-join identity
    belongs to the linked identity (the child) holding most of its records (ties: the smallest
    id); ``children`` = linked identities with at least one lost exact identity, ``fragments``
    = the lost exact identities beyond the first of each. Their sum is the exact join's lost
    count."""
    lost = sql_list(LOST_STATUSES)
    children, fragments = con.execute(
        f"""
        WITH overlap AS (
            SELECT x.identity_id AS exact_id, c.identity_id AS linked_id, count(*) AS n
            FROM {tables.CLUSTERS_EXACT_JOIN} AS x
            JOIN {tables.CLUSTERS} AS c ON c.unique_id = x.unique_id
            GROUP BY ALL),
        owner AS (SELECT exact_id, arg_min(linked_id, (-n, linked_id)) AS linked_id
                  FROM overlap GROUP BY exact_id),
        per_child AS (
            SELECT o.linked_id, count(*) AS k
            FROM owner AS o JOIN {tables.IDENTITIES_EXACT_JOIN} AS e ON e.identity_id = o.exact_id
            WHERE e.status IN {lost} GROUP BY o.linked_id)
        SELECT count(*), coalesce(sum(k - 1), 0) FROM per_child
        """
    ).fetchall()[0]
    return int(children), int(fragments)


def _records_per_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Records read per source, in the order of the journey."""
    rows = con.sql(
        f"SELECT source, count(*) FROM {tables.RECORDS} GROUP BY source "
        f"ORDER BY list_position({list(SOURCES)!r}, source), source"
    ).fetchall()
    return {str(source): int(n) for source, n in rows}


def _rejects(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The rejected input rows, or an empty frame of the same columns when there is no table."""
    if table_columns(con, tables.REJECTS) is not None:
        return con.sql(
            f"SELECT * FROM {tables.REJECTS} ORDER BY source, row_number NULLS LAST, record_id"
        ).df()
    return pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ("source", "record_id", "reason", "detail")}
        | {"row_number": pd.Series(dtype="Int64")}
    )[["source", "record_id", "row_number", "reason", "detail"]]
