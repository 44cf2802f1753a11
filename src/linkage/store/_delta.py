"""One update's work before anything is written: what is new, what it scores, what it re-clusters.

Everything here writes only scratch tables of the working (in-memory) catalog and reads the
store; :mod:`linkage.store._commit` then writes the store in one transaction. The steps:

1. :func:`classify` the extract's records against the store: added, revised (same ``source`` and
   ``record_id``, other fields), unchanged (dropped: a repeat changes nothing);
2. :func:`score_incremental`: the candidate pairs that touch an added or revised record, blocked
   from the new records' side and scored with the stored model over all the records (the prior
   and term frequencies of the whole store, as a full run would have them);
3. :func:`recluster_touched`: the components (records joined by links at or above the threshold)
   that a new link or a revised record touches are clustered again, whole, with the same
   :func:`linkage.clustering.cluster` a full run uses; every other identity stays as it was.
   Clustering works one component at a time, so this gives what a full run would.

A first run, or ``retrain``, takes :func:`score_full` instead: every record is scored and
clustered, and the old ids are carried over by the same id rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from linkage import tables
from linkage.blocking import pairs_touching_sql
from linkage.clustering import cluster, components
from linkage.comparisons import MODEL_INPUT_SQL
from linkage.model import Model, predict, predict_blocked
from linkage.schema import CANONICAL_COLUMNS
from linkage.store._schema import T
from linkage.tables import scratch

__all__ = ["Delta", "classify", "recluster_touched", "score_full", "score_incremental"]

logger = logging.getLogger("linkage")


class S:
    """The scratch tables of one update (in the working catalog)."""

    incoming = scratch("incoming")  # the extract's records + fingerprint
    delta = scratch("delta")  # added and revised records, with first_seen
    delta_input = scratch("delta_input")  # their model input
    all_input = scratch("all_input")  # the model input of every record after the update
    all_records = scratch("all_records")  # every canonical record after the update
    blocked = scratch("blocked")
    new_pairs = scratch("new_pairs")  # pairs scored in this update
    sub_nodes = scratch("sub_nodes")
    sub_records = scratch("sub_records")
    sub_pairs = scratch("sub_pairs")
    sub_components = scratch("sub_components")
    extract_rejects = scratch("extract_rejects")


#: The canonical columns a revision is told by (not where the row sat in its file).
_FINGERPRINT_COLUMNS = [c for c in CANONICAL_COLUMNS if c not in ("unique_id", "row_number")]
_RECORD_COLUMNS = ", ".join(CANONICAL_COLUMNS)


@dataclass
class Delta:
    """What one update brings: counts, and whether every record is scored again."""

    added: int
    revised: int
    unchanged: int
    full: bool
    pairs_scored: int = 0
    reclustered: int = 0


def classify(con: duckdb.DuckDBPyConnection, *, update_id: int, full: bool) -> Delta:
    """Split the extract (``linkage_records``) into added, revised and unchanged records; leave
    the added and revised ones in :attr:`S.delta` with ``first_seen`` (the update that first
    brought the record) and ``fingerprint``."""
    fingerprint = (
        "md5(CAST(struct_pack("
        + ", ".join(f"{c} := {c}" for c in _FINGERPRINT_COLUMNS)
        + ") AS VARCHAR))"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {S.incoming} AS "
        f"SELECT {_RECORD_COLUMNS}, {fingerprint} AS fingerprint FROM {tables.RECORDS}"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.delta} AS
        SELECT i.*, coalesce(s.first_seen, {update_id}) AS first_seen,
               s.unique_id IS NOT NULL AS revised
        FROM {S.incoming} i LEFT JOIN {T.records} s USING (unique_id)
        WHERE s.unique_id IS NULL OR s.fingerprint <> i.fingerprint"""
    )
    added, revised = con.execute(
        f"SELECT count(*) FILTER (NOT revised), count(*) FILTER (revised) FROM {S.delta}"
    ).fetchall()[0]
    total = int(con.execute(f"SELECT count(*) FROM {S.incoming}").fetchall()[0][0])
    unchanged = total - int(added) - int(revised)
    con.execute(
        f"CREATE OR REPLACE TABLE {S.delta_input} AS " + MODEL_INPUT_SQL.format(records=S.delta)
    )
    # Every record after the update: the store's (but the revised ones) and the delta's.
    keep = f"unique_id NOT IN (SELECT unique_id FROM {S.delta} WHERE revised)"
    con.execute(
        f"""CREATE OR REPLACE VIEW {S.all_input} AS
        SELECT * FROM {T.model_input} WHERE {keep}
        UNION ALL SELECT * FROM {S.delta_input}"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW {S.all_records} AS
        SELECT {_RECORD_COLUMNS} FROM {T.records} WHERE {keep}
        UNION ALL SELECT {_RECORD_COLUMNS} FROM {S.delta}"""
    )
    return Delta(added=int(added), revised=int(revised), unchanged=unchanged, full=full)


