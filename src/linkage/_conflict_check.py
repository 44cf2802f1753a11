"""Clustering's conflict check: which pairs of records inside each group are two children
(:mod:`linkage.conflicts`), found in SQL.

The pairs to check are every pair inside each group (the scored links only, inside a group too
large to check whole) but those of one A-number, for which no rule holds. The rules that read no
names are tested on each pair's own columns; the names are tested once per pair of *name
contents* (what the rules read of a record's names; a child's records mostly repeat them), and
only where a rule that reads them could hold and the cheap test of names passes. A conflict that
only differing given names make is set aside when a third record of the component carries both
sides' given names (:data:`~linkage.conflicts.GIVEN_NAMES_CARRIED_SQL`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from linkage.conflicts import (
    COMPONENT_COLUMNS,
    GIVEN_NAMES_CARRIED_SQL,
    conflict_names_prefilter_sql,
    conflict_parts,
    conflict_sql,
)
from linkage.tables import scratch
from linkage.thresholds import Thresholds

__all__ = [
    "CONFLICT_COLUMNS",
    "NAME_CONTENT",
    "ConflictCheck",
    "Scratch",
    "conflicts_inside",
    "struct_of",
]


#: Pairs joined to their records' columns per query (bounds the memory of the joined rows).
PAIRS_PER_CHUNK = 1_000_000


def _columns_read(sql: str, side: str = "[lr]") -> set[str]:
    """The columns a conflict condition reads of the records ``side`` names (a regex; default
    its two records, ``l.`` and ``r.``)."""
    return set(re.findall(rf"\b{side}\.([a-z_0-9]+)", sql))


#: The model-input columns the conflict conditions read (the same whatever the thresholds), and
#: those the A-number support of the component is counted from; the component's columns
#: (:data:`~linkage.conflicts.COMPONENT_COLUMNS`) are added to them.
CONFLICT_COLUMNS = sorted(
    _columns_read(conflict_sql() + " " + conflict_names_prefilter_sql())
    .union({"source", "a_number", "given_phon_1"})
    .difference(COMPONENT_COLUMNS)
)


#: What the rules read of a record's names (tested once per pair of name contents), and what
#: the rest of them read (tested on every pair of records).
_NAME_COLUMNS = sorted(
    _columns_read(
        " ".join(names for _, names in conflict_parts().values() if names)
        + " "
        + conflict_names_prefilter_sql()
    )
)
_SCALAR_COLUMNS = sorted(_columns_read(" ".join(gate for gate, _ in conflict_parts().values())))
#: The columns that make a record's name content: every one of :data:`_NAME_COLUMNS` but those
#: ``MODEL_INPUT_SQL`` makes from the cleaned names of the token keys alone, and the token keys
#: (the sound lists are read as they are: a record's sounds may not line up with its names).
NAME_CONTENT = tuple(
    sorted(
        set(_NAME_COLUMNS).difference({"given_set", "surname_set", "all_tokens", "given_bigrams"})
        | {"given_token_keys", "surname_token_keys"}
    )
)


#: The columns of each side (``s``) and of the third record (``c``) that
#: :data:`~linkage.conflicts.GIVEN_NAMES_CARRIED_SQL` reads.
_CARRIED_COLUMNS = {
    side: sorted(_columns_read(GIVEN_NAMES_CARRIED_SQL, side)) for side in ("s", "c")
}


def struct_of(name: str, columns: list[str], source: str | None = None) -> str:
    """SQL: ``columns`` of the row ``source`` (default: ``name``) as a struct named ``name``."""
    fields = ", ".join(f"{c} := {source or name}.{c}" for c in columns)
    return f"struct_pack({fields}) AS {name}"


class Scratch:
    """The names of the scratch tables of one clustering run (the records' numbers) and of its
    conflict check."""

    ids = scratch("record_numbers")
    nodes = scratch("conflict_nodes")
    name_keys = scratch("name_keys")
    name_flags = scratch("name_flags")
    decided = scratch("decided_by_rows")
    checked = scratch("checked")
    multi = scratch("multi")
    members = scratch("members")
    scored = scratch("scored")
    to_check = scratch("to_check")
    pair_rows = scratch("pair_rows")
    bridge_pairs = scratch("bridge_pairs")


@dataclass(frozen=True)
class ConflictCheck:
    """A clustering run's conflict test, from its thresholds, in the order it runs: the rules
    that read no names, on a pair's rows; the rules' tests of names (each sets a flag on a pair
    of name contents) on the pairs those leave, with the cheap test before them; every rule that
    reads names but ``given_names_differ`` over the pairs' rows and flags, and that one (a
    conflict a record of the component holding both sides' given names sets aside) apart; and
    the size cap."""

    #: the rules that read no names (one SQL over a pair's rows)
    rows_only: str
    #: each rule that reads names by its flag column: its test of the rows and of the names
    names: dict[str, tuple[str, str]]
    #: the cheap test of names before the costly ones
    names_prefilter: str
    #: when a pair's names need testing at all: one of the rules that read names could hold
    names_needed: str
    #: the rules that read names but ``given_names_differ``, over a pair's rows and flags
    named: str
    #: ``given_names_differ`` over a pair's rows and flags
    given: str
    max_records: int

    @classmethod
    def of(cls, thresholds: Thresholds) -> ConflictCheck:
        parts = conflict_parts(thresholds)
        rows_only = [f"({gate})" for gate, names in parts.values() if names is None]
        named = {
            f"names_{rule}": (gate, names)
            for rule, (gate, names) in parts.items()
            if names is not None
        }
        given = f"names_{_BRIDGEABLE}"
        return cls(
            rows_only=" OR ".join(rows_only),
            names=named,
            names_prefilter=conflict_names_prefilter_sql(),
            names_needed=" OR ".join(f"({gate})" for gate, _ in named.values()),
            named=" OR ".join(
                f"({flag} AND {gate})" for flag, (gate, _) in named.items() if flag != given
            ),
            given=f"{given} AND {named[given][0]}",
            max_records=thresholds.max_identity_records,
        )


#: The conflict rule a third record can set aside (see GIVEN_NAMES_CARRIED_SQL).
_BRIDGEABLE = "given_names_differ"


def conflicts_inside(
    con: duckdb.DuckDBPyConnection,
    partition: tuple[np.ndarray, np.ndarray],
    links: tuple[np.ndarray, np.ndarray],
    keys: tuple[np.ndarray, np.ndarray],
    active: np.ndarray | None,
    check: ConflictCheck,
) -> tuple[np.ndarray, int]:
    """Conflicting pairs (row indexes, an ``(n, 2)`` array) inside the groups, among the pairs
    not checked before, and the number of pairs checked; only records where ``active`` is true
    (None: all) count. ``partition`` is the components and the groups inside them; a conflict
    that only differing given names make is set aside when a record of the component carries
    both sides' given names (:data:`~linkage.conflicts.GIVEN_NAMES_CARRIED_SQL`)."""
    components, groups = partition
    try:
        checked = _pairs_to_check(con, groups, links, keys, active, check.max_records)
        rows: list[np.ndarray] = []
        bridgeable: list[np.ndarray] = []
        for start in range(0, checked, PAIRS_PER_CHUNK):
            # The pairs are joined to the columns the rules read besides names, and to the
            # number of each side's name content; the names are tested once per pair of
            # contents, only where a rule that reads them could hold, the costly tests only on
            # the contents that pass the cheap one (no lambdas). Each test is in a WHERE clause
            # of its own MATERIALIZED step: DuckDB then tests it on the rows the step before
            # left (a projection of an OR computed every rule on every row, 5x slower; a
            # condition next to a join was moved into the hash join, 10x slower).
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {Scratch.pair_rows} AS
                SELECT c.idx_l, c.idx_r, kl.nk AS nk_l, kr.nk AS nk_r,
                    {struct_of("l", _SCALAR_COLUMNS)}, {struct_of("r", _SCALAR_COLUMNS)}
                FROM {Scratch.to_check} c
                JOIN {Scratch.nodes} l ON l.idx = c.idx_l
                JOIN {Scratch.nodes} r ON r.idx = c.idx_r
                JOIN {Scratch.name_keys} kl ON kl.idx = c.idx_l
                JOIN {Scratch.name_keys} kr ON kr.idx = c.idx_r
                WHERE c.chunk_row > {start} AND c.chunk_row <= {start + PAIRS_PER_CHUNK}"""
            )
            # the rules that read no names first; the names only of the pairs they leave
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {Scratch.decided} AS
                SELECT idx_l, idx_r FROM {Scratch.pair_rows} WHERE {check.rows_only}"""
            )
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {Scratch.pair_rows} AS
                SELECT * FROM {Scratch.pair_rows} p WHERE ({check.names_needed}) AND NOT EXISTS (
                    SELECT 1 FROM {Scratch.decided} d WHERE d.idx_l = p.idx_l AND d.idx_r = p.idx_r)"""
            )
            _flag_names(con, check)
            found = con.execute(
                f"""WITH flagged AS MATERIALIZED (
                        SELECT * FROM {Scratch.pair_rows} JOIN {Scratch.name_flags} USING (nk_l, nk_r)),
                    other AS MATERIALIZED (
                        SELECT idx_l, idx_r FROM flagged WHERE {check.named}),
                    rest AS MATERIALIZED (
                        SELECT * FROM flagged c WHERE NOT EXISTS (
                            SELECT 1 FROM other o WHERE o.idx_l = c.idx_l AND o.idx_r = c.idx_r))
                    SELECT idx_l, idx_r, FALSE AS given_only FROM {Scratch.decided}
                    UNION ALL
                    SELECT idx_l, idx_r, FALSE FROM other
                    UNION ALL
                    SELECT idx_l, idx_r, TRUE FROM rest WHERE {check.given}"""
            ).fetchnumpy()
            rows.append(
                np.column_stack([found["idx_l"], found["idx_r"]]).astype(np.int64).reshape(-1, 2)
            )
            bridgeable.append(np.asarray(found["given_only"], dtype=bool))
    finally:
        for table in (Scratch.to_check, Scratch.pair_rows, Scratch.decided, Scratch.name_flags):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    if not rows:
        return np.empty((0, 2), dtype=np.int64), int(checked)
    pairs, given_only = np.concatenate(rows), np.concatenate(bridgeable)
    if given_only.any():
        candidates = np.flatnonzero(given_only)
        bridged = candidates[_bridged(con, pairs[candidates], components)]
        pairs = np.delete(pairs, bridged, axis=0)
    return pairs, int(checked)


def _flag_names(con: duckdb.DuckDBPyConnection, check: ConflictCheck) -> None:
    """The name-flags scratch table: for each pair of name contents of the pair rows whose names
    make a rule hold, which rules (one boolean column per rule that reads names). A rule's names
    are tested only on the contents of pairs its other test holds for (``surnames_differ``'s only
    where two A-numbers differ)."""
    needs = ", ".join(
        f"coalesce(bool_or({gate}), FALSE) AS need_{flag}"
        for flag, (gate, _) in check.names.items()
    )
    # Each step on what the one before left: the contents that pass the cheap test, those a rule
    # needs, then its costly test (DuckDB tests the terms of an AND in an order of its own).
    tests = ", ".join(
        f"need_{flag} AS MATERIALIZED (SELECT * FROM passing WHERE need_{flag}), "
        f"{flag} AS MATERIALIZED (SELECT nk_l, nk_r FROM need_{flag} WHERE {names})"
        for flag, (_, names) in check.names.items()
    )
    found = " UNION ALL ".join(
        f"SELECT nk_l, nk_r, '{flag}' AS flag FROM {flag}" for flag in check.names
    )
    columns = ", ".join(f"bool_or(flag = '{flag}') AS {flag}" for flag in check.names)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {Scratch.name_flags} AS
        WITH keys AS MATERIALIZED (
            SELECT nk_l, nk_r, {needs} FROM {Scratch.pair_rows} GROUP BY nk_l, nk_r),
        named AS MATERIALIZED (
            SELECT k.*, {struct_of("l", _NAME_COLUMNS, "a")}, {struct_of("r", _NAME_COLUMNS, "b")}
            FROM keys k JOIN {Scratch.nodes} a ON a.idx = k.nk_l JOIN {Scratch.nodes} b ON b.idx = k.nk_r),
        passing AS MATERIALIZED (SELECT * FROM named WHERE {check.names_prefilter}),
        {tests}
        SELECT nk_l, nk_r, {columns} FROM ({found}) GROUP BY ALL"""
    )


