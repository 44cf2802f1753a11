"""One update's work before anything is written: what is new, what it scores, what it re-clusters.

Everything here writes only scratch tables of the working (in-memory) catalog and reads the
store; :mod:`linkage.store._commit` then writes the store in one transaction. The steps:

1. :func:`classify` the extract's records against the store: added, revised (same ``source`` and
   ``record_id``, other fields), unchanged (dropped: a repeat changes nothing);
2. :func:`score_incremental`: the candidate pairs that touch an added or revised record, blocked
   from the new records' side and scored with the stored model over all the records (the prior
   and term frequencies of the whole store, as a full run would have them);
3. :func:`recluster_touched`: the identities that a new link or a revised record touches, and
   their neighbours (identities linked to them), are clustered again with the new records, by
   the same :func:`linkage.clustering.cluster` a full run uses; every other identity stays as it
   was.

A first run, or ``retrain``, takes :func:`score_full` instead: every record is scored and
clustered, and the old ids are carried over by the same id rules.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pandas as pd

from linkage import tables
from linkage.blocking import add_block_keys, drop_block_keys, pairs_touching_sql
from linkage.clustering import cluster, lowest_pair_read
from linkage.comparisons import MODEL_INPUT_SQL
from linkage.model import Model, predict, predict_blocked
from linkage.schema import CANONICAL_COLUMNS
from linkage.store._decisions import pending_records
from linkage.store._schema import T
from linkage.tables import scratch

__all__ = [
    "Delta",
    "block_key_columns",
    "classify",
    "old_links_view",
    "recluster_touched",
    "score_full",
    "score_incremental",
    "stored_block_key_columns",
    "stored_block_keys",
    "working_table_exists",
]

logger = logging.getLogger("linkage")


class S:
    """The scratch tables of one update (in the working catalog)."""

    incoming = scratch("incoming")  # the extract's records + fingerprint
    delta = scratch("delta")  # added and revised records, with first_seen
    delta_input = scratch("delta_input")  # their model input
    all_input = scratch("all_input")  # the model input of every record after the update
    all_keyed = scratch("all_keyed")  # ... with the key columns of the bounded blocking rules
    rekeyed = scratch("rekeyed")  # stored records whose block the update changed
    keys_before = scratch("keys_before")  # the blocks before the update, when not stored
    block_columns = scratch("block_columns")  # ... only the columns the rules join on
    keys_before_moved = scratch("keys_before_moved")  # the keys before, of those listed moved
    keys_now_moved = scratch("keys_now_moved")  # ... and after
    stored_pairs = scratch("stored_pairs")  # candidate pairs of two stored records
    keys_before_pairs = scratch("keys_before_pairs")  # their blocks before the update
    delta_keyed = scratch("delta_keyed")  # the added, revised and rekeyed records' rows of it
    all_records = scratch("all_records")  # every canonical record after the update
    blocked = scratch("blocked")
    new_pairs = scratch("new_pairs")  # pairs scored in this update
    sub_nodes = scratch("sub_nodes")
    sub_records = scratch("sub_records")
    sub_pairs = scratch("sub_pairs")
    sub_ids = scratch("sub_ids")
    old_links = scratch("old_links")
    # the stored links and the stored pairs that may join identities of complementary agencies
    old_candidates = scratch("old_candidates")
    scored_links = scratch("scored_links")
    drifted = scratch("drifted")
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
    #: Stored records whose block (of a rule bounded by size) the update changed: their pairs
    #: that the new blocks form are scored.
    rekeyed: int = 0
    #: The prior's match weight of this update's scoring (the store's size after it).
    prior_weight: float | None = None


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
    """Score the candidate pairs that hold an added or revised record into :attr:`S.new_pairs`;
    with blocks bounded by their size, also those of a stored record that a revision brought
    closer to others in a block (:func:`rekeyed`)."""
    records, new = S.all_input, S.delta_input
    since = None  # the store's blocks before the update, when it holds them
    if any(rule.bounded for rule in model.blocking_rules):
        # blocks bounded by their size are cut on all the records, as a full run cuts them;
        # with the store's keys, only the blocks the added and revised records fall in
        if stored_block_keys(con, model):
            revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
            changed = (
                f"SELECT * FROM {S.delta_input} UNION ALL BY NAME "
                f"SELECT * FROM {T.model_input} WHERE unique_id IN {revised}"
            )
            since = (T.block_keys, changed)
        add_block_keys(con, model.blocking_rules, S.all_input, S.all_keyed, since=since)
        delta.rekeyed = rekeyed(con, model)
        # the columns the rules join on, once: each rule's join reads this narrow table, not
        # the view of every record's model input joined to its keys (twice per rule)
        needed = dict.fromkeys(c for rule in model.blocking_rules for c in rule.join_columns)
        con.execute(
            f"""CREATE OR REPLACE TABLE {S.block_columns} AS
            SELECT unique_id, {", ".join(needed)} FROM {S.all_keyed}"""
        )
        con.execute(
            f"""CREATE OR REPLACE TABLE {S.delta_keyed} AS SELECT * FROM {S.block_columns}
            WHERE unique_id IN (SELECT unique_id FROM {S.delta_input}
                                UNION ALL SELECT unique_id FROM {S.rekeyed})"""
        )
        records, new = S.block_columns, S.delta_keyed
    con.execute(
        f"CREATE OR REPLACE TABLE {S.blocked} AS "
        + pairs_touching_sql(model.blocking_rules, records=records, new=new)
    )
    if delta.rekeyed and since is not None:
        _drop_pairs_formed_before(con, model)
    delta.pairs_scored = predict_blocked(
        model, con, input_table=S.all_input, blocked=S.blocked, out=S.new_pairs
    )
    logger.info("update: %s new pairs kept", f"{delta.pairs_scored:,}")


def _drop_pairs_formed_before(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    """Drop from :attr:`S.blocked` the pairs of two stored records (neither added nor revised)
    that were candidates under the blocks before the update (:data:`T.block_keys`): a
    re-blocked record's pairs that the store scored when they were formed (kept if strong
    enough, as a full run keeps them). Only the pairs the new blocks form for the first time
    are scored. At 250,000 children 41% of a month's candidate pairs held no new record."""
    fresh = f"(SELECT unique_id FROM {S.delta})"
    unbounded = dict.fromkeys(
        c
        for rule in model.blocking_rules
        if not rule.bounded
        for c in (*rule.columns, *(rule.right_columns or ()))
    )
    keys = block_key_columns(model)
    columns = [f"k.{c}" for c in keys] + [f"m.{c}" for c in unbounded]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {S.stored_pairs} AS
        SELECT join_key_l, join_key_r FROM {S.blocked}
        WHERE join_key_l NOT IN {fresh} AND join_key_r NOT IN {fresh}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {S.keys_before_pairs} AS
        SELECT k.unique_id, {", ".join(columns)}
        FROM {T.block_keys} k JOIN {T.model_input} m USING (unique_id)
        WHERE k.unique_id IN (SELECT join_key_l FROM {S.stored_pairs}
                              UNION SELECT join_key_r FROM {S.stored_pairs})"""
    )
    formed = " OR ".join(f"({rule.sql()})" for rule in model.blocking_rules)
    dropped = con.execute(
        f"""DELETE FROM {S.blocked} b USING (
            SELECT p.join_key_l, p.join_key_r FROM {S.stored_pairs} p
            JOIN {S.keys_before_pairs} l ON l.unique_id = p.join_key_l
            JOIN {S.keys_before_pairs} r ON r.unique_id = p.join_key_r
            WHERE {formed}) f
        WHERE b.join_key_l = f.join_key_l AND b.join_key_r = f.join_key_r"""
    ).fetchall()[0][0]
    logger.info("update: %s candidate pairs scored before left out", f"{int(dropped):,}")


def block_key_columns(model: Model) -> list[str]:
    """The columns of :data:`T.block_keys` for ``model``: each bounded rule's block and, for a
    plain rule, the record's position in it (:func:`linkage.blocking.add_block_keys`)."""
    return [c for rule in model.blocking_rules for c in rule.key_columns]


