"""The statuses after an update, computed for what changed only.

An identity's status depends on its records alone, so only the re-clustered identities get new
rows; every other row of the stored identities table is kept. The same holds for the exact
A-number join the report compares with: only the A-numbers of added or revised records (and the
records' own groups when they have none) are grouped again. The handoff stage then reads these
tables as they are (``handoff_report(..., identities_ready=True)``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from linkage import tables
from linkage.handoff._sql import exact_join_clusters_sql, identities_sql
from linkage.store._delta import S
from linkage.store._ids import text_typed
from linkage.store._schema import T
from linkage.tables import scratch

__all__ = [
    "EXACT_FRESH",
    "EXACT_KEYS",
    "FINAL_CLUSTERS",
    "final_clusters",
    "incremental_identities",
]

#: The re-clustered records with their lasting ids (and, in an update, their contested links
#: computed over all their links).
FINAL_CLUSTERS = scratch("final_clusters")
_FINAL_IDS = scratch("final_ids")
#: The exact-join groups an update touched, and their identities recomputed.
EXACT_KEYS = scratch("exact_keys")
EXACT_FRESH = scratch("exact_fresh")


def final_clusters(
    con: duckdb.DuckDBPyConnection, ids: pd.DataFrame, *, threshold: float, full: bool
) -> None:
    """:data:`FINAL_CLUSTERS` from ``linkage_clusters`` and the lasting ``ids``.

    In an update, a re-clustered record's contested link (its strongest link at or above
    ``threshold`` to a record of another identity) is taken over all its links, also to
    records outside the re-clustered set, as a full run would.
    """
    con.register(_FINAL_IDS, text_typed(ids))
    try:
        con.execute(
            f"""CREATE OR REPLACE TABLE {FINAL_CLUSTERS} AS
            SELECT c.unique_id, c.source, c.record_id, f.identity_id, c.link_probability,
                   c.contested_link
            FROM {tables.CLUSTERS} c JOIN {_FINAL_IDS} f USING (unique_id)"""
        )
    finally:
        con.unregister(_FINAL_IDS)
    if full:
        return
    con.execute(
        f"""CREATE OR REPLACE TABLE {scratch("contested")} AS
        WITH links AS (
            SELECT unique_id_l AS a, unique_id_r AS b, match_probability AS p FROM {S.old_links}
            WHERE unique_id_l IN (SELECT unique_id FROM {S.sub_ids})
               OR unique_id_r IN (SELECT unique_id FROM {S.sub_ids})
            UNION ALL SELECT unique_id_l, unique_id_r, match_probability FROM {S.new_pairs}
            WHERE match_probability >= {threshold}),
        ends AS (SELECT a AS u, b AS o, p FROM links UNION ALL SELECT b, a, p FROM links),
        ids AS (
            SELECT unique_id, identity_id FROM {T.clusters}
            WHERE unique_id NOT IN (SELECT unique_id FROM {S.sub_ids})
            UNION ALL SELECT unique_id, identity_id FROM {FINAL_CLUSTERS})
        SELECT e.u AS unique_id, max(e.p) AS contested_link
        FROM ends e JOIN ids x ON x.unique_id = e.u JOIN ids y ON y.unique_id = e.o
        WHERE x.identity_id <> y.identity_id
          AND e.u IN (SELECT unique_id FROM {S.sub_ids})
        GROUP BY e.u"""
    )
    con.execute(
        f"""UPDATE {FINAL_CLUSTERS} AS f SET contested_link = (
            SELECT k.contested_link FROM {scratch("contested")} k
            WHERE k.unique_id = f.unique_id)"""
    )
    con.execute(f"DROP TABLE {scratch('contested')}")


def incremental_identities(con: duckdb.DuckDBPyConnection, *, review_threshold: float) -> None:
    """``linkage_identities``, ``linkage_clusters_exact_join`` and
    ``linkage_identities_exact_join`` of the whole store after the update, recomputing only the
    re-clustered identities and the touched A-number groups. Reads the views the report reads
    (``linkage_records``, ``linkage_clusters``) and :data:`FINAL_CLUSTERS`."""
    fresh = scratch("fresh_identities")
    con.execute(
        f"CREATE OR REPLACE TABLE {fresh} AS "
        + identities_sql(
            S.sub_records, FINAL_CLUSTERS, review_threshold=review_threshold, contested=True
        )
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {tables.IDENTITIES} AS
        SELECT * FROM {T.identities} WHERE identity_id NOT IN (
            SELECT identity_id FROM {T.clusters}
            WHERE unique_id IN (SELECT unique_id FROM {S.sub_ids}))
          AND identity_id NOT IN (SELECT identity_id FROM {fresh})
        UNION ALL BY NAME SELECT * FROM {fresh}"""
    )
    con.execute(
        f"CREATE OR REPLACE VIEW {tables.CLUSTERS_EXACT_JOIN} AS "
        + exact_join_clusters_sql(tables.RECORDS)
    )
    # The exact-join groups an added or revised record joins or leaves.
    keys = EXACT_KEYS
    con.execute(
        f"""CREATE OR REPLACE TABLE {keys} AS
        SELECT DISTINCT identity_id FROM ({exact_join_clusters_sql(S.delta)})
        UNION SELECT DISTINCT identity_id FROM ({exact_join_clusters_sql(T.records)})
        WHERE unique_id IN (SELECT unique_id FROM {S.delta} WHERE revised)"""
    )
    members = scratch("exact_members")
    con.execute(
        f"""CREATE OR REPLACE TABLE {members} AS
        SELECT * FROM {tables.CLUSTERS_EXACT_JOIN}
        WHERE identity_id IN (SELECT identity_id FROM {keys})"""
    )
    regrouped = scratch("exact_regrouped")
    con.execute(
        f"""CREATE OR REPLACE TABLE {regrouped} AS
        SELECT * FROM {tables.RECORDS} WHERE unique_id IN (SELECT unique_id FROM {members})"""
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {EXACT_FRESH} AS "
        + identities_sql(regrouped, members, review_threshold=review_threshold)
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {tables.IDENTITIES_EXACT_JOIN} AS
        SELECT * FROM {T.identities_exact}
        WHERE identity_id NOT IN (SELECT identity_id FROM {keys})
        UNION ALL BY NAME SELECT * FROM {EXACT_FRESH}"""
    )
