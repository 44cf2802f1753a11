"""Scored pairs -> identities, without chaining siblings together.

Connected components at a threshold chain: one wrong link between two twins merges them. So links
are taken as connected components only where a component holds no *conflict*; inside a component
that does, links are added strongest first (Kruskal order) and a link is refused when it would put
two conflicting records in one identity. Two records conflict when their evidence says they are
different children (:func:`linkage.conflicts.conflict_sql`): each carries a given name the
other does not account for (twins "María Angélica" and "María Elena"), or their A-numbers differ
by more than a typo and they share no name at all. Conflicts are computed in SQL on every pair
of records inside each component, then inside each group the re-clustering leaves, until no group
holds one (a component too large to check whole, a chain through common names, is checked on its
scored links first and whole once it has been split; :mod:`linkage._conflict_check`); only
components that hold a conflict are re-clustered in Python.

An identity is then split where one link alone, below ``Thresholds.single_link_probability``,
joins two groups of at least two records each (:func:`split_single_links`): two children
joined by one pair of namesakes, whose other records do not link across. Last, two identities
whose records come from different agencies only, each the other's strongest candidate, are
joined (:func:`join_complementary`): one journey's records broken in two.

Each identity's ``identity_id`` is derived from its records (a hash of its smallest ``unique_id``),
so the same input gives the same ids whatever the row order or run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from linkage import _progress as progress
from linkage._conflict_check import (
    CONFLICT_COLUMNS,
    NAME_CONTENT,
    ConflictCheck,
    Scratch,
    conflicts_inside,
)
from linkage.conflicts import number_support_sql
from linkage.tables import CLUSTERS, MODEL_INPUT, PAIRS, RECORDS, scratch
from linkage.thresholds import Thresholds

__all__ = ["cluster", "join_complementary", "lowest_pair_read", "split_single_links"]

logger = logging.getLogger("linkage")


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member index), vectorised: each round hooks the
    root of every link's larger side under the smaller root, then jumps pointers until every
    record points at its root. Hooking roots (not the records themselves, which only moved a
    label one link per round) takes a few rounds whatever the chains' length: 6 at 500,000
    children."""
    labels = np.arange(n, dtype=np.int64)
    while True:
        low, high = labels[left], labels[right]
        apart = low != high
        if not apart.any():
            return labels
        low, high = low[apart], high[apart]
        smaller = np.minimum(low, high)
        # labels[x] <= x always holds, so a root is the smallest index of the records under it
        np.minimum.at(labels, low, smaller)
        np.minimum.at(labels, high, smaller)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped


def _strongest_link(
    n: int, left: np.ndarray, right: np.ndarray, prob: np.ndarray, keep: np.ndarray
) -> np.ndarray:
    """For each of ``n`` records, the highest probability of the links in ``keep`` that touch it
    (NaN when none does)."""
    strongest = np.full(n, np.nan)
    if keep.any():
        frame = pd.DataFrame(
            {
                "node": np.concatenate([left[keep], right[keep]]),
                "p": np.concatenate([prob[keep], prob[keep]]),
            }
        )
        top = frame.groupby("node")["p"].max()
        strongest[top.index.to_numpy()] = top.to_numpy()
    return strongest