def score_incremental(con: duckdb.DuckDBPyConnection, model: Model, delta: Delta) -> None:
    """Score the candidate pairs that hold an added or revised record into :attr:`S.new_pairs`."""
    con.execute(
        f"CREATE OR REPLACE TABLE {S.blocked} AS "
        + pairs_touching_sql(model.blocking_rules, records=S.all_input, new=S.delta_input)
    )
    delta.pairs_scored = predict_blocked(
        model, con, input_table=S.all_input, blocked=S.blocked, out=S.new_pairs
    )
    logger.info("update: %s new pairs kept", f"{delta.pairs_scored:,}")


def recluster_touched(con: duckdb.DuckDBPyConnection, model: Model, delta: Delta) -> None:
    """Cluster again the components that the new links or revised records touch; leave
    ``linkage_clusters`` (their records only) and :attr:`S.sub_components`."""
    threshold = float(model.thresholds.match_probability)
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_nodes} AS
        WITH seeds AS (
            SELECT unique_id FROM {S.delta}
            UNION SELECT unique_id_l FROM {S.new_pairs} WHERE match_probability >= {threshold}
            UNION SELECT unique_id_r FROM {S.new_pairs} WHERE match_probability >= {threshold}),
        touched AS (
            SELECT DISTINCT c.component_id FROM {T.clusters} c JOIN seeds USING (unique_id)),
        ids AS (
            SELECT unique_id FROM {T.clusters} WHERE component_id IN (SELECT * FROM touched)
            UNION SELECT unique_id FROM {S.delta})
        SELECT a.* FROM {S.all_input} a JOIN ids USING (unique_id)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_records} AS
        SELECT r.* FROM {S.all_records} r JOIN {S.sub_nodes} USING (unique_id)"""
    )
    revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_pairs} AS
        SELECT p.unique_id_l, p.unique_id_r, p.match_probability FROM {T.pairs} p
        WHERE p.match_probability >= {threshold}
          AND p.unique_id_l IN (SELECT unique_id FROM {S.sub_nodes})
          AND p.unique_id_r IN (SELECT unique_id FROM {S.sub_nodes})
          AND p.unique_id_l NOT IN {revised} AND p.unique_id_r NOT IN {revised}
        UNION ALL
        SELECT unique_id_l, unique_id_r, match_probability FROM {S.new_pairs}
        WHERE match_probability >= {threshold}"""
    )
    _cluster(con, model, pairs=S.sub_pairs, nodes=S.sub_nodes, records=S.sub_records)
    delta.reclustered = int(con.execute(f"SELECT count(*) FROM {S.sub_nodes}").fetchall()[0][0])
    logger.info("update: %s records clustered again", f"{delta.reclustered:,}")


def score_full(
    con: duckdb.DuckDBPyConnection, model: Model, delta: Delta, *, max_comparisons: int
) -> None:
    """Score and cluster every record (a first run, or a retrained model): the pairs go to
    :attr:`S.new_pairs`, the clusters of every record to ``linkage_clusters``."""
    con.execute(f"CREATE OR REPLACE TABLE {S.sub_records} AS SELECT * FROM {S.all_records}")
    con.execute(f"CREATE OR REPLACE TABLE {S.sub_nodes} AS SELECT * FROM {S.all_input}")
    predict(model, con, input_table=S.sub_nodes, max_comparisons=max_comparisons)
    con.execute(f"ALTER TABLE {tables.PAIRS} RENAME TO {S.new_pairs.split('.')[-1]}")
    delta.pairs_scored = int(con.execute(f"SELECT count(*) FROM {S.new_pairs}").fetchall()[0][0])
    _cluster(con, model, pairs=S.new_pairs, nodes=S.sub_nodes, records=S.sub_records)
    delta.reclustered = int(con.execute(f"SELECT count(*) FROM {S.sub_nodes}").fetchall()[0][0])


def _cluster(
    con: duckdb.DuckDBPyConnection, model: Model, *, pairs: str, nodes: str, records: str
) -> None:
    cluster(con, thresholds=model.thresholds, pairs=pairs, nodes=nodes, records=records)
    frame = components(
        con, pairs=pairs, nodes=nodes, threshold=float(model.thresholds.match_probability)
    )
    con.register(scratch("components_frame"), frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {S.sub_components} AS "
            f"SELECT * FROM {scratch('components_frame')}"
        )
    finally:
        con.unregister(scratch("components_frame"))