def stored_block_keys(con: duckdb.DuckDBPyConnection, model: Model) -> bool:
    """Whether the store holds the blocks of ``model``'s rules (a store written before blocks were
    bounded, or by a model with other rules, does not)."""
    return set(block_key_columns(model)) <= stored_block_key_columns(con)


def stored_block_key_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The columns of :data:`T.block_keys` (none when the store does not have it). Read from the
    catalog, not by a failing query: that would abort the transaction of a commit."""
    catalog, table = T.block_keys.split(".")
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?",
        [catalog, table],
    ).fetchall()
    return {r[0] for r in rows}


def rekeyed(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    """:attr:`S.rekeyed`: the stored records (not added or revised here) that may now form a
    pair a full run forms and the store has not scored; return how many. Their candidate pairs
    are blocked as an added record's are; those that were candidates before the update (scored
    then) are left out (:func:`_drop_pairs_formed_before`).

    With blocks bounded by their size, an added record only ever pushes stored records apart (a
    block grown past ``max_block`` is split: fewer pairs; a sorted neighbourhood, the last
    level, gains a record between two: they may leave each other's window), and the pairs a
    full run would no longer form stay stored: extra evidence, never a missing pair. A record
    that leaves a block (revised) brings them closer: a block shrunk back to ``max_block`` is
    whole again at a coarser level, and its neighbours in a sorted neighbourhood come within
    each other's window. So, by each bounded rule: the records whose block changed, and the
    records whose position changed in a windowed block that a record left. The blocks before
    the update are :data:`T.block_keys` (every record's, as the last update cut them), or are
    worked out from the stored model input when the store does not hold them."""
    before, now = T.block_keys, f"{S.all_keyed}_keys"  # the keys tables, not the views
    if not stored_block_keys(con, model):
        add_block_keys(con, model.blocking_rules, T.model_input, S.keys_before)
        before = f"{S.keys_before}_keys"
    elif _has_moved(con):
        # only the records listed as moved can have other keys than before: compare those alone
        moved = f"(SELECT unique_id FROM {S.all_keyed}_moved)"
        for table, keys in ((S.keys_before_moved, before), (S.keys_now_moved, now)):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS "
                f"SELECT * FROM {keys} WHERE unique_id IN {moved}"
            )
        before, now = S.keys_before_moved, S.keys_now_moved
    revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
    parts = []
    for rule in (r for r in model.blocking_rules if r.bounded):
        blocks = [c for c in rule.key_columns if not c.endswith("_pos")]
        moved = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in blocks)
        parts.append(
            f"SELECT a.unique_id FROM {now} a JOIN {before} b USING (unique_id) WHERE {moved}"
        )
        if rule.right_columns is None:  # a sorted neighbourhood: positions that shifted
            key, pos = rule.key, f"{rule.key}_pos"
            parts.append(
                f"""SELECT a.unique_id FROM {now} a JOIN {before} b USING (unique_id)
                WHERE a.{pos} > 0 AND a.{pos} IS DISTINCT FROM b.{pos} AND a.{key} IN (
                    SELECT b.{key} FROM {before} b LEFT JOIN {now} a USING (unique_id)
                    WHERE (a.{key} IS DISTINCT FROM b.{key} OR b.unique_id IN {revised})
                      AND b.{pos} > 0)"""
            )
    union = "\nUNION\n".join(parts)
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.rekeyed} AS SELECT unique_id FROM ({union})
        WHERE unique_id NOT IN (SELECT unique_id FROM {S.delta})"""
    )
    drop_block_keys(con, S.keys_before)
    count = int(con.execute(f"SELECT count(*) FROM {S.rekeyed}").fetchall()[0][0])
    if count:
        logger.info("update: %s stored records whose blocks the update changed", f"{count:,}")
    return count


def working_table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the working (in-memory or temporary) catalog holds table ``name`` (read from
    the catalog, not by a failing query: that would abort the transaction of a commit)."""
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name IN ('memory', 'temp') "
        "AND table_name = ?",
        [name],
    ).fetchall()
    return bool(rows[0][0])


def _has_moved(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this update's block keys were cut again only where it changed them (the list of
    the records whose keys moved exists: :func:`linkage.blocking.add_block_keys` with
    ``since``)."""
    return working_table_exists(con, f"{S.all_keyed}_moved")


def recluster_touched(
    con: duckdb.DuckDBPyConnection, model: Model, delta: Delta, *, decisions: pd.DataFrame
) -> None:
    """Cluster again the identities that the new links or revised records touch, with their
    neighbours; leave ``linkage_clusters`` (their records only).

    Touched: the identities holding a revised record or an end of a new link (at or above the
    match threshold, or at or above ``complementary_probability``: a pair that may join two
    identities of complementary agencies). Neighbours: the identities holding a record linked to
    a touched one (or paired with it at that probability). They are clustered again together
    with the new records, on every link and such pair among them, by the same
    :func:`linkage.clustering.cluster` a full run uses; every other identity stays as it was.
    (An identity held apart from its strongest candidate outside the neighbours is decided on
    the candidates inside: docs/store.md.)
    """
    read = f"match_probability >= {lowest_pair_read(model.thresholds)}"
    old_links_view(con, model, delta)
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_ids} AS
        WITH seeds AS (
            SELECT unique_id FROM {S.delta}
            UNION SELECT unique_id FROM {S.drifted}
            UNION SELECT unique_id FROM ({pending_records(con)})
            UNION SELECT unique_id_l FROM {S.new_pairs} WHERE {read}
            UNION SELECT unique_id_r FROM {S.new_pairs} WHERE {read}),
        touched AS (
            SELECT unique_id FROM {T.clusters} WHERE identity_id IN (
                SELECT c.identity_id FROM {T.clusters} c JOIN seeds USING (unique_id))),
        neighbours AS (
            SELECT p.unique_id_r AS unique_id FROM {S.old_candidates} p
            WHERE p.unique_id_l IN (SELECT unique_id FROM touched)
            UNION SELECT p.unique_id_l FROM {S.old_candidates} p
            WHERE p.unique_id_r IN (SELECT unique_id FROM touched))
        SELECT unique_id FROM {T.clusters} WHERE identity_id IN (
            SELECT c.identity_id FROM {T.clusters} c
            JOIN (SELECT unique_id FROM touched UNION SELECT unique_id FROM neighbours)
            USING (unique_id))
        UNION SELECT unique_id FROM {S.delta}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_nodes} AS
        SELECT a.* FROM {S.all_input} a JOIN {S.sub_ids} USING (unique_id)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_records} AS
        SELECT r.* FROM {S.all_records} r JOIN {S.sub_ids} USING (unique_id)"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.sub_pairs} AS
        SELECT unique_id_l, unique_id_r, match_probability FROM {S.old_candidates}
        WHERE unique_id_l IN (SELECT unique_id FROM {S.sub_ids})
          AND unique_id_r IN (SELECT unique_id FROM {S.sub_ids})
        UNION ALL
        SELECT unique_id_l, unique_id_r, match_probability FROM {S.new_pairs} WHERE {read}"""
    )
    cluster(
        con, thresholds=model.thresholds, pairs=S.sub_pairs, nodes=S.sub_nodes,
        records=S.sub_records, decisions=decisions,
    )  # fmt: skip
    delta.reclustered = int(con.execute(f"SELECT count(*) FROM {S.sub_nodes}").fetchall()[0][0])
    logger.info("update: %s records clustered again", f"{delta.reclustered:,}")


def old_links_view(con: duckdb.DuckDBPyConnection, model: Model, delta: Delta) -> None:
    """:attr:`S.old_links`: the stored links that still hold, with their probability at today's
    prior, and :attr:`S.drifted`: the records of the links that no longer do.

    A pair's weight holds the prior of the store as it was when the pair was scored; the prior
    falls as the store grows (one over the records: :func:`linkage.model.prior_for`), so a stored
    pair is worth ``match_weight - prior then + prior now`` today, as a full run would score it.
    A link that today's prior takes below the threshold is dropped, and the identities it
    joined are clustered again. The links of a revised record are scored again anyway.
    :attr:`S.old_candidates`: the same for the stored pairs at or above
    :func:`linkage.clustering.lowest_pair_read` today (the links, and the pairs that may join
    two identities of complementary agencies)."""
    threshold = float(model.thresholds.match_probability)
    floor = lowest_pair_read(model.thresholds)
    revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
    # a pair of records in a block the update split is scored again: its new score stands
    rescored = (
        f"""AND NOT EXISTS (SELECT 1 FROM {S.new_pairs} n
                WHERE n.unique_id_l = p.unique_id_l AND n.unique_id_r = p.unique_id_r)"""
        if delta.rekeyed
        else ""
    )
    today = (
        f"p.match_weight - u.prior_weight + {delta.prior_weight!r}"
        if delta.prior_weight is not None
        else "p.match_weight"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE {S.scored_links} AS
        SELECT p.unique_id_l, p.unique_id_r,
               1 / (1 + pow(2.0, -({today}))) AS match_probability,
               p.match_probability >= {threshold} AS was_link
        FROM {T.pairs} p JOIN {T.updates} u ON u.update_id = p.scored_in
        WHERE p.match_probability >= {floor}
          AND p.unique_id_l NOT IN {revised} AND p.unique_id_r NOT IN {revised}
          {rescored}"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW {S.old_links} AS
        SELECT unique_id_l, unique_id_r, match_probability FROM {S.scored_links}
        WHERE match_probability >= {threshold}"""
    )
    con.execute(
        f"""CREATE OR REPLACE VIEW {S.old_candidates} AS
        SELECT unique_id_l, unique_id_r, match_probability FROM {S.scored_links}
        WHERE match_probability >= {floor}"""
    )
    gone = f"was_link AND match_probability < {threshold}"
    con.execute(
        f"""CREATE OR REPLACE VIEW {S.drifted} AS
        SELECT unique_id_l AS unique_id FROM {S.scored_links} WHERE {gone}
        UNION SELECT unique_id_r FROM {S.scored_links} WHERE {gone}"""
    )