def cluster(
    con: duckdb.DuckDBPyConnection,
    *,
    thresholds: Thresholds | None = None,
    prevent_conflicts: bool = True,
    pairs: str = PAIRS,
    nodes: str = MODEL_INPUT,
    records: str = RECORDS,
    decisions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cluster scored pairs into the clusters table; return per-cluster statistics.

    The clusters table (:data:`linkage.tables.CLUSTERS`) has one row per record of ``records``:
    ``unique_id, source, record_id, identity_id, link_probability, contested_link`` where
    ``link_probability`` is the weakest link inside the identity (the lowest, over its records, of
    each record's best link to another member), NULL for a record alone, and ``contested_link``
    the record's strongest link at or above the threshold to a record that ended in another
    identity (refused as conflicting, as over the size cap ``thresholds.max_identity_records``,
    or as the one link below ``thresholds.single_link_probability`` between two groups of
    records: :func:`split_single_links`), NULL when there is none.

    Args:
        con: the connection holding the tables.
        thresholds: links are the pairs at or above ``match_probability``; conflicts, the size
            cap, the single links cut and the identities of complementary agencies joined
            (``complementary_probability``: the pairs at or above it are read too) are read from
            it as well (default: the defaults of :class:`~linkage.thresholds.Thresholds`).
        prevent_conflicts: refuse links that would put two conflicting records in one identity
            (False gives plain connected components, for comparison).
        pairs: the scored pairs table.
        nodes: the model input (the columns the conflict conditions read).
        records: the canonical records.
        decisions: reviewers' decisions (``unique_id_l, unique_id_r, decision``): ``same`` joins
            the two records by a link of probability 1 that no conflict between those two
            refuses; ``different`` keeps them apart as a conflict would. Pairs naming a record
            absent from ``nodes`` are ignored.
    """
    thresholds = thresholds or Thresholds()
    # Each record's number (its rank by unique_id), kept in SQL: Python holds only numbers; and
    # the day of its event, which orders links of equal probability (_scored_pairs).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {Scratch.ids} AS
        SELECT unique_id, source, row_number() OVER (ORDER BY unique_id) - 1 AS idx,
            date_diff('day', DATE '1970-01-01', event_date) AS event_day
        FROM {nodes}"""
    )
    try:
        return _cluster(con, thresholds, prevent_conflicts, pairs, nodes, records, decisions)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {Scratch.ids}")


def _cluster(
    con: duckdb.DuckDBPyConnection,
    thresholds: Thresholds,
    prevent_conflicts: bool,
    pairs: str,
    nodes: str,
    records: str,
    decisions: pd.DataFrame | None,
) -> pd.DataFrame:
    """:func:`cluster` once the records are numbered (the ids scratch table)."""
    n = int(con.execute(f"SELECT count(*) FROM {Scratch.ids}").fetchall()[0][0])
    # the links, and below them the pairs that may join identities of complementary agencies
    scored = _scored_pairs(con, pairs, lowest_pair_read(thresholds, prevent_conflicts))
    linked = int(np.searchsorted(-scored[2], -thresholds.match_probability, side="right"))
    left, right, prob = (column[:linked] for column in scored)
    must, cannot = _decided(con, decisions)
    if len(must):
        left = np.concatenate([must[:, 0], left])
        right = np.concatenate([must[:, 1], right])
        prob = np.concatenate([np.ones(len(must)), prob])
    labels = _components(n, left, right)
    refused = joined = 0
    if prevent_conflicts and len(prob):
        labels, refused = _cluster_without_conflicts(
            con, labels, (left, right), nodes, thresholds, decided=(must, cannot)
        )
        labels, split = split_single_links(
            labels, (left, right, prob), thresholds.single_link_probability
        )
        refused += split
    if prevent_conflicts:  # also with no link at all: records alone may complement each other
        labels, joined = _join_complementary(con, scored, labels, thresholds, cannot)
    logger.info(
        "clustering: %s links, %s refused (conflicting, over the identity size cap, or the one "
        "weak link between two groups of records); %s pairs of identities of complementary "
        "agencies joined",
        f"{len(prob):,}",
        f"{refused:,}",
        f"{joined:,}",
    )
    out = pd.DataFrame(
        {
            "idx": np.arange(n),
            # identity_id from the smallest unique_id of the identity (records are numbered in
            # unique_id order, label = min index).
            "first_idx": labels,
            # Weakest link: for each record its best link to a member of its identity; min per
            # identity.
            "best": _strongest_link(n, left, right, prob, labels[left] == labels[right]),
            # Contested: the strongest link above the threshold to a record left in another
            # identity (refused as conflicting or over the size cap), which a reviewer should see.
            "contested_link": _strongest_link(n, left, right, prob, labels[left] != labels[right]),
        }
    )
    out["link_probability"] = out.groupby(labels)["best"].transform("min")
    _write_clusters(con, out, records)
    return pd.DataFrame(
        {
            "links": [len(prob)],
            "refused_links": [refused],
            "complementary_joins": [joined],
            "identities": [int(len(np.unique(labels)))],
            "records": [n],
        }
    )


def _decided(
    con: duckdb.DuckDBPyConnection, decisions: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Reviewers' ``same`` and ``different`` pairs as ``(n, 2)`` arrays of record numbers (pairs
    naming a record not numbered, or one record twice, left out)."""
    empty = np.empty((0, 2), dtype=np.int64)
    if decisions is None or decisions.empty:
        return empty, empty
    frame = scratch("decided")
    con.register(frame, decisions[["unique_id_l", "unique_id_r", "decision"]])
    try:
        found = con.execute(
            f"""SELECT least(a.idx, b.idx) AS a, greatest(a.idx, b.idx) AS b,
                       d.decision = 'same' AS same
            FROM {frame} d
            JOIN {Scratch.ids} a ON a.unique_id = d.unique_id_l
            JOIN {Scratch.ids} b ON b.unique_id = d.unique_id_r
            WHERE a.idx <> b.idx AND d.decision IN ('same', 'different')"""
        ).fetchnumpy()
    finally:
        con.unregister(frame)
    pairs = np.column_stack([found["a"], found["b"]]).astype(np.int64).reshape(-1, 2)
    same = np.asarray(found["same"], dtype=bool)
    return pairs[same], pairs[~same]


def _scored_pairs(
    con: duckdb.DuckDBPyConnection, pairs: str, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs at or above ``threshold``, strongest first, as record numbers (the ids scratch
    table) and probabilities. Links of equal probability (the same comparison levels: namesakes
    and twins often score alike against a record) come nearer events first: the timeline
    comparison's levels are weeks wide, and of two journeys that fit a record as well, the one
    of the nearer event is likelier its own (docs/accuracy.md)."""
    edges = con.execute(
        f"""SELECT a.idx AS l, b.idx AS r, p.match_probability
            FROM {pairs} p
            JOIN {Scratch.ids} a ON a.unique_id = p.unique_id_l
            JOIN {Scratch.ids} b ON b.unique_id = p.unique_id_r
            WHERE p.match_probability >= {float(threshold)}
            ORDER BY p.match_probability DESC, abs(a.event_day - b.event_day) NULLS LAST,
                p.unique_id_l, p.unique_id_r"""
    ).fetchnumpy()
    return (
        np.asarray(edges["l"], dtype=np.int64),
        np.asarray(edges["r"], dtype=np.int64),
        np.asarray(edges["match_probability"], dtype=float),
    )


def _write_clusters(con: duckdb.DuckDBPyConnection, out: pd.DataFrame, records: str) -> None:
    """The clusters table from each record's identity (the number of its first record,
    ``first_idx``) and links."""
    frame = scratch("cluster_frame")
    con.register(frame, out[["idx", "first_idx", "link_probability", "contested_link"]])
    try:
        con.execute(
            f"""CREATE OR REPLACE TABLE {CLUSTERS} AS
            SELECT r.unique_id, r.source, r.record_id,
                'ID-' || substr(md5(f.unique_id), 1, 12) AS identity_id,
                CAST(c.link_probability AS DOUBLE) AS link_probability,
                CAST(c.contested_link AS DOUBLE) AS contested_link
            FROM {records} r
            JOIN {Scratch.ids} i USING (unique_id)
            JOIN {frame} c ON c.idx = i.idx
            JOIN {Scratch.ids} f ON f.idx = c.first_idx
            ORDER BY identity_id, r.unique_id"""
        )
    finally:
        con.unregister(frame)


#: Rounds of "check every pair inside each group, re-cluster with what was found" (each round can
#: only add conflicts, so the rounds end; real data needs two or three).
MAX_ROUNDS = 20


def _cluster_without_conflicts(
    con: duckdb.DuckDBPyConnection,
    labels: np.ndarray,
    links: tuple[np.ndarray, np.ndarray],
    nodes: str,
    thresholds: Thresholds,
    *,
    decided: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, int]:
    """Split components so that no identity holds two conflicting records.

    Round 0 checks every pair inside each component (the scored links only, inside a component
    larger than ``thresholds.max_identity_records``). The components that hold a conflict, and
    those too large, are re-clustered Kruskal-style (strongest link first, a link refused when it
    would join a conflicting pair or make a group larger than the cap). Each later round checks
    every pair not checked yet inside each group the round before left, and re-clusters, the same
    way, each group that holds a conflict, on the links inside it; rounds end when one finds no
    conflict. Each identity is then free of conflicts, and every refusal rests on a real conflict
    or on the size cap. (Re-clustering the whole component each round instead of the group was
    less accurate and slower: a link refused in the component's first pass stays refused.)
    """
    sizes = np.bincount(labels, minlength=len(labels))
    in_multi = np.flatnonzero(sizes[labels] > 1)
    if len(in_multi) == 0:
        return labels, 0
    multi = scratch("multi")
    con.register(
        multi,
        pd.DataFrame({"idx": in_multi, "comp": labels[in_multi]}),
    )
    try:
        rows = (
            f"(SELECT m.idx, m.comp, {', '.join(f'n.{c}' for c in CONFLICT_COLUMNS)} "
            f"FROM {multi} m JOIN {Scratch.ids} i USING (idx) JOIN {nodes} n USING (unique_id))"
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {Scratch.nodes} AS
            SELECT * EXCLUDE (comp) FROM {number_support_sql(rows, "comp")}"""
        )
    finally:
        con.unregister(multi)
    try:
        # Each record's name content (what the rules read of its names), numbered by its first
        # record: the names of a pair are tested once per pair of contents (a child's records
        # mostly repeat them). A table of its own: a window over the nodes copied all their
        # columns (docs/performance.md).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {Scratch.name_keys} AS
            SELECT unnest(records) AS idx, list_min(records) AS nk FROM (
                SELECT list(idx) AS records FROM {Scratch.nodes} GROUP BY {", ".join(NAME_CONTENT)})"""
        )
        # Each record's A-number as a code (-1: none): no rule holds between two records of one
        # number (conflicts.conflict_parts; tested), and most pairs inside a component are such
        # pairs.
        held = con.execute(f"SELECT idx, a_number FROM {Scratch.nodes}").fetchnumpy()
        numbers = np.full(len(labels), -1, dtype=np.int64)
        numbers[np.asarray(held["idx"], dtype=np.int64)] = pd.factorize(
            pd.Series(held["a_number"], dtype=object), use_na_sentinel=True
        )[0]
        con.execute(f"CREATE OR REPLACE TEMP TABLE {Scratch.checked} (idx_l BIGINT, idx_r BIGINT)")
        # A bar counting the rounds (how many is not known before: each can find more).
        with progress.steps("clustering round", unit="round") as round_checked:
            return _conflict_rounds(
                con,
                labels,
                links,
                sizes,
                ConflictCheck.of(thresholds),
                numbers=numbers,
                decided=decided,
                round_checked=round_checked,
            )
    finally:
        for table in (Scratch.nodes, Scratch.name_keys, Scratch.checked):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _conflict_rounds(
    con: duckdb.DuckDBPyConnection,
    labels: np.ndarray,
    links: tuple[np.ndarray, np.ndarray],
    sizes: np.ndarray,
    check: ConflictCheck,
    *,
    numbers: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray],
    round_checked: Callable[[], None],
) -> tuple[np.ndarray, int]:
    """The rounds of :func:`_cluster_without_conflicts`: each record's group, links refused.
    ``decided``: reviewers' ``same`` pairs (never a conflict) and ``different`` pairs (always
    one); ``round_checked`` is called as each round's check ends (the progress bar); ``numbers``
    each record's A-number as a code (-1: none)."""
    left, right = links
    edge_key = np.minimum(left, right) * len(labels) + np.maximum(left, right)
    must, cannot = decided
    same_keys = must[:, 0] * len(labels) + must[:, 1]
    cannot = cannot[labels[cannot[:, 0]] == labels[cannot[:, 1]]]
    conflict_a = np.empty(0, dtype=np.int64)  # conflicting pairs of records, as two arrays
    conflict_b = np.empty(0, dtype=np.int64)
    groups = labels
    changed: set[int] | None = None  # components re-clustered in the last round (None: all)
    refused = 0
    for round_ in range(MAX_ROUNDS):
        # Only groups of the components re-clustered last round are new; the pairs inside
        # every other group were checked already.
        active = None if changed is None else np.isin(labels, np.fromiter(changed, np.int64))
        found, checked = conflicts_inside(
            con, (labels, groups), links, (edge_key, numbers), active, check
        )
        if len(same_keys) and len(found):
            low, high = found.min(axis=1), found.max(axis=1)
            found = found[~np.isin(low * len(labels) + high, same_keys)]
        if round_ == 0 and len(cannot):
            found = np.concatenate([found, cannot])
        logger.info(
            "clustering: conflict check round %d: %s pairs checked, %s conflicting",
            round_,
            f"{checked:,}",
            f"{len(found):,}",
        )
        round_checked()
        # A component too large to check on every pair is always re-clustered in round 0,
        # into groups no larger than that (checked on every pair in round 1).
        oversize = set(np.flatnonzero(sizes > check.max_records).tolist()) if round_ == 0 else set()
        if not len(found) and not oversize:
            return groups, refused
        conflict_a = np.concatenate([conflict_a, found[:, 0]])
        conflict_b = np.concatenate([conflict_b, found[:, 1]])
        # Round 0 re-clusters whole components; later rounds only the groups that hold a
        # new conflict, on the links inside them (a group only ever splits).
        base = labels if round_ == 0 else groups
        groups, redone = _resolve_conflicts(
            base,
            links,
            (conflict_a, conflict_b),
            groups=groups,
            redo=set(np.unique(base[found[:, 0]]).tolist()) | oversize,
            max_records=check.max_records,
        )
        refused += sum(redone.values())
        changed = set(np.unique(labels[found[:, 0]]).tolist()) | oversize
    logger.warning(
        "clustering: conflicts still found after %d rounds; some identities may hold "
        "records that conflict",
        MAX_ROUNDS,
    )
    return groups, refused


