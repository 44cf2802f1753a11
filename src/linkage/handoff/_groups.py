"""Statuses by group, with their uncertainty: per country, age band, sex, fiscal year and sponsor
state, the identities, the lost ones, how many rest on uncertain links, and what the exact
A-number join would count for the same group (``HandoffReport.groups``, ``docs/statuses.md``)."""

from __future__ import annotations

from typing import Literal

import duckdb
import pandas as pd

from linkage import tables
from linkage.handoff._sql import (
    AGE_BANDS,
    AGE_UNKNOWN,
    sql_list,
    sql_str,
    status_order_sql,
    statuses_sql,
)
from linkage.handoff._states import NO_SPONSOR, address_state_sql, zip3_values_sql
from linkage.schema import LOST_STATUSES, STATUSES

#: The dimensions the statuses are broken down by.
GroupDimension = Literal["country", "age_band", "sex", "fiscal_year", "sponsor_state"]
GROUP_DIMENSIONS: tuple[GroupDimension, ...] = (
    "country",
    "age_band",
    "sex",
    "fiscal_year",
    "sponsor_state",
)
#: The value of a group whose identities have no value for the dimension.
UNKNOWN = "unknown"

#: The columns of the groups table, in order (documented in ``docs/statuses.md``).
GROUP_COLUMNS: tuple[str, ...] = (
    "dimension", "group", "identities", *STATUSES, "lost", "lost_rate", "needs_review",
    "needs_review_rate", "lost_needs_review", "exact_join_identities", "exact_join_lost",
    "exact_join_lost_rate", "lost_difference",
)  # fmt: skip


def sponsor_state_sql(alias: str = "i") -> str:
    """The sponsor's state of an identity row ``alias`` of the identities table, joined to
    ``z`` (:func:`~linkage.handoff._states.zip3_values_sql`) on its ZIP3: the ZIP's state, else
    the state ending the sponsor's address, else ``unknown``; ``none`` without an HHS record."""
    return (
        f"CASE WHEN {alias}.n_hhs = 0 THEN {sql_str(NO_SPONSOR)} "
        f"ELSE coalesce(z.state, {address_state_sql(f'{alias}.sponsor_address')}, "
        f"{sql_str(UNKNOWN)}) END"
    )


def _grouped_identities_sql(identities: str) -> str:
    """One row per identity and dimension: ``identity_id, dimension, grp, status, lost,
    needs_review``."""
    values = {
        "country": f"coalesce(i.country, {sql_str(UNKNOWN)})",
        "age_band": f"coalesce(i.age_band, {sql_str(AGE_UNKNOWN)})",
        "sex": f"coalesce(i.sex, {sql_str(UNKNOWN)})",
        "fiscal_year": f"coalesce(CAST(i.fiscal_year AS VARCHAR), {sql_str(UNKNOWN)})",
        "sponsor_state": sponsor_state_sql("i"),
    }
    columns = ", ".join(f"{expr} AS {name}" for name, expr in values.items())
    return f"""
        UNPIVOT (
            SELECT i.identity_id, i.status, i.status IN {sql_list(LOST_STATUSES)} AS lost,
                   i.needs_review, {columns}
            FROM {identities} AS i
            LEFT JOIN {zip3_values_sql()} ON z.zip3 = left(i.sponsor_zip5, 3)
        ) ON {", ".join(GROUP_DIMENSIONS)} INTO NAME dimension VALUE grp"""


#: The dimensions of the long summary (summary.csv), in its order: the first three as before
#: sex and the sponsor's state were added, so a reader of the first rows finds them unchanged.
SUMMARY_DIMENSIONS: tuple[GroupDimension, ...] = (
    "fiscal_year",
    "country",
    "age_band",
    "sex",
    "sponsor_state",
)