def score_full(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    delta: Delta,
    *,
    max_comparisons: int,
    decisions: pd.DataFrame,
) -> None:
    """Score and cluster every record (a first run, or a retrained model): the pairs go to
    :attr:`S.new_pairs`, the clusters of every record to ``linkage_clusters``."""
    con.execute(f"CREATE OR REPLACE TABLE {S.sub_records} AS SELECT * FROM {S.all_records}")
    con.execute(f"CREATE OR REPLACE TABLE {S.sub_nodes} AS SELECT * FROM {S.all_input}")
    # blocks bounded by their size: cut once, kept in the store for the next update to compare
    keyed = add_block_keys(con, model.blocking_rules, S.sub_nodes, S.all_keyed)
    predict(model, con, input_table=keyed, max_comparisons=max_comparisons)
    con.execute(f"ALTER TABLE {tables.PAIRS} RENAME TO {S.new_pairs.split('.')[-1]}")
    delta.pairs_scored = int(con.execute(f"SELECT count(*) FROM {S.new_pairs}").fetchall()[0][0])
    cluster(
        con, thresholds=model.thresholds, pairs=S.new_pairs, nodes=S.sub_nodes,
        records=S.sub_records, decisions=decisions,
    )  # fmt: skip
    delta.reclustered = int(con.execute(f"SELECT count(*) FROM {S.sub_nodes}").fetchall()[0][0])
