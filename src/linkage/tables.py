"""The written contract between stages: every DuckDB table a stage reads or writes, named once.

Each stage keeps its tables in the one DuckDB connection the caller passes (or that `linkage`
opens). So that they never meet a caller's own tables, every name starts with ``linkage_``
(``linkage_records``, ``linkage_pairs``, ...), the way Splink prefixes its own with
``__splink__``; scratch tables that live only inside one stage function are named by
:func:`scratch` (``linkage_tmp_<name>``) and dropped before the function returns.

The stages and their tables (see ``docs/architecture.md`` for the picture)::

    read_sources      writes  linkage_source_<cbp|ice|hhs|eoir>, linkage_rejects
    normalize         reads   linkage_source_*, linkage_rejects   writes  linkage_records
    model.prepare_input reads linkage_records                     writes  linkage_model_input
    model.train       reads   linkage_model_input                 writes  linkage_model_train_input,
                                                                          linkage_clerical_labels
    model.predict     reads   linkage_model_input                 writes  linkage_pairs
    clustering        reads   linkage_pairs, linkage_model_input  writes  linkage_clusters
    handoff           reads   linkage_records, linkage_clusters,  writes  linkage_identities,
                              linkage_pairs, linkage_rejects              linkage_clusters_exact_join,
                                                                          linkage_identities_exact_join

Example:
    >>> from linkage import tables
    >>> tables.RECORDS
    'linkage_records'
    >>> tables.source("cbp")
    'linkage_source_cbp'
    >>> tables.scratch("stage")
    'linkage_tmp_stage'
"""

from __future__ import annotations

__all__ = [
    "BLOCKED_INPUT",
    "CLUSTERS",
    "CLUSTERS_EXACT_JOIN",
    "IDENTITIES",
    "IDENTITIES_EXACT_JOIN",
    "LABELS",
    "MODEL_INPUT",
    "PAIRS",
    "PREFIX",
    "RECORDS",
    "REJECTS",
    "STAGE_TABLES",
    "TRAIN_INPUT",
    "scratch",
    "source",
]

#: Every table `linkage` makes starts with this.
PREFIX = "linkage_"

#: One table per source read (``source("cbp")``): the layout columns as text, plus ``_row_number``.
SOURCE_PREFIX = PREFIX + "source_"
#: Input rows that could not be used, with their reason (written by ``read_sources``).
REJECTS = PREFIX + "rejects"
#: Canonical person records, one per usable input row (written by ``normalize``).
RECORDS = PREFIX + "records"
#: The records plus the derived columns the comparisons read (written by ``model.prepare_input``).
MODEL_INPUT = PREFIX + "model_input"
#: The model input with each bounded blocking rule's block columns (``blk_*``, written by
#: ``blocking.add_block_keys`` before the pairs are counted; ``model.predict`` reads it).
BLOCKED_INPUT = PREFIX + "model_input_blocked"
#: The sample of the model input that training reads, when the data are larger than the sample.
TRAIN_INPUT = PREFIX + "model_train_input"
#: Clerical labels handed to training.
LABELS = PREFIX + "clerical_labels"
#: Scored candidate pairs (written by ``model.predict``).
PAIRS = PREFIX + "pairs"
#: One row per record with its identity (written by ``clustering.cluster``).
CLUSTERS = PREFIX + "clusters"
#: One row per identity with its custody chain and status (written by ``handoff_report``).
IDENTITIES = PREFIX + "identities"
#: The exact A-number join the report compares with: its clusters and identities.
CLUSTERS_EXACT_JOIN = PREFIX + "clusters_exact_join"
IDENTITIES_EXACT_JOIN = PREFIX + "identities_exact_join"

#: Prefix of the scratch tables and views that live only inside one stage function.
SCRATCH_PREFIX = PREFIX + "tmp_"


def source(name: str) -> str:
    """The table holding source ``name`` as read (``linkage_source_cbp``)."""
    return SOURCE_PREFIX + name


def scratch(name: str) -> str:
    """The name of a stage's scratch table or view ``name`` (``linkage_tmp_<name>``)."""
    return SCRATCH_PREFIX + name


#: Every stage table of one run, in the order the stages write them (source tables aside).
STAGE_TABLES: tuple[str, ...] = (
    REJECTS,
    RECORDS,
    MODEL_INPUT,
    BLOCKED_INPUT,
    TRAIN_INPUT,
    LABELS,
    PAIRS,
    CLUSTERS,
    IDENTITIES,
    CLUSTERS_EXACT_JOIN,
    IDENTITIES_EXACT_JOIN,
)
