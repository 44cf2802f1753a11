"""Scored pairs -> identities, without chaining siblings together.

Connected components at a threshold chain: one wrong link between two twins merges them. So links
are taken as connected components only where a component holds no *conflict*; inside a component
that does, links are added strongest first (Kruskal order) and a link is refused when it would put
two conflicting records in one identity. Two records conflict when their evidence says they are
different children (:data:`linkage.comparisons.CONFLICT_SQL`): each carries a given name the other
does not account for (twins "María Angélica" and "María Elena"), or their A-numbers differ by more
than a typo and they share no name at all. Conflicts are computed in SQL for every pair of records
inside each component; only components that hold one are re-clustered in Python.

Each identity's ``identity_id`` is derived from its records (a hash of its smallest ``unique_id``),
so the same input gives the same ids whatever the row order or run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from linkage.comparisons import CONFLICT_PREFILTER_SQL, CONFLICT_SQL

__all__ = ["ClusteringConfig", "cluster"]

logger = logging.getLogger("linkage")

CLUSTERS = "clusters"


@dataclass(frozen=True, kw_only=True)
class ClusteringConfig:
    """How pairs become identities.

    Attributes:
        threshold_match_probability: links at or above this probability join records.
        prevent_conflicts: refuse links that would merge records with different A-numbers and no
            given name in common (set False to get plain connected components, for comparison).
    """

    threshold_match_probability: float = 0.5
    prevent_conflicts: bool = True


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member index) by vectorised label propagation."""
    labels = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return labels
    while True:
        low = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, low)
        np.minimum.at(labels, right, low)
        labels = labels[labels]  # pointer jumping
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels


def cluster(
    con: duckdb.DuckDBPyConnection,
    *,
    config: ClusteringConfig | None = None,
    pairs: str = "pairs",
    nodes: str = "model_input",
    records: str = "records",
) -> pd.DataFrame:
    """Cluster scored pairs into the table ``clusters``; return per-cluster statistics.

    ``clusters`` has one row per record of ``records``: ``unique_id, source, record_id,
    identity_id, link_probability`` where ``link_probability`` is the weakest link inside the
    identity (the lowest, over its records, of each record's best link to another member), NULL for
    a record alone.
    """
    config = config or ClusteringConfig()
    ids = con.execute(f"SELECT unique_id FROM {nodes} ORDER BY unique_id").df()
    index = pd.Series(np.arange(len(ids)), index=ids["unique_id"].to_numpy())
    edges = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {pairs} "
        f"WHERE match_probability >= {float(config.threshold_match_probability)} "
        "ORDER BY match_probability DESC, unique_id_l, unique_id_r"
    ).df()
    left = index.reindex(edges["unique_id_l"].to_numpy()).to_numpy().astype(np.int64)
    right = index.reindex(edges["unique_id_r"].to_numpy()).to_numpy().astype(np.int64)
    prob = edges["match_probability"].to_numpy(dtype=float)
    n = len(ids)
    labels = _components(n, left, right)
    refused = 0
    if config.prevent_conflicts and len(edges):
        conflicts = _conflicting_members(con, ids, labels, nodes, pairs)
        if conflicts:
            labels, refused = _resolve_conflicts(labels, left, right, conflicts)
    logger.info(
        "clustering: %s links, %s refused as conflicting", f"{len(edges):,}", f"{refused:,}"
    )
    # Weakest link: for each record its best link to a member of its identity; min per identity.
    same = labels[left] == labels[right]
    best = np.full(n, np.nan)
    if same.any():
        frame = pd.DataFrame(
            {
                "node": np.concatenate([left[same], right[same]]),
                "p": np.concatenate([prob[same], prob[same]]),
            }
        )
        top = frame.groupby("node")["p"].max()
        best[top.index.to_numpy()] = top.to_numpy()
    out = pd.DataFrame({"unique_id": ids["unique_id"].to_numpy(), "label": labels, "best": best})
    out["link_probability"] = out.groupby("label")["best"].transform("min")
    # identity_id from the smallest unique_id of the identity (ids are sorted, label = min index).
    first_uid = ids["unique_id"].to_numpy()[labels]
    out["first_uid"] = first_uid
    con.register("_cluster_frame", out[["unique_id", "first_uid", "link_probability"]])
    try:
        con.execute(
            f"""CREATE OR REPLACE TABLE {CLUSTERS} AS
            SELECT r.unique_id, r.source, r.record_id,
                'ID-' || substr(md5(c.first_uid), 1, 12) AS identity_id,
                CAST(c.link_probability AS DOUBLE) AS link_probability
            FROM {records} r JOIN _cluster_frame c USING (unique_id)
            ORDER BY identity_id, r.unique_id"""
        )
    finally:
        con.unregister("_cluster_frame")
    return pd.DataFrame(
        {
            "links": [len(edges)],
            "refused_links": [refused],
            "identities": [int(len(np.unique(labels)))],
            "records": [n],
        }
    )


