"""Blocking rules and the comparison count that is checked before anything is predicted.

A rule is a plain value: the columns that must be equal on both sides (or, for a crossed rule,
left columns equal to right columns). Its Splink form is produced late (:meth:`BlockingRule.splink`)
and its cost is counted in SQL from group sizes, without forming a single pair, so that a rule that
would explode on this population (``dob`` alone over a million children with 1-January birth dates)
stops with :class:`~linkage.errors.BlockingError` instead of exhausting memory.

**Blocks bounded by their size** (frequency-aware blocking). A block grows with the population
(twice the children: twice the namesakes born on a 1 January, four times their pairs), so fixed
keys give candidate pairs that grow with the square of the records. A rule with ``max_block``
keeps a block of at most that many records whole; a bigger block is split by the rule's
``refine`` columns, one more at a time, only as far as needed (a block of ``LOPEZ`` born on
1 January 2006 is split by the given initial, then by country); a block still too big once every
``refine`` column is used is scored as a sorted neighbourhood: each record is paired with the
``max_block // 2`` records before and after it in birth date and name order. No record then has
more than about ``max_block`` candidates by a plain rule, whatever the size of the population. (A
crossed rule, given name against surname, is refined the same way but never windowed: its last
refinement is kept whatever its size.) The split is decided on the whole table
(:func:`add_block_keys`), so a full run and an update of the store (:func:`pairs_touching_sql`)
form the same pairs from the same records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
from splink import block_on

from linkage.engine import rows_in_order
from linkage.errors import BlockingError

__all__ = [
    "BlockingRule",
    "DEFAULT_BLOCKING_RULES",
    "DEFAULT_MAX_BLOCK",
    "DEFAULT_MAX_COMPARISONS",
    "NARROW_MAX_BLOCK",
    "add_block_keys",
    "count_comparisons",
    "drop_block_keys",
    "missing_block_keys",
    "pairs_touching_sql",
]

#: Above this many candidate pairs `link` stops before predicting (override with max_comparisons).
DEFAULT_MAX_COMPARISONS = 150_000_000

#: A block of more records than this is split (``refine``) or scored as a sorted neighbourhood.
DEFAULT_MAX_BLOCK = 50
#: The bound of the rules whose big blocks hold the fewest pairs no other rule forms (birth date
#: with the paternal surname's sound; the two fortnight rules): at 500,000 children halving their
#: bound drops 11% of the candidate pairs and 0.00002 of the true pairs connected
#: (docs/performance.md#a-smaller-bound-for-three-rules).
NARROW_MAX_BLOCK = 25

#: The order of the records of a block still too big once refined: a record's neighbours in it
#: are those born closest, then with the closest name (``unique_id`` makes it total).
NEIGHBOURHOOD_ORDER = ("dob", "name_phon_key", "unique_id")


@dataclass(frozen=True, kw_only=True)
class BlockingRule:
    """Candidate pairs agree on ``columns`` (or left ``columns`` equal right ``right_columns``)."""

    name: str
    columns: tuple[str, ...]
    right_columns: tuple[str, ...] | None = None
    #: Blocks of more records than this are split by ``refine`` (None: never split).
    max_block: int | None = None
    #: The columns that split a block of more than ``max_block`` records, one more at a time.
    refine: tuple[str, ...] = ()

    @property
    def bounded(self) -> bool:
        """Whether the rule's blocks are bounded by ``max_block`` (read through key columns)."""
        return self.max_block is not None

    @property
    def key(self) -> str:
        """The stem of the key columns :func:`add_block_keys` adds for this rule (``blk_`` and a
        digest of the rule, so that two rules never share a column)."""
        spec = repr((self.columns, self.right_columns, self.max_block, self.refine))
        return "blk_" + hashlib.sha1(spec.encode()).hexdigest()[:10]

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns :func:`add_block_keys` adds for a bounded rule (none for another)."""
        if not self.bounded:
            return ()
        if self.right_columns is None:
            return (self.key, f"{self.key}_pos")
        return (f"{self.key}_lkey", f"{self.key}_rkey")

    @property
    def join_columns(self) -> tuple[str, ...]:
        """The columns :meth:`sql` reads: the key columns of a bounded rule, else its own."""
        return self.key_columns or (*self.columns, *(self.right_columns or ()))

    @property
    def input_columns(self) -> tuple[str, ...]:
        """The columns of the model input the rule reads."""
        order = NEIGHBOURHOOD_ORDER if self.bounded and self.right_columns is None else ()
        seen = dict.fromkeys((*self.columns, *(self.right_columns or ()), *self.refine, *order))
        return tuple(seen)

    def splink(self) -> object:
        """The rule as Splink takes it (backend-neutral SQL), without its bound: the settings a
        model is trained with (predicting reads :meth:`sql` over the key columns)."""
        if self.right_columns is None:
            return block_on(*self.columns)
        conditions = [
            f"l.{a} = r.{b}" for a, b in zip(self.columns, self.right_columns, strict=True)
        ]
        return " AND ".join(conditions)

    def sql(self) -> str:
        """The join condition, ``l.`` and ``r.`` prefixed. A bounded rule reads the key columns
        of :func:`add_block_keys` (the table it joins must have them)."""
        if self.bounded:
            if self.right_columns is None:
                window = max(1, int(self.max_block or 0) // 2)
                return (
                    f"l.{self.key} = r.{self.key} AND "
                    f"abs(l.{self.key}_pos - r.{self.key}_pos) <= {window}"
                )
            return f"l.{self.key}_lkey = r.{self.key}_rkey"
        right = self.right_columns or self.columns
        return " AND ".join(f"l.{a} = r.{b}" for a, b in zip(self.columns, right, strict=True))

    def plain_sql(self) -> str:
        """The rule's condition on its own columns, without the bound (for messages)."""
        right = self.right_columns or self.columns
        return " AND ".join(f"l.{a} = r.{b}" for a, b in zip(self.columns, right, strict=True))