def summary_sql(identities: str) -> str:
    """The long summary ``dimension, value, status, identities`` of the table ``identities``:
    every status in ``total`` (zeros included), then per :data:`SUMMARY_DIMENSIONS`, each
    group's value read as the groups table reads it (``unknown`` when missing; the sponsor's
    state ``none`` without an HHS record). Countries and states come largest first, age bands
    in their order, the rest by value."""
    age_order = [label for label, _, _ in AGE_BANDS] + [AGE_UNKNOWN]
    return f"""
        WITH total AS (
            SELECT 'total' AS dimension, 'all' AS value, s.status,
                   count(i.status) AS identities
            FROM {statuses_sql()}
            LEFT JOIN {identities} AS i ON i.status = s.status
            GROUP BY ALL
        ),
        grouped AS ({_grouped_identities_sql(identities)}),
        dims AS (
            SELECT dimension, grp AS value, status, count(*) AS identities
            FROM grouped WHERE dimension IN {sql_list(SUMMARY_DIMENSIONS)} GROUP BY ALL
        )
        SELECT dimension, value, status, identities FROM (
            SELECT *, sum(identities) OVER (PARTITION BY dimension, value) AS value_total
            FROM (SELECT * FROM total UNION ALL SELECT * FROM dims)
        )
        ORDER BY list_position({["total", *SUMMARY_DIMENSIONS]!r}, dimension),
                 CASE WHEN dimension IN ('country', 'sponsor_state') THEN -value_total
                      ELSE 0 END,
                 CASE WHEN dimension = 'age_band' THEN list_position({age_order!r}, value)
                      ELSE 0 END,
                 value, {status_order_sql("status")}
        """


def groups_sql() -> str:
    """The groups table over the stage tables of :mod:`linkage.tables` (one SQL statement).

    Each exact-join identity takes the group of the linked identity holding most of its records
    (ties: the smallest identity id), so that both columns count the same children under the
    same group and a difference between them is the join's alone.
    """
    lost = sql_list(LOST_STATUSES)
    status_counts = ", ".join(
        f"count(*) FILTER (WHERE status = {sql_str(s)}) AS {s}" for s in STATUSES
    )
    age_order = [label for label, _, _ in AGE_BANDS] + [AGE_UNKNOWN]
    return f"""
    WITH grouped AS ({_grouped_identities_sql(tables.IDENTITIES)}),
    linked AS (
        SELECT dimension, grp, count(*) AS identities, {status_counts},
               count(*) FILTER (WHERE lost) AS lost,
               count(*) FILTER (WHERE needs_review) AS needs_review,
               count(*) FILTER (WHERE lost AND needs_review) AS lost_needs_review
        FROM grouped GROUP BY ALL
    ),
    overlap AS (
        SELECT x.identity_id AS exact_id, c.identity_id AS linked_id, count(*) AS n
        FROM {tables.CLUSTERS_EXACT_JOIN} AS x
        JOIN {tables.CLUSTERS} AS c ON c.unique_id = x.unique_id
        GROUP BY ALL
    ),
    owner AS (
        SELECT exact_id, arg_min(linked_id, (-n, linked_id)) AS linked_id
        FROM overlap GROUP BY exact_id
    ),
    exact AS (
        SELECT g.dimension, g.grp, count(*) AS exact_join_identities,
               count(*) FILTER (WHERE e.status IN {lost}) AS exact_join_lost
        FROM owner AS o
        JOIN {tables.IDENTITIES_EXACT_JOIN} AS e ON e.identity_id = o.exact_id
        JOIN grouped AS g ON g.identity_id = o.linked_id
        GROUP BY ALL
    )
    SELECT l.dimension, l.grp AS "group", l.identities, {", ".join(f"l.{s}" for s in STATUSES)},
           l.lost, l.lost / l.identities AS lost_rate,
           l.needs_review, l.needs_review / l.identities AS needs_review_rate,
           l.lost_needs_review,
           coalesce(x.exact_join_identities, 0) AS exact_join_identities,
           coalesce(x.exact_join_lost, 0) AS exact_join_lost,
           coalesce(x.exact_join_lost, 0) / nullif(x.exact_join_identities, 0)
               AS exact_join_lost_rate,
           coalesce(x.exact_join_lost, 0) - l.lost AS lost_difference
    FROM linked AS l LEFT JOIN exact AS x USING (dimension, grp)
    ORDER BY list_position({list(GROUP_DIMENSIONS)!r}, l.dimension),
             l.grp IN ({sql_str(UNKNOWN)}, {sql_str(NO_SPONSOR)}),
             CASE WHEN l.dimension = 'age_band' THEN list_position({age_order!r}, l.grp) END,
             CASE WHEN l.dimension = 'fiscal_year' THEN l.grp END,
             l.identities DESC, l.grp
    """


def group_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The groups table (:data:`GROUP_COLUMNS`) of the stage tables on ``con``."""
    frame = con.sql(groups_sql()).df()
    for column in GROUP_COLUMNS:
        if column not in ("dimension", "group") and not column.endswith("_rate"):
            frame[column] = frame[column].astype("int64")
    return frame[list(GROUP_COLUMNS)]