def _cannot_link(
    labels: np.ndarray, conflicts: tuple[np.ndarray, np.ndarray], suspect: np.ndarray
) -> dict[int, set[int]]:
    """Cannot-link sets of the records in the ``suspect`` components: ``against[a]`` holds the
    records conflicting with record ``a`` in its component."""
    conflict_a, conflict_b = conflicts
    against: dict[int, set[int]] = {}
    inside = np.isin(labels[conflict_a], suspect) & (labels[conflict_a] == labels[conflict_b])
    for a, b in zip(conflict_a[inside].tolist(), conflict_b[inside].tolist(), strict=True):
        against.setdefault(a, set()).add(b)
        against.setdefault(b, set()).add(a)
    return against


def _resolve_conflicts(
    labels: np.ndarray,
    links: tuple[np.ndarray, np.ndarray],
    conflicts: tuple[np.ndarray, np.ndarray],
    *,
    groups: np.ndarray,
    redo: set[int],
    max_records: int,
) -> tuple[np.ndarray, dict[int, int]]:
    """Redo, Kruskal-style with cannot-link checks and the size cap, the components in ``redo``.

    ``labels`` are the connected components (or, in later rounds, the groups of the round before;
    only links inside one label are followed), ``links`` the links strongest first,
    ``conflicts`` the conflicting pairs of records (two arrays of row indexes). The components not
    in ``redo`` keep their label in ``groups``. Returns each record's group (the smallest index in
    it) and the links refused per redone component.
    """
    left, right = links
    suspect = np.fromiter(redo, dtype=np.int64, count=len(redo))
    labels_out = groups.copy()
    members = np.flatnonzero(np.isin(labels, suspect))
    mask = np.isin(labels[left], suspect) & (labels[left] == labels[right])
    parent = {int(i): int(i) for i in members}
    group: dict[int, list[int]] = {int(i): [int(i)] for i in members}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # Cannot-link sets between groups, kept by root: ``against[r]`` holds the roots of the groups
    # that hold a record conflicting with a record of group ``r``.
    against = _cannot_link(labels, conflicts, suspect)
    refused: dict[int, int] = dict.fromkeys(redo, 0)
    for a, b in zip(left[mask].tolist(), right[mask].tolist(), strict=True):  # strongest first
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        if rb in against.get(ra, ()) or len(group[ra]) + len(group[rb]) > max_records:
            refused[int(labels[a])] += 1
            continue
        if len(group[ra]) + len(against.get(ra, ())) < len(group[rb]) + len(against.get(rb, ())):
            ra, rb = rb, ra
        parent[rb] = ra
        group[ra].extend(group.pop(rb))
        _absorb(against, ra, rb)
    for nodes_of_group in group.values():
        labels_out[nodes_of_group] = min(nodes_of_group)
    return labels_out, refused