def _bridged(
    con: duckdb.DuckDBPyConnection, pairs: np.ndarray, components: np.ndarray
) -> np.ndarray:
    """Which of ``pairs`` (a conflict of given names only) a third record of their component
    bridges, carrying the given names of both."""
    comps = components[pairs[:, 0]]
    members = np.flatnonzero(np.isin(components, np.unique(comps)))
    con.register(
        Scratch.bridge_pairs,
        pd.DataFrame(
            {"i": np.arange(len(pairs)), "idx_a": pairs[:, 0], "idx_b": pairs[:, 1], "comp": comps}
        ),
    )
    con.register(Scratch.members, pd.DataFrame({"idx": members, "comp": components[members]}))
    try:
        # The test reads only names: one side's given names against a third record's names.
        # So it runs once per pair of name contents (namesakes of a large component repeat
        # them), not once per (pair, third record): that was 503,122 triples for 2,924 pairs in
        # 18 components at 500,000 children. Cheap first: a third record has two given names or
        # more and shares a name (or its sound) with the side, found by joining on the names
        # within the component. A third record whose content carries both sides' names is
        # neither side: a side that carried the other's given names would not conflict with it.
        # a side's content: what the test reads of it, and the names the cheap join reads
        side = sorted({*_CARRIED_COLUMNS["s"], "given_set", "given_phon_set"})
        found = con.execute(
            f"""WITH
            p AS (SELECT * FROM {Scratch.bridge_pairs}),
            s_rows AS MATERIALIZED (
                SELECT x.comp, x.idx, {struct_of("s", side, "n")}
                FROM (SELECT comp, idx_a AS idx FROM p UNION SELECT comp, idx_b FROM p) x
                JOIN {Scratch.nodes} n USING (idx)),
            s_content AS MATERIALIZED (
                SELECT s, row_number() OVER () AS sk FROM (SELECT DISTINCT s FROM s_rows)),
            s_keyed AS MATERIALIZED (
                SELECT r.comp, r.idx, k.sk FROM s_rows r JOIN s_content k
                ON r.s IS NOT DISTINCT FROM k.s),
            c_rows AS MATERIALIZED (
                SELECT DISTINCT m.comp, {struct_of("c", _CARRIED_COLUMNS["c"], "n")}
                FROM {Scratch.members} m JOIN {Scratch.nodes} n USING (idx)
                WHERE len(n.given_set) >= 2),
            c_content AS MATERIALIZED (
                SELECT c, row_number() OVER () AS ck FROM (SELECT DISTINCT c FROM c_rows)),
            c_keyed AS MATERIALIZED (
                SELECT r.comp, k.ck FROM c_rows r JOIN c_content k
                ON r.c IS NOT DISTINCT FROM k.c),
            c_tokens AS MATERIALIZED (
                SELECT x.comp, x.ck, t.t FROM c_keyed x JOIN (
                    SELECT ck, unnest(c.all_tokens) AS t FROM c_content
                    UNION SELECT ck, '~' || unnest(c.all_phonetic) FROM c_content) t USING (ck)),
            s_tokens AS (
                SELECT x.comp, x.sk, t.t FROM (SELECT DISTINCT comp, sk FROM s_keyed) x JOIN (
                    SELECT sk, unnest(s.given_set) AS t FROM s_content
                    UNION SELECT sk, '~' || unnest(s.given_phon_set) FROM s_content) t USING (sk)),
            candidates AS MATERIALIZED (
                SELECT DISTINCT s.comp, s.sk, c.ck FROM s_tokens s JOIN c_tokens c USING (comp, t)),
            carried AS MATERIALIZED (
                SELECT x.sk, x.ck FROM (SELECT DISTINCT sk, ck FROM candidates) x
                JOIN s_content USING (sk) JOIN c_content USING (ck)
                WHERE {GIVEN_NAMES_CARRIED_SQL}),
            carrying AS MATERIALIZED (
                SELECT comp, sk, ck FROM candidates JOIN carried USING (sk, ck)),
            pair_keys AS MATERIALIZED (
                SELECT p.i, p.comp, a.sk AS sk_a, b.sk AS sk_b FROM p
                JOIN s_keyed a ON a.idx = p.idx_a JOIN s_keyed b ON b.idx = p.idx_b),
            carried_a AS MATERIALIZED (
                SELECT q.i, x.ck FROM pair_keys q
                JOIN carrying x ON x.comp = q.comp AND x.sk = q.sk_a),
            carried_b AS MATERIALIZED (
                SELECT q.i, x.ck FROM pair_keys q
                JOIN carrying x ON x.comp = q.comp AND x.sk = q.sk_b)
            SELECT DISTINCT i FROM carried_a JOIN carried_b USING (i, ck)"""
        ).fetchnumpy()
    finally:
        con.unregister(Scratch.bridge_pairs)
        con.unregister(Scratch.members)
    bridged = np.zeros(len(pairs), dtype=bool)
    bridged[np.asarray(found["i"], dtype=np.int64)] = True
    return bridged