DEFAULT_BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(name="same A-number", columns=("a_number",)),
    BlockingRule(name="same dob (day and month either way) and paternal surname sound",
                 columns=("dob_swap_key", "surname_phon_1"),
                 max_block=NARROW_MAX_BLOCK, refine=("given_initial", "country")),
    BlockingRule(name="same dob (day and month either way) and first given name sound",
                 columns=("dob_swap_key", "given_phon_1"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("surname_prefix", "country")),
    BlockingRule(name="same name tokens by sound, in any order or role", columns=("name_phon_key",),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "dob_year")),
    BlockingRule(name="same first given and paternal surname sound, birth day and month (age determination)",
                 columns=("given_phon_1", "surname_phon_1", "dob_month", "dob_day"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "sex")),
    BlockingRule(name="same surnames' sound, given initial and birth year",
                 columns=("surname_phon_1", "surname_phon_2", "given_initial", "dob_year"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "given_phon_1")),
    BlockingRule(name="same surnames' sound, birth day and month",
                 columns=("surname_phon_1", "surname_phon_2", "dob_month", "dob_day"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("given_initial", "country")),
    BlockingRule(name="same first given and paternal surname sound, events in the same fortnight",
                 columns=("given_phon_1", "surname_phon_1", "event_fortnight"),
                 max_block=NARROW_MAX_BLOCK, refine=("country", "dob_year")),
    BlockingRule(name="same first given and paternal surname sound, events in the same fortnight (offset a week)",
                 columns=("given_phon_1", "surname_phon_1", "event_fortnight_offset"),
                 max_block=NARROW_MAX_BLOCK, refine=("country", "dob_year")),
    BlockingRule(name="same given names and country, events in the same fortnight",
                 columns=("given_key", "country", "event_fortnight_offset"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("surname_prefix", "dob_year")),
    # names garbled on one side (a typo in each name, run together, swapped): the birth date and
    # the journey's fortnight still agree (docs/performance.md: true pairs connected)
    BlockingRule(name="same dob (day and month either way), country and sex, events in the same fortnight (offset a week)",
                 columns=("dob_swap_key", "country", "sex", "event_fortnight_offset"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("given_initial",)),
    # a given name and the birth date both garbled (a typo inside the given name, a placeholder
    # or moved birth date): the surname's first sounds, the given initial and the journey agree
    # (docs/linking.md section 3)
    BlockingRule(name="same surname's first sounds, given initial and country, events in the same fortnight (offset a week)",
                 columns=("surname_prefix", "given_initial", "country", "event_fortnight_offset"),
                 max_block=NARROW_MAX_BLOCK, refine=("dob_year",)),
    BlockingRule(name="given and family names swapped, same birth year",
                 columns=("given_phon_1", "surname_phon_1", "dob_year"),
                 right_columns=("surname_phon_1", "given_phon_1", "dob_year"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "sex")),
    BlockingRule(name="given and family names swapped, same dob",
                 columns=("given_phon_1", "dob"), right_columns=("surname_phon_1", "dob"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "sex")),
    # Splink puts the record with the smaller unique_id on the left: a crossed rule needs its mirror.
    BlockingRule(name="given and family names swapped, same dob (mirror)",
                 columns=("surname_phon_1", "dob"), right_columns=("given_phon_1", "dob"),
                 max_block=DEFAULT_MAX_BLOCK, refine=("country", "sex")),
)  # fmt: skip


def count_comparisons(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rules: Sequence[BlockingRule],
    *,
    max_comparisons: int = DEFAULT_MAX_COMPARISONS,
) -> pd.DataFrame:
    """Count the candidate pairs each rule generates, and stop if there are too many.

    Counts are from group sizes (``sum(n * (n - 1) / 2)`` per key; ``sum(n_left * n_right)`` for a
    crossed rule; a bounded rule's blocks as :func:`add_block_keys` cuts them, its key columns
    read from ``table`` or worked out here when it lacks them), before deduplication across rules,
    so they are an upper bound on the pairs Splink will score. ``largest_block`` is a bounded
    rule's largest block once refined (pairs beyond its window in it are not counted).

    Raises:
        BlockingError: when the total exceeds ``max_comparisons``, naming the rule that costs most
            and its largest blocks.
    """
    if missing_block_keys(con, table, rules):
        # the blocks as :func:`add_block_keys` cuts them, on a copy dropped after counting
        keyed = add_block_keys(con, rules, table, _COUNT_KEYS)
        try:
            return count_comparisons(con, keyed, rules, max_comparisons=max_comparisons)
        finally:
            drop_block_keys(con, _COUNT_KEYS)
    keys_table = _keys_beside(con, table, rules)
    rows = []
    for rule in rules:
        cols = list(rule.columns)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        if rule.bounded and rule.right_columns is None:
            # a block of n: every pair, or each record with the `window` after it
            window = max(1, int(rule.max_block or 0) // 2)
            count, biggest = con.execute(
                f"""SELECT coalesce(sum(CASE WHEN windowed AND n - 1 > {window}
                                         THEN {window} * n - {window * (window + 1) // 2}
                                         ELSE n * (n - 1) / 2 END), 0), coalesce(max(n), 0)
                FROM (SELECT count(*) AS n, max({rule.key}_pos) > 0 AS windowed FROM {keys_table}
                      WHERE {rule.key} IS NOT NULL GROUP BY {rule.key})"""
            ).fetchall()[0]
        elif rule.bounded:
            count, biggest = con.execute(
                f"""SELECT coalesce(sum(l.n * r.n), 0), coalesce(max(l.n * r.n), 0) FROM
                (SELECT {rule.key}_lkey AS k, count(*) n FROM {keys_table} WHERE {rule.key}_lkey IS NOT NULL GROUP BY 1) l
                JOIN (SELECT {rule.key}_rkey AS k, count(*) n FROM {keys_table} WHERE {rule.key}_rkey IS NOT NULL GROUP BY 1) r
                USING (k)"""
            ).fetchall()[0]
        elif rule.right_columns is None:
            key = ", ".join(cols)
            count, biggest = con.execute(
                f"SELECT coalesce(sum(n * (n - 1) / 2), 0), coalesce(max(n), 0) "
                f"FROM (SELECT count(*) AS n FROM {table} WHERE {not_null} GROUP BY {key})"
            ).fetchall()[0]
        else:
            right = list(rule.right_columns)
            r_not_null = " AND ".join(f"{c} IS NOT NULL" for c in right)
            lk = ", ".join(f"{a} AS k{i}" for i, a in enumerate(cols))
            rk = ", ".join(f"{b} AS k{i}" for i, b in enumerate(right))
            keys = ", ".join(f"k{i}" for i in range(len(cols)))  # the join's columns
            count, biggest = con.execute(
                f"""SELECT coalesce(sum(l.n * r.n), 0), coalesce(max(l.n * r.n), 0) FROM
                    (SELECT {lk}, count(*) n FROM {table} WHERE {not_null} GROUP BY ALL) l JOIN
                    (SELECT {rk}, count(*) n FROM {table} WHERE {r_not_null} GROUP BY ALL) r USING ({keys})"""
            ).fetchall()[0]
        rows.append(
            {
                "rule": rule.name,
                "sql": rule.plain_sql(),
                "comparisons": int(count),
                "largest_block": int(biggest),
            }
        )
    frame = pd.DataFrame(rows)
    total = int(frame["comparisons"].sum()) if len(frame) else 0
    if total > max_comparisons:
        worst = frame.sort_values("comparisons", ascending=False).iloc[0]
        raise BlockingError(
            f"the blocking rules would compare {total:,} record pairs, more than the limit of "
            f"{max_comparisons:,}; the costliest rule is {worst['rule']!r} ({worst['sql']}) with "
            f"{int(worst['comparisons']):,} pairs and a largest block of {int(worst['largest_block']):,} "
            "records. Fix: make that rule stricter (add a column), drop it, or raise "
            "max_comparisons if the machine has the memory"
        )
    return frame


def pairs_touching_sql(rules: Sequence[BlockingRule], *, records: str, new: str) -> str:
    """The candidate pairs of ``records`` that hold at least one record of ``new``, as SQL.

    The same pairs a full blocking of ``records`` would form (``unique_id_l < unique_id_r``, each
    rule read with the smaller id on the left, as Splink reads it), restricted to those touching a
    record of ``new`` (a subset of ``records``), and found from ``new``'s side: each join probes
    ``records`` with the few new rows, so the cost grows with the new records, not with all of
    them. Columns: ``match_key`` (the first rule that forms the pair), ``join_key_l``,
    ``join_key_r`` (unique ids), the table Splink scores with
    ``register_blocked_pairs_for_predict``.

    Example:
        >>> rule = BlockingRule(name="same A-number", columns=("a_number",))
        >>> "JOIN r AS r ON l.a_number = r.a_number" in pairs_touching_sql(
        ...     [rule], records="r", new="n")
        True
    """
    parts = []
    for key, rule in enumerate(rules):
        condition = rule.sql()
        parts.append(
            f"SELECT {key} AS match_key, l.unique_id AS join_key_l, r.unique_id AS join_key_r "
            f"FROM {new} AS l JOIN {records} AS r ON {condition} WHERE l.unique_id < r.unique_id"
        )
        parts.append(
            f"SELECT {key} AS match_key, l.unique_id AS join_key_l, r.unique_id AS join_key_r "
            f"FROM {records} AS l JOIN {new} AS r ON {condition} WHERE l.unique_id < r.unique_id"
        )
    union = "\nUNION ALL\n".join(parts)
    return (
        "SELECT CAST(min(match_key) AS VARCHAR) AS match_key, join_key_l, join_key_r "
        f"FROM ({union}) GROUP BY join_key_l, join_key_r"
    )


def form_candidate_pairs(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[BlockingRule],
    table: str,
    *,
    ids: str,
    out: str,
) -> int:
    """Create table ``out`` (``join_key_l, join_key_r``): every candidate pair of ``table`` by
    ``rules``, once, as the integer ids of table ``ids`` (``unique_id`` and ``uid``, numbered in the
    order of ``unique_id``, so that ``join_key_l < join_key_r`` is the order Splink reads a pair
    in); return how many pairs.

    The pairs Splink's own blocking forms from the same rules, found another way (about half the
    time at 250,000 children: docs/performance.md): each rule joins a narrow integer copy of the
    columns the rules read, every rule's pairs are put together, and a pair formed by several
    rules is kept once (``DISTINCT`` on the two ids packed into one integer), where Splink tests,
    for each rule's pairs, every earlier rule's condition on the two wide rows. Which rule formed
    a pair is not kept (nothing reads it).
    """
    if not rules:
        con.execute(f"CREATE OR REPLACE TABLE {out} (join_key_l INTEGER, join_key_r INTEGER)")
        return 0
    needed = dict.fromkeys(c for rule in rules for c in rule.join_columns)
    narrow = f"{out}_narrow"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {narrow} AS
        SELECT i.uid, {", ".join(f"t.{c}" for c in needed)}
        FROM {table} AS t JOIN {ids} AS i USING (unique_id)"""
    )
    try:
        union = " UNION ALL ".join(
            f"SELECT (l.uid::BIGINT << 32) | r.uid AS k FROM {narrow} AS l JOIN {narrow} AS r "
            f"ON {rule.sql()} WHERE l.uid < r.uid"
            for rule in rules
        )
        con.execute(
            f"""CREATE OR REPLACE TABLE {out} AS
            SELECT CAST(k >> 32 AS INTEGER) AS join_key_l, CAST(k & 4294967295 AS INTEGER) AS join_key_r
            FROM (SELECT DISTINCT k FROM ({union}))"""
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {narrow}")
    return int(con.execute(f"SELECT count(*) FROM {out}").fetchall()[0][0])


def _keys_beside(con: duckdb.DuckDBPyConnection, table: str, rules: Sequence[BlockingRule]) -> str:
    """Where the bounded rules' key columns of ``table`` can be read alone: the keys table
    ``<table>_keys`` when ``table`` is the view :func:`add_block_keys` made over it (counting on
    the view joins the whole input to its keys for every rule: docs/performance.md), else
    ``table`` itself."""
    needed = {c for rule in rules for c in rule.key_columns}
    found = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND NOT internal", [table]
    ).fetchall()[0][0]
    if not needed or not found:
        return table
    present = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [f"{table}_keys"]
        ).fetchall()
    }
    return f"{table}_keys" if needed <= present else table


#: The keyed copy :func:`count_comparisons` makes of a table without key columns.
_COUNT_KEYS = "linkage_tmp_count_block_keys"


def missing_block_keys(
    con: duckdb.DuckDBPyConnection, table: str, rules: Sequence[BlockingRule]
) -> bool:
    """Whether ``table`` lacks a key column of a bounded rule of ``rules`` (see
    :func:`add_block_keys`)."""
    needed = {c for rule in rules for c in rule.key_columns}
    if not needed:
        return False
    present = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    return not needed <= present


def _hash(level: int, columns: Sequence[str]) -> str:
    listed = ", ".join(columns)
    return f"hash({level}, {listed})"


def _not_null(columns: Sequence[str]) -> str:
    return " AND ".join(f"{c} IS NOT NULL" for c in columns)


def add_block_keys(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[BlockingRule],
    table: str,
    out: str,
    *,
    since: tuple[str, str] | None = None,
) -> str:
    """Create view ``out``: ``table`` with the key columns of its bounded rules added
    (:attr:`BlockingRule.key_columns`, held in table ``<out>_keys`` with ``unique_id``); return
    ``out`` (or ``table`` when no rule is bounded, leaving ``out`` unmade).

    A plain rule's block is its columns' values, then those and the first ``refine`` column while
    the block holds more than ``max_block`` records, and so on; the key is a hash of the level and
    the values. Its position is 0 in a block of at most ``max_block`` records, else the record's
    rank in :data:`NEIGHBOURHOOD_ORDER` (the sorted neighbourhood). A crossed rule's left and
    right keys are refined while the pairs of the block (left records times right records) exceed
    ``max_block ** 2 / 2``; the last refinement is kept whatever its size. Each key is decided on
    the whole of ``table`` (a block's size is a count over it), so the same records give the same
    keys in a full run and in an update. The keys are worked out rule by rule on a narrow copy of
    ``table`` (hashes, no name lists) and joined back once.

    ``since``: ``(keys, changed)``, the keys table of an earlier cut (``unique_id`` and the key
    columns, as ``<out>_keys`` holds them) and a query of the rows changed since then (the new
    rows, and the earlier version of each revised row). Then only the blocks that a changed row
    falls in (its first-level block by a rule) are cut again, on every record of ``table`` in
    them: a block's size, the refinements of it and the positions in it depend on its own records
    only, so every other record keeps its keys from ``keys``, the keys a cut of the whole of
    ``table`` gives. The records whose keys differ from those of ``keys`` (or that ``keys``
    lacks), and the changed rows' records, are listed in table ``<out>_moved``: most records of
    a block cut again keep their keys. (Records are never taken away: every record of ``keys``
    is one of ``table``.)
    """
    bounded = [r for r in rules if r.bounded]
    if not bounded:
        return table
    narrow, parts = f"{out}_narrow", [f"{out}_k{i}" for i in range(len(bounded))]
    hashes: list[str] = []
    for i, rule in enumerate(bounded):
        depth = len(rule.refine) + 1
        if rule.right_columns is None:
            levels = [(*rule.columns, *rule.refine[:j]) for j in range(depth)]
            hashes += [f"{_hash(j, level)} AS h{i}_{j}" for j, level in enumerate(levels)]
            hashes.append(f"{_not_null(rule.columns)} AS ok{i}")
        else:
            left = [(*rule.columns, *rule.refine[:j]) for j in range(depth)]
            right = [(*rule.right_columns, *rule.refine[:j]) for j in range(depth)]
            hashes += [f"{_hash(j, left[j])} AS l{i}_{j}" for j in range(depth)]
            hashes += [f"{_hash(j, right[j])} AS r{i}_{j}" for j in range(depth)]
            hashes.append(f"{_not_null(rule.columns)} AS lok{i}")
            hashes.append(f"{_not_null(rule.right_columns)} AS rok{i}")
    order = ", ".join(NEIGHBOURHOOD_ORDER)
    if since is not None:
        return _recut_block_keys(con, bounded, table, out, since=since, hashes=hashes)
    con.execute(f"DROP TABLE IF EXISTS {out}_moved")  # every record is cut: none listed
    # ``ord``: each record's rank in the neighbourhood order, an integer that also joins the keys
    # (ranked on the order's columns alone, then joined: a window beside the hashes sorted them)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {narrow} AS
        SELECT t.unique_id, o.ord, {", ".join(hashes)}
        FROM {table} AS t JOIN (SELECT unique_id, row_number() OVER (ORDER BY {order}) AS ord
                                FROM {table}) AS o USING (unique_id)"""
    )
    try:
        with rows_in_order(con):  # the parts are put side by side by position
            for i, rule in enumerate(bounded):
                keys = _plain_keys if rule.right_columns is None else _crossed_keys
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {parts[i]} AS "
                    f"SELECT * EXCLUDE (ord) FROM ({keys(rule, i, narrow)}) ORDER BY ord"
                )
            columns = [c for r in bounded for c in r.key_columns]
            # every part holds every record in ``ord`` order: put side by side, not joined
            joins = " ".join(f"POSITIONAL JOIN {p}" for p in parts)
            con.execute(
                f"""CREATE OR REPLACE TABLE {out}_keys AS
                SELECT unique_id, {", ".join(columns)}
                FROM (SELECT unique_id FROM {narrow} ORDER BY ord) {joins}"""
            )
            # a view, not a copy: the model input is the biggest table of a run
            con.execute(
                f"""CREATE OR REPLACE VIEW {out} AS
                SELECT t.*, {", ".join(f"k.{c}" for c in columns)}
                FROM {table} AS t JOIN {out}_keys AS k USING (unique_id)"""
            )
    finally:
        for name in (narrow, *parts):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return out


def _first_levels(rules: Sequence[BlockingRule]) -> list[tuple[int, str, str]]:
    """``(rule index, flag, hash)`` of each bounded rule's first-level block: one for a plain
    rule (``in{i}``), one per side for a crossed rule (``lin{i}``, ``rin{i}``)."""
    out = []
    for i, rule in enumerate(rules):
        if rule.right_columns is None:
            out.append((i, f"in{i}", _hash(0, rule.columns)))
        else:
            out.append((i, f"lin{i}", _hash(0, rule.columns)))
            out.append((i, f"rin{i}", _hash(0, rule.right_columns)))
    return out


def _recut_block_keys(
    con: duckdb.DuckDBPyConnection,
    bounded: Sequence[BlockingRule],
    table: str,
    out: str,
    *,
    since: tuple[str, str],
    hashes: Sequence[str],
) -> str:
    """:func:`add_block_keys` with ``since``: cut again only the blocks the changed rows fall in.

    A record's keys by a rule depend only on the records of its first-level block (every finer
    level refines it; a crossed rule's left block of one level meets only right blocks of the
    same values). So, by each rule: the first-level blocks of the changed rows (both sides of a
    crossed rule: a row can enter a block on either side); the records of ``table`` in them are
    cut again, on those records alone, and take the new keys of that rule (a crossed rule: of the
    side whose block was touched); every other key is the earlier one."""
    stored, changed = since
    firsts = _first_levels(bounded)
    touched, flagged, narrow = f"{out}_touched", f"{out}_flagged", f"{out}_narrow"
    recut, moved = f"{out}_recut", f"{out}_moved"
    parts = [f"{out}_k{i}" for i in range(len(bounded))]
    try:
        sides = " UNION ALL ".join(
            f"SELECT {i} AS rule, {expr} AS h FROM ({changed})" for i, _, expr in firsts
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {touched} AS SELECT DISTINCT rule, h FROM ({sides})"
        )
        flags = ", ".join(
            f"{expr} IN (SELECT h FROM {touched} WHERE rule = {i}) AS {flag}"
            for i, flag, expr in firsts
        )
        names = [flag for _, flag, _ in firsts]
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {flagged} AS
            SELECT * FROM (SELECT unique_id, {flags} FROM {table}) WHERE {" OR ".join(names)}"""
        )
        ranked = ", ".join(f"t.{c}" for c in NEIGHBOURHOOD_ORDER)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {narrow} AS
            SELECT t.unique_id, o.ord, {", ".join(hashes)}, {", ".join(f"f.{n}" for n in names)}
            FROM {table} AS t JOIN {flagged} AS f USING (unique_id)
            JOIN (SELECT t.unique_id, row_number() OVER (ORDER BY {ranked}) AS ord
                  FROM {table} AS t JOIN {flagged} AS f USING (unique_id)) AS o USING (unique_id)"""
        )
        selects, joins = [], []
        for i, rule in enumerate(bounded):
            keys = _plain_keys if rule.right_columns is None else _crossed_keys
            within = f"in{i}" if rule.right_columns is None else f"lin{i} OR rin{i}"
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {parts[i]}_in AS SELECT * FROM {narrow} WHERE {within}"
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {parts[i]} AS "
                f"SELECT * FROM ({keys(rule, i, f'{parts[i]}_in')})"
            )
            con.execute(f"DROP VIEW {parts[i]}_in")
            joins.append(f"LEFT JOIN {parts[i]} AS k{i} ON k{i}.ord = n.ord")
            if rule.right_columns is None:
                flags_of = {rule.key: f"n.in{i}", f"{rule.key}_pos": f"n.in{i}"}
            else:
                flags_of = {f"{rule.key}_lkey": f"n.lin{i}", f"{rule.key}_rkey": f"n.rin{i}"}
            selects += [
                f"CASE WHEN {flag} THEN k{i}.{c} ELSE s.{c} END AS {c}"
                for c, flag in flags_of.items()
            ]
        columns = [c for r in bounded for c in r.key_columns]
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {recut} AS
            SELECT n.unique_id, {", ".join(selects)}
            FROM {narrow} AS n LEFT JOIN {stored} AS s USING (unique_id) {" ".join(joins)}"""
        )
        # most records of a block cut again come out with their keys as before: list the others
        differ = " OR ".join(f"c.{c} IS DISTINCT FROM s.{c}" for c in columns)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {moved} AS
            SELECT c.unique_id FROM {recut} AS c LEFT JOIN {stored} AS s USING (unique_id)
            WHERE s.unique_id IS NULL OR {differ}
            UNION SELECT unique_id FROM ({changed})"""
        )
        con.execute(
            f"""CREATE OR REPLACE TABLE {out}_keys AS
            SELECT unique_id, {", ".join(columns)} FROM {stored}
            WHERE unique_id NOT IN (SELECT unique_id FROM {recut})
            UNION ALL SELECT * FROM {recut}"""
        )
        con.execute(
            f"""CREATE OR REPLACE VIEW {out} AS
            SELECT t.*, {", ".join(f"k.{c}" for c in columns)}
            FROM {table} AS t JOIN {out}_keys AS k USING (unique_id)"""
        )
    finally:
        for name in (touched, flagged, narrow, recut, *parts):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return out