def _absorb(against: dict[int, set[int]], root: int, absorbed_root: int) -> None:
    """Group ``absorbed_root`` joined group ``root``: its cannot-link set moves to ``root``."""
    absorbed = against.pop(absorbed_root, set())
    if absorbed:
        kept = against.setdefault(root, set())
        for other in absorbed:
            others = against[other]
            others.discard(absorbed_root)
            others.add(root)
            kept.add(other)


def split_single_links(
    labels: np.ndarray, links: tuple[np.ndarray, np.ndarray, np.ndarray], below: float
) -> tuple[np.ndarray, int]:
    """Split each identity where a link below ``below`` is the only link between two groups of at
    least two of its records; return each record's identity and the links so refused.

    One child's records link to each other several ways (the same A-number, name and birth date
    across four agencies), so two groups of a child's records are rarely held together by one
    pair alone. Two children joined by a pair of namesakes are. The weakest such link of an
    identity is cut first, then each part is looked at again, until none is left. A link at or
    above ``below`` is never cut, nor a reviewer's ``same`` (a link of probability 1); ``below``
    of 0 cuts nothing.

    Args:
        labels: each record's identity (the smallest record number in it).
        links: record numbers left and right and the probability of each link, strongest first.
        below: the probability under which a single link is cut.

    Example:
        >>> import numpy as np
        >>> labels = np.zeros(4, dtype=np.int64)  # one identity: 0-1 and 2-3 joined by 1-2
        >>> links = (np.array([0, 2, 1]), np.array([1, 3, 2]), np.array([1.0, 1.0, 0.7]))
        >>> split_single_links(labels, links, 0.99)[0].tolist()
        [0, 0, 2, 2]
    """
    left, right, prob = links
    if below <= 0 or not len(prob):
        return labels, 0
    inside = labels[left] == labels[right]
    sizes = np.bincount(labels, minlength=len(labels))
    weak = inside & (prob < below) & (sizes[labels[left]] >= 4)
    if not weak.any():
        return labels, 0
    weak[weak] = _may_be_single(left[inside], right[inside], left[weak], right[weak])
    if not weak.any():
        return labels, 0
    # Every link inside the identities that hold a weak one, grouped by identity.
    mask = inside & np.isin(labels[left], np.unique(labels[left[weak]]))
    owner, a, b, p = labels[left[mask]], left[mask], right[mask], prob[mask]
    order = np.argsort(owner, kind="stable")
    owner, a, b, p = owner[order], a[order], b[order], p[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    ends = np.r_[starts[1:], len(owner)]
    out = labels.copy()
    cut = 0
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        edges = list(
            zip(a[start:end].tolist(), b[start:end].tolist(), p[start:end].tolist(), strict=True)
        )
        parts, refused = _parts_at_single_links(edges, below)
        cut += refused
        for part in parts:
            out[part] = part.min()
    return out, cut


def _may_be_single(
    left: np.ndarray, right: np.ndarray, weak_left: np.ndarray, weak_right: np.ndarray
) -> np.ndarray:
    """Which of the weak links may be the only link between two groups of two records or more,
    given every link inside the identities (``left``, ``right``): not one whose ends have no
    other link (cut there, a record would be left alone), nor one of a triangle (its ends share
    a third record, so they stay joined without it). Neither changes as an identity is cut, and
    together they leave a few percent of the weak links to look at one by one."""
    ends = np.concatenate([left, right])
    degree = np.bincount(ends)  # the weak links are among the links: their ends are counted
    out = (degree[weak_left] >= 2) & (degree[weak_right] >= 2)
    if not out.any():
        return out
    others = np.concatenate([right, left])
    near = np.isin(ends, np.concatenate([weak_left[out], weak_right[out]]))
    neighbours = pd.DataFrame({"a": ends[near], "b": others[near]})
    edges = pd.DataFrame({"u": weak_left[out], "v": weak_right[out], "k": np.flatnonzero(out)})
    third = edges.merge(neighbours, left_on="u", right_on="a")[["k", "v", "b"]]
    third = third[third["b"] != third["v"]]
    closed = third.merge(neighbours, left_on=["v", "b"], right_on=["a", "b"])["k"].unique()
    out[closed] = False
    return out


def _parts_at_single_links(
    edges: list[tuple[int, int, float]], below: float
) -> tuple[list[np.ndarray], int]:
    """The records of one identity (its links ``edges``) as the parts left when it is cut at
    every single link below ``below`` between two groups of two records or more, weakest first;
    and the number of links cut."""
    work, parts, cut = [edges], [], 0
    while work:
        group = work.pop()
        nodes = np.unique([e[:2] for e in group])
        split = None
        if len(nodes) >= 4:
            weak = sorted((e[2], min(e[:2]), max(e[:2]), i) for i, e in enumerate(group))
            for prob, _, _, i in weak:
                if prob >= below:
                    break
                sides = _sides_without(nodes, group, i)
                if len(sides) == 2 and min(len(side) for side in sides) >= 2:
                    split = (i, sides)
                    break
        if split is None:
            parts.append(nodes)
            continue
        i, sides = split
        cut += 1
        for side in sides:
            members = set(side.tolist())
            work.append([e for j, e in enumerate(group) if j != i and e[0] in members])
    return parts, cut


def _sides_without(
    nodes: np.ndarray, group: list[tuple[int, int, float]], i: int
) -> list[np.ndarray]:
    """The records ``nodes`` (sorted) as they fall apart by the links of ``group`` but its
    ``i``-th: the connected components of :func:`_components`, over the records numbered 0..n-1
    by their place in ``nodes``."""
    rest = np.array([e[:2] for j, e in enumerate(group) if j != i], dtype=np.int64).reshape(-1, 2)
    labels = _components(
        len(nodes), np.searchsorted(nodes, rest[:, 0]), np.searchsorted(nodes, rest[:, 1])
    )
    return [nodes[labels == label] for label in np.unique(labels)]


def lowest_pair_read(thresholds: Thresholds, prevent_conflicts: bool = True) -> float:
    """The lowest probability of a pair clustering reads: the match threshold, or
    ``complementary_probability`` below it (the pairs that may join two identities of
    complementary agencies: :func:`join_complementary`)."""
    floor = float(thresholds.match_probability)
    if prevent_conflicts and thresholds.complementary_probability > 0:
        floor = min(floor, float(thresholds.complementary_probability))
    return floor


def _join_complementary(
    con: duckdb.DuckDBPyConnection,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray],
    labels: np.ndarray,
    thresholds: Thresholds,
    apart: np.ndarray,
) -> tuple[np.ndarray, int]:
    """:func:`join_complementary` over the ``scored`` pairs (record numbers, probabilities) and
    each record's source (the ids scratch table)."""
    at_least = float(thresholds.complementary_probability)
    if at_least <= 0:
        return labels, 0
    names = [r[0] for r in con.execute(f"SELECT DISTINCT source FROM {Scratch.ids}").fetchall()]
    found = con.execute(
        f"SELECT idx, list_position(?, source) AS code FROM {Scratch.ids}", [names]
    ).fetchnumpy()
    codes = np.zeros(len(labels), dtype=np.int64)
    codes[np.asarray(found["idx"], dtype=np.int64)] = np.asarray(found["code"], dtype=np.int64)
    return join_complementary(
        labels,
        scored,
        codes,
        at_least,
        apart=apart,
        max_records=thresholds.max_identity_records,
    )