def _pairs_to_check(
    con: duckdb.DuckDBPyConnection,
    groups: np.ndarray,
    links: tuple[np.ndarray, np.ndarray],
    keys: tuple[np.ndarray, np.ndarray],
    active: np.ndarray | None,
    max_records: int,
) -> int:
    """Fill the to-check scratch table with the pairs inside the groups not checked before
    (every pair of a group up to ``max_records``, the scored links of a larger one) but those
    of one A-number, which no rule can hold for, numbered for chunking, and add them to the
    checked table; return how many there are. ``keys``: each link's key (``min * n + max`` of
    its records) and each record's A-number code (-1: none)."""
    left, right = links
    edge_key, numbers = keys
    sizes = np.bincount(groups, minlength=len(groups))
    keep = (sizes[groups] > 1) & (sizes[groups] <= max_records)
    if active is not None:
        keep &= active
    members = np.flatnonzero(keep)
    big = (sizes[groups[left]] > max_records) & (groups[left] == groups[right])
    if active is not None:
        big &= active[left]
    n = len(groups)
    scored = np.unique(edge_key[big])
    scored_l, scored_r = scored // n, scored % n
    apart = (numbers[scored_l] < 0) | (numbers[scored_l] != numbers[scored_r])
    con.register(
        Scratch.members,
        pd.DataFrame({"idx": members, "grp": groups[members], "num": numbers[members]}),
    )
    con.register(Scratch.scored, pd.DataFrame({"idx_l": scored_l[apart], "idx_r": scored_r[apart]}))
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {Scratch.to_check} AS
            SELECT idx_l, idx_r, row_number() OVER () AS chunk_row FROM (
                SELECT a.idx AS idx_l, b.idx AS idx_r
                FROM {Scratch.members} a JOIN {Scratch.members} b
                  ON a.grp = b.grp AND a.idx < b.idx
                WHERE a.num < 0 OR a.num <> b.num
                UNION ALL SELECT idx_l, idx_r FROM {Scratch.scored}
                EXCEPT SELECT idx_l, idx_r FROM {Scratch.checked})"""
        )
    finally:
        con.unregister(Scratch.members)
        con.unregister(Scratch.scored)
    con.execute(f"INSERT INTO {Scratch.checked} SELECT idx_l, idx_r FROM {Scratch.to_check}")
    return int(con.execute(f"SELECT count(*) FROM {Scratch.to_check}").fetchall()[0][0])
