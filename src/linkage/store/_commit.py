"""Writing one update into the store, all or nothing.

Every write of an update happens here, inside one DuckDB transaction on the store's catalog: a
crash, a full disk or an error half-way leaves the store exactly as it was before the update.
The working catalog is only read in the transaction (DuckDB lets a transaction write to one
database).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from linkage import tables
from linkage.schema import CANONICAL_COLUMNS
from linkage.store._delta import Delta, S, working_table_exists
from linkage.store._ids import IdAssignment, text_typed
from linkage.store._schema import T
from linkage.store._statuses import EXACT_FRESH, EXACT_KEYS
from linkage.tables import scratch

__all__ = ["commit", "transaction"]

_RECORD_COLUMNS = ", ".join(CANONICAL_COLUMNS)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: committed when it ends, rolled back when it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def commit(
    con: duckdb.DuckDBPyConnection,
    *,
    update_id: int,
    delta: Delta,
    ids: IdAssignment,
    model_json: str | None,
    update_row: dict[str, object],
) -> None:
    """Write the update: records and their history, model input, pairs, clusters, the id
    registry and its events, the identities, the rejects, the model (when trained) and the
    update's row. Reads the scratch tables left by :mod:`linkage.store._delta`, the id
    assignment and ``linkage_identities``."""
    frames = {
        scratch("ids_records"): ids.records,
        scratch("ids_events"): ids.events.assign(update_id=update_id),
        scratch("ids_created"): ids.created,
        scratch("ids_merged"): ids.merged,
        scratch("update_row"): pd.DataFrame([update_row]),
    }
    for name, frame in frames.items():
        con.register(name, text_typed(frame))
    try:
        # Tables that take their columns from the first scored pairs and identities.
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {T.pairs} AS "
            f"SELECT *, 0::INTEGER AS scored_in FROM {S.new_pairs} LIMIT 0"
        )
        with transaction(con):
            _records(con, update_id)
            _pairs(con, update_id, full=delta.full, rescored=delta.rekeyed > 0)
            _block_keys(con)
            _identities(
                con, full=delta.full
            )  # before the clusters change: it reads the old ids there
            _clusters(con)
            _registry(con, update_id)
            con.execute(f"INSERT INTO {T.rejects} SELECT *, {update_id} FROM {S.extract_rejects}")
            if model_json is not None:
                con.execute(f"DELETE FROM {T.model}")
                con.execute(f"INSERT INTO {T.model} VALUES (?)", [model_json])
            con.execute(f"INSERT INTO {T.updates} BY NAME SELECT * FROM {scratch('update_row')}")
            con.execute(
                f"UPDATE {T.decisions} SET applied_in = {update_id} WHERE applied_in IS NULL"
            )
    finally:
        for name in frames:
            con.unregister(name)


def _records(con: duckdb.DuckDBPyConnection, update_id: int) -> None:
    revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
    con.execute(
        f"INSERT INTO {T.records_history} SELECT *, {update_id} AS replaced_in "
        f"FROM {T.records} WHERE unique_id IN {revised}"
    )
    con.execute(f"DELETE FROM {T.records} WHERE unique_id IN {revised}")
    con.execute(
        f"INSERT INTO {T.records} SELECT {_RECORD_COLUMNS}, fingerprint, first_seen, "
        f"{update_id} AS last_changed FROM {S.delta}"
    )
    con.execute(f"DELETE FROM {T.model_input} WHERE unique_id IN {revised}")
    con.execute(f"INSERT INTO {T.model_input} SELECT * FROM {S.delta_input}")


def _pairs(con: duckdb.DuckDBPyConnection, update_id: int, *, full: bool, rescored: bool) -> None:
    if full:
        con.execute(f"DELETE FROM {T.pairs}")
    else:
        revised = f"(SELECT unique_id FROM {S.delta} WHERE revised)"
        con.execute(
            f"DELETE FROM {T.pairs} WHERE unique_id_l IN {revised} OR unique_id_r IN {revised}"
        )
    if rescored:  # stored pairs of records whose block the update split, scored again
        con.execute(
            f"""DELETE FROM {T.pairs} p USING {S.new_pairs} n
            WHERE p.unique_id_l = n.unique_id_l AND p.unique_id_r = n.unique_id_r"""
        )
    con.execute(
        f"INSERT INTO {T.pairs} BY NAME SELECT *, {update_id} AS scored_in FROM {S.new_pairs}"
    )


def _block_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Keep every record's blocks and positions (rules bounded by size), as this update cut
    them, for the next update to compare (:func:`linkage.store._delta.rekeyed`). No bounded
    rule: no table."""
    keys = f"{S.all_keyed}_keys"  # made by add_block_keys beside its view
    present = working_table_exists(con, keys)
    moved = f"{S.all_keyed}_moved"  # the records whose keys moved (or that changed), if listed
    if present and working_table_exists(con, moved):
        # every other record's keys are those stored: only these rows are written
        con.execute(
            f"DELETE FROM {T.block_keys} WHERE unique_id IN (SELECT unique_id FROM {moved})"
        )
        con.execute(
            f"""INSERT INTO {T.block_keys} BY NAME
            SELECT k.* FROM {keys} k JOIN {moved} m USING (unique_id)"""
        )
        return
    con.execute(f"DROP TABLE IF EXISTS {T.block_keys}")
    if present:
        con.execute(f"CREATE TABLE {T.block_keys} AS SELECT * FROM {keys}")


def _clusters(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"DELETE FROM {T.clusters} WHERE unique_id IN (SELECT unique_id FROM {S.sub_nodes})"
    )
    con.execute(
        f"""INSERT INTO {T.clusters}
        SELECT unique_id, source, record_id, identity_id, link_probability, contested_link
        FROM {scratch("final_clusters")}"""
    )


def _registry(con: duckdb.DuckDBPyConnection, update_id: int) -> None:
    con.execute(
        f"INSERT INTO {T.identity_ids} SELECT identity_id, {update_id}, 'active', NULL, "
        f"split_from FROM {scratch('ids_created')}"
    )
    con.execute(
        f"""UPDATE {T.identity_ids} AS r SET state = 'merged', merged_into = m.merged_into
        FROM {scratch("ids_merged")} m WHERE r.identity_id = m.identity_id"""
    )
    con.execute(f"INSERT INTO {T.identity_events} BY NAME SELECT * FROM {scratch('ids_events')}")


def _identities(con: duckdb.DuckDBPyConnection, *, full: bool) -> None:
    """The identities of the re-clustered records replace those of the ids they came from; the
    exact join's identities likewise (all of them after a full run)."""
    if full:
        con.execute(f"DELETE FROM {T.identities_exact}")
        fresh = tables.IDENTITIES_EXACT_JOIN
    else:
        con.execute(
            f"DELETE FROM {T.identities_exact} "
            f"WHERE identity_id IN (SELECT identity_id FROM {EXACT_KEYS})"
        )
        fresh = EXACT_FRESH
    con.execute(f"INSERT INTO {T.identities_exact} BY NAME SELECT * FROM {fresh}")
    con.execute(
        f"""DELETE FROM {T.identities} WHERE identity_id IN (
            SELECT DISTINCT old.identity_id FROM {T.clusters} old
            JOIN {S.sub_nodes} USING (unique_id))
          OR identity_id IN (SELECT identity_id FROM {scratch("ids_records")})"""
    )
    con.execute(
        f"""INSERT INTO {T.identities} SELECT * FROM {tables.IDENTITIES}
        WHERE identity_id IN (SELECT identity_id FROM {scratch("ids_records")})"""
    )