def drop_block_keys(con: duckdb.DuckDBPyConnection, out: str) -> None:
    """Drop what :func:`add_block_keys` made as ``out`` (the view, its keys table and the list
    of records whose keys moved)."""
    con.execute(f"DROP VIEW IF EXISTS {out}")
    con.execute(f"DROP TABLE IF EXISTS {out}_keys")
    con.execute(f"DROP TABLE IF EXISTS {out}_moved")


def _plain_keys(rule: BlockingRule, i: int, narrow: str) -> str:
    """A plain rule's block and position of each record (``ord``) of ``narrow``.

    Level by level, only the records of the blocks too big at the level before are looked at
    again: the blocks too big at a level (grouped counts over those records, a few groups)
    are the only sizes needed, and every other record's block is decided by a probe of that
    short list. (A block of a level lies inside one block of the level before, so its size
    over those records is its size over all.) Only the records of a block still too big once
    refined (a sorted neighbourhood) are ranked in it: most sit in blocks kept whole, at
    position 0."""
    depth, limit = len(rule.refine) + 1, int(rule.max_block or 0)
    ctes = [
        f"x0 AS (SELECT ord, {', '.join(f'h{i}_{j}' for j in range(depth))} "
        f"FROM {narrow} WHERE ok{i})"
    ]
    kept = []
    for j in range(depth):
        ctes.append(
            f"big{j} AS MATERIALIZED (SELECT h{i}_{j} AS h FROM x{j} GROUP BY 1 "
            f"HAVING count(*) > {limit})"
        )
        kept.append(
            f"SELECT ord, h{i}_{j} AS block, 0 AS pos FROM x{j} "
            f"WHERE h{i}_{j} NOT IN (SELECT h FROM big{j})"
        )
        inside = f"SELECT * FROM x{j} WHERE h{i}_{j} IN (SELECT h FROM big{j})"
        ctes.append(f"x{j + 1} AS MATERIALIZED ({inside})")
    last = f"h{i}_{depth - 1}"
    windowed = (
        f"SELECT ord, {last}, row_number() OVER (PARTITION BY {last} ORDER BY ord) FROM x{depth}"
    )
    missing = f"SELECT ord, NULL, NULL FROM {narrow} WHERE NOT ok{i}"
    parts = " UNION ALL ".join([*kept, windowed, missing])
    return (
        f"WITH {', '.join(ctes)} SELECT ord, block AS {rule.key}, pos AS {rule.key}_pos "
        f"FROM ({parts})"
    )