#: Components up to this size are checked for conflicts on every pair of their records; larger
#: ones (chains through common names) only on the pairs that blocking scored, which keeps the check
#: linear in the data instead of quadratic in the largest component.
MAX_COMPONENT_FOR_ALL_PAIRS = 50


def _conflicting_members(
    con: duckdb.DuckDBPyConnection,
    ids: pd.DataFrame,
    labels: np.ndarray,
    nodes: str,
    pairs: str = "pairs",
) -> set[tuple[int, int]]:
    """Pairs of records (row indexes) in the same component whose evidence says they differ."""
    sizes = np.bincount(labels, minlength=len(labels))
    in_multi = np.flatnonzero(sizes[labels] > 1)
    if len(in_multi) == 0:
        return set()
    frame = pd.DataFrame(
        {
            "unique_id": ids["unique_id"].to_numpy()[in_multi],
            "idx": in_multi,
            "label": labels[in_multi],
            "small": sizes[labels[in_multi]] <= MAX_COMPONENT_FOR_ALL_PAIRS,
        }
    )
    con.register("_members", frame)
    con.register("_small_members", frame[frame["small"]])
    try:
        rows = con.execute(
            # Candidate pairs: every pair inside a small component, the scored pairs inside a large
            # one. A cheap necessary condition (records sharing an A-number never conflict, nor
            # records whose names are all found in each other) drops most before the costly test.
            f"""WITH member_pairs AS (
                    SELECT ml.idx AS idx_l, mr.idx AS idx_r, ml.unique_id AS uid_l, mr.unique_id AS uid_r
                    FROM _small_members ml JOIN _small_members mr
                      ON ml.label = mr.label AND ml.idx < mr.idx
                    UNION
                    SELECT least(ml.idx, mr.idx), greatest(ml.idx, mr.idx),
                           CASE WHEN ml.idx < mr.idx THEN ml.unique_id ELSE mr.unique_id END,
                           CASE WHEN ml.idx < mr.idx THEN mr.unique_id ELSE ml.unique_id END
                    FROM {pairs} p
                    JOIN _members ml ON ml.unique_id = p.unique_id_l
                    JOIN _members mr ON mr.unique_id = p.unique_id_r
                    WHERE ml.label = mr.label AND NOT ml.small),
                candidates AS MATERIALIZED (
                    SELECT c.* FROM member_pairs c
                    JOIN {nodes} l ON l.unique_id = c.uid_l
                    JOIN {nodes} r ON r.unique_id = c.uid_r
                    WHERE {CONFLICT_PREFILTER_SQL})
                SELECT c.idx_l, c.idx_r FROM candidates c
                JOIN {nodes} l ON l.unique_id = c.uid_l
                JOIN {nodes} r ON r.unique_id = c.uid_r
                WHERE {CONFLICT_SQL}"""
        ).fetchall()
    finally:
        con.unregister("_members")
        con.unregister("_small_members")
    return {(int(a), int(b)) for a, b in rows}


def _resolve_conflicts(
    labels: np.ndarray, left: np.ndarray, right: np.ndarray, conflicts: set[tuple[int, int]]
) -> tuple[np.ndarray, int]:
    """Redo, Kruskal-style with cannot-link checks, the components that hold a conflict."""
    labels = labels.copy()
    suspect = {int(labels[a]) for a, _ in conflicts}
    members = np.flatnonzero(np.isin(labels, list(suspect)))
    mask = np.isin(labels[left], list(suspect))
    parent = {int(i): int(i) for i in members}
    group: dict[int, list[int]] = {int(i): [int(i)] for i in members}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    partners: dict[int, list[int]] = {}
    for a, b in conflicts:
        partners.setdefault(a, []).append(b)
        partners.setdefault(b, []).append(a)

    def clash(group_a: list[int], root_b: int) -> bool:
        return any(find(y) == root_b for x in group_a for y in partners.get(x, ()))

    refused = 0
    for a, b in zip(left[mask].tolist(), right[mask].tolist(), strict=True):  # strongest first
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        small, other = (ra, rb) if len(group[ra]) <= len(group[rb]) else (rb, ra)
        if clash(group[small], other):
            refused += 1
            continue
        if len(group[ra]) < len(group[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        group[ra].extend(group.pop(rb))
    for nodes_of_group in group.values():
        labels[nodes_of_group] = min(nodes_of_group)
    return labels, refused
