"""The store's tables, named once, and its schema version.

A store is one DuckDB database file. `linkage` attaches it to its working connection under the
catalog :data:`CATALOG`, so a stage's tables (``linkage_records``, ...) and the store's
(``linkage_store.records``, ...) never meet. The tables (documented in ``docs/store.md``)::

    meta              key, value: schema_version, linkage_version, created_at
    model             the model JSON every update scores with (one row)
    updates           one row per run or update: what it added, revised, rejected
    records           the canonical records, latest version, + first_seen, last_changed,
                      fingerprint (a hash of the fields, to tell a revision from a repeat)
    records_history   earlier versions of revised records, + replaced_in
    model_input       the model input of the records (the derived columns comparisons read)
    pairs             the scored candidate pairs, + scored_in
    block_keys        each record's block by every blocking rule bounded by size (``blk_*``),
                      to tell which stored records an update's new records re-block
    clusters          one row per record: its identity, weakest and contested link
    identity_ids      the id registry: identity_id, created_in, state, merged_into, split_from
    identity_events   the history of every id: new, grown, merged_into, absorbed, split_off,
                      split_from
    identities        the identities (status, custody chain) as of the last update
    identities_exact  the identities of the exact A-number join, as of the last update
    rejects           input rows that could not be used, with their reason and update
    decisions         reviewers' decisions (same / different / not sure) on record pairs, the mode
                      (queue or sample) and the update that first applied them
"""

from __future__ import annotations

__all__ = ["CATALOG", "SCHEMA_VERSION", "T"]

#: Bumped whenever a table or column changes meaning; a store of another version is refused.
#: 2: the canonical records gained ``nta_issued`` and impossible dates are read as empty (a
#: version 1 store's records would all look revised). 3: the model input gained the name sets'
#: slot columns (``given_set_h1`` ...), which the comparisons read (a version 2 store's model
#: input lacks them, and its model reads the lists).
SCHEMA_VERSION = 3

#: The catalog name the store file is attached under.
CATALOG = "linkage_store"


class T:
    """Qualified names of the store's tables."""

    meta = f"{CATALOG}.meta"
    model = f"{CATALOG}.model"
    updates = f"{CATALOG}.updates"
    records = f"{CATALOG}.records"
    records_history = f"{CATALOG}.records_history"
    model_input = f"{CATALOG}.model_input"
    pairs = f"{CATALOG}.pairs"
    block_keys = f"{CATALOG}.block_keys"
    clusters = f"{CATALOG}.clusters"
    identity_ids = f"{CATALOG}.identity_ids"
    identity_events = f"{CATALOG}.identity_events"
    identities = f"{CATALOG}.identities"
    identities_exact = f"{CATALOG}.identities_exact"
    rejects = f"{CATALOG}.rejects"
    decisions = f"{CATALOG}.decisions"


#: Tables whose columns do not depend on the data (the others take their columns from the first
#: run: the canonical records', the model input's, the pairs' of the model).
FIXED_TABLES_SQL = f"""
CREATE TABLE {T.meta} (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE {T.model} (model_json VARCHAR);
CREATE TABLE {T.updates} (
    update_id INTEGER PRIMARY KEY, kind VARCHAR, finished_at TIMESTAMP, data VARCHAR,
    records_added BIGINT, records_revised BIGINT, records_unchanged BIGINT,
    records_rejected BIGINT, pairs_scored BIGINT, records_reclustered BIGINT, retrained BOOLEAN,
    prior_weight DOUBLE, seconds DOUBLE);
CREATE TABLE {T.identity_ids} (
    identity_id VARCHAR PRIMARY KEY, created_in INTEGER, state VARCHAR, merged_into VARCHAR,
    split_from VARCHAR);
CREATE TABLE {T.identity_events} (
    update_id INTEGER, identity_id VARCHAR, event VARCHAR, related_id VARCHAR, n_records BIGINT);
CREATE TABLE {T.decisions} (
    source_l VARCHAR, record_id_l VARCHAR, source_r VARCHAR, record_id_r VARCHAR,
    decision VARCHAR, reviewer VARCHAR, note VARCHAR, decided_at TIMESTAMP, mode VARCHAR,
    applied_in INTEGER);
"""