def _crossed_keys(rule: BlockingRule, i: int, narrow: str) -> str:
    """A crossed rule's left and right keys of each record (``ord``) of ``narrow``: the first
    level whose block forms at most ``max_block ** 2 / 2`` pairs. Only the blocks over that
    bound are kept to be joined back (a few groups: a short probe for every record)."""
    depth, limit = len(rule.refine) + 1, int(rule.max_block or 0) ** 2 // 2
    ctes = [
        f"""s{j} AS MATERIALIZED (SELECT h
        FROM (SELECT l{i}_{j} AS h, count(*) AS n FROM {narrow} WHERE lok{i} GROUP BY 1) a
        JOIN (SELECT r{i}_{j} AS h, count(*) AS n FROM {narrow} WHERE rok{i} GROUP BY 1) b
        USING (h) WHERE a.n * b.n > {limit})"""
        for j in range(depth - 1)
    ]
    joins = " ".join(
        f"LEFT JOIN s{j} AS ls{j} ON ls{j}.h = l{i}_{j} LEFT JOIN s{j} AS rs{j} ON rs{j}.h = r{i}_{j}"
        for j in range(depth - 1)
    )
    keys = []
    for side in ("l", "r"):
        cases = " ".join(f"WHEN {side}s{j}.h IS NULL THEN {side}{i}_{j}" for j in range(depth - 1))
        keys.append(
            f"CASE WHEN NOT {side}ok{i} THEN NULL {cases} ELSE {side}{i}_{depth - 1} END "
            f"AS {rule.key}_{side}key"
        )
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    return f"{with_}SELECT ord, {', '.join(keys)} FROM {narrow} {joins}"
