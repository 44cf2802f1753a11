"""Blocking rules and the comparison count that is checked before anything is predicted.

A rule is a plain value: the columns that must be equal on both sides (or, for a crossed rule,
left columns equal to right columns). Its Splink form is produced late (:meth:`BlockingRule.splink`)
and its cost is counted in SQL from group sizes, without forming a single pair, so that a rule that
would explode on this population (``dob`` alone over a million children with 1-January birth dates)
stops with :class:`~linkage.errors.BlockingError` instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
from splink import block_on

from linkage.errors import BlockingError

__all__ = [
    "BlockingRule",
    "DEFAULT_BLOCKING_RULES",
    "DEFAULT_MAX_COMPARISONS",
    "count_comparisons",
    "pairs_touching_sql",
]

#: Above this many candidate pairs `link` stops before predicting (override with max_comparisons).
DEFAULT_MAX_COMPARISONS = 150_000_000


@dataclass(frozen=True, kw_only=True)
class BlockingRule:
    """Candidate pairs agree on ``columns`` (or left ``columns`` equal right ``right_columns``)."""

    name: str
    columns: tuple[str, ...]
    right_columns: tuple[str, ...] | None = None

    def splink(self) -> object:
        """The rule as Splink takes it (backend-neutral SQL)."""
        if self.right_columns is None:
            return block_on(*self.columns)
        conditions = [
            f"l.{a} = r.{b}" for a, b in zip(self.columns, self.right_columns, strict=True)
        ]
        return " AND ".join(conditions)

    def sql(self) -> str:
        """The join condition, ``l.`` and ``r.`` prefixed."""
        right = self.right_columns or self.columns
        return " AND ".join(f"l.{a} = r.{b}" for a, b in zip(self.columns, right, strict=True))


DEFAULT_BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(name="same A-number", columns=("a_number",)),
    BlockingRule(name="same dob (day and month either way) and paternal surname sound",
                 columns=("dob_swap_key", "surname_phon_1")),
    BlockingRule(name="same dob (day and month either way) and first given name sound",
                 columns=("dob_swap_key", "given_phon_1")),
    BlockingRule(name="same name tokens by sound, in any order or role", columns=("name_phon_key",)),
    BlockingRule(name="same first given and paternal surname sound, birth day and month (age determination)",
                 columns=("given_phon_1", "surname_phon_1", "dob_month", "dob_day")),
    BlockingRule(name="same surnames' sound, given initial and birth year",
                 columns=("surname_phon_1", "surname_phon_2", "given_initial", "dob_year")),
    BlockingRule(name="same surnames' sound, birth day and month",
                 columns=("surname_phon_1", "surname_phon_2", "dob_month", "dob_day")),
    BlockingRule(name="same first given and paternal surname sound, events in the same fortnight",
                 columns=("given_phon_1", "surname_phon_1", "event_fortnight")),
    BlockingRule(name="same first given and paternal surname sound, events in the same fortnight (offset a week)",
                 columns=("given_phon_1", "surname_phon_1", "event_fortnight_offset")),
    BlockingRule(name="same given names and country, events in the same fortnight",
                 columns=("given_key", "country", "event_fortnight_offset")),
    BlockingRule(name="given and family names swapped, same birth year",
                 columns=("given_phon_1", "surname_phon_1", "dob_year"),
                 right_columns=("surname_phon_1", "given_phon_1", "dob_year")),
    BlockingRule(name="given and family names swapped, same dob",
                 columns=("given_phon_1", "dob"), right_columns=("surname_phon_1", "dob")),
    # Splink puts the record with the smaller unique_id on the left: a crossed rule needs its mirror.
    BlockingRule(name="given and family names swapped, same dob (mirror)",
                 columns=("surname_phon_1", "dob"), right_columns=("given_phon_1", "dob")),
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
    crossed rule), before deduplication across rules, so they are an upper bound on the pairs
    Splink will score.

    Raises:
        BlockingError: when the total exceeds ``max_comparisons``, naming the rule that costs most
            and its largest blocks.
    """
    rows = []
    for rule in rules:
        cols = list(rule.columns)
        not_null = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        if rule.right_columns is None:
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
            keys = ", ".join(f"k{i}" for i in range(len(cols)))
            count, biggest = con.execute(
                f"""SELECT coalesce(sum(l.n * r.n), 0), coalesce(max(l.n * r.n), 0) FROM
                    (SELECT {lk}, count(*) n FROM {table} WHERE {not_null} GROUP BY ALL) l JOIN
                    (SELECT {rk}, count(*) n FROM {table} WHERE {r_not_null} GROUP BY ALL) r USING ({keys})"""
            ).fetchall()[0]
        rows.append(
            {
                "rule": rule.name,
                "sql": rule.sql(),
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