def join_complementary(
    labels: np.ndarray,
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray],
    sources: np.ndarray,
    at_least: float,
    *,
    apart: np.ndarray | None = None,
    max_records: int = Thresholds().max_identity_records,
) -> tuple[np.ndarray, int]:
    """Join two identities whose records come from different agencies only, when each is the
    other's strongest candidate and their strongest pair scores at least ``at_least``; return
    each record's identity and the number of pairs of identities joined.

    A child's journey leaves a record at each agency it passes (an apprehension, a custody, a
    placement, a court case). When the records of one journey break into two identities, what
    one part lacks the other holds: a CBP record alone and the ICE and HHS records of the same
    name. Two different children rarely complement each other that way (each has its own
    apprehension), and when they do, one of them usually has a better candidate. So a pair of
    identities that share no agency and are each other's best candidate is one child, even
    where the pair alone scored below the match threshold, or a conflict rule refused it
    (docs/accuracy.md). Ties for the strongest candidate join nothing; nor do pairs of
    identities a reviewer kept apart (``apart``: record numbers, ``(n, 2)``), or two that
    would hold more than ``max_records`` records. ``at_least`` of 0 joins none.

    Args:
        labels: each record's identity (the smallest record number in it).
        pairs: record numbers left and right and the probability of each scored pair.
        sources: each record's agency as a small integer code (at most 63 codes).
        at_least: the lowest probability of the strongest pair between the two identities.
        apart: pairs of records a reviewer decided are different children.
        max_records: the identity size cap.

    Example:
        >>> import numpy as np
        >>> labels = np.array([0, 1, 1])  # a CBP record alone, and ICE + HHS records
        >>> pairs = (np.array([0, 0]), np.array([1, 2]), np.array([0.3, 0.2]))
        >>> join_complementary(labels, pairs, np.array([0, 1, 2]), 0.1)[0].tolist()
        [0, 0, 0]
    """
    left, right, prob = pairs
    n = len(labels)
    if at_least <= 0 or not len(prob):
        return labels, 0
    a, b = labels[left], labels[right]
    cross = (a != b) & (prob >= at_least)
    if not cross.any():
        return labels, 0
    # every identity's candidates (both directions), strongest first, ties by the partner
    ends = np.concatenate([a[cross], b[cross]])
    others = np.concatenate([b[cross], a[cross]])
    strength = np.concatenate([prob[cross], prob[cross]])
    order = np.lexsort((others, -strength, ends))
    ends, others, strength = ends[order], others[order], strength[order]
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    best = np.full(n, -1, dtype=np.int64)
    best[ends[first]] = others[first]
    # a tie for the strongest (another partner at the same probability) names no best: an
    # identity's pairs at its strongest probability come first, their partners in order, so
    # the first and the last of them differ exactly when two partners tie
    top = strength == np.repeat(strength[first], np.diff(np.r_[first, len(ends)]))
    last_top = first + np.add.reduceat(top.astype(np.int64), first) - 1
    best[ends[first[others[last_top] != others[first]]]] = -1
    one = np.flatnonzero(best >= 0)
    one = one[(best[best[one]] == one) & (one < best[one])]
    if not len(one):
        return labels, 0
    two = best[one]
    masks = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(masks, labels, np.left_shift(1, sources.astype(np.int64)))
    sizes = np.bincount(labels, minlength=n)
    keep = ((masks[one] & masks[two]) == 0) & (sizes[one] + sizes[two] <= max_records)
    if apart is not None and len(apart):
        x, y = labels[apart[:, 0]], labels[apart[:, 1]]
        kept_apart = np.minimum(x, y) * n + np.maximum(x, y)
        keep &= ~np.isin(one * n + two, kept_apart)
    one, two = one[keep], two[keep]
    if not len(one):
        return labels, 0
    # each identity has one best candidate, so the joins are disjoint pairs: one step each
    mapping = np.arange(n, dtype=np.int64)
    mapping[two] = one
    return mapping[labels], len(one)
