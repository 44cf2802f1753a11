"""Rows set aside: the rejects table, the unreadable lines and the empty or repeated record ids.

Empty and repeated ``record_id`` values are problems with ``on_bad_record="raise"``
(:func:`check_records`) and moved to the rejects with ``"reject"`` (:func:`reject_bad_records`).
"""

from __future__ import annotations

import duckdb

from linkage import tables
from linkage.errors import MAX_EXAMPLES, Problem
from linkage.sources._load import Loaded
from linkage.sources._sql import Scratch, quote, run, scalar
from linkage.sources._typing import ROW_NUMBER_COLUMN, OnBadRecord

REJECTS_SCHEMA = (
    "source VARCHAR, record_id VARCHAR, row_number BIGINT, reason VARCHAR, detail VARCHAR"
)


def create_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """The rejects table, empty (replaced if it exists)."""
    run(con, f"CREATE OR REPLACE TABLE {quote(tables.REJECTS)} ({REJECTS_SCHEMA})")


def reject_unreadable(con: duckdb.DuckDBPyConnection, item: Loaded) -> None:
    """The CSV lines of ``item`` that could not be read, into the rejects."""
    if item.unreadable is None:
        return
    run(
        con,
        f"INSERT INTO {quote(tables.REJECTS)} "
        "SELECT ?, NULL, row_number, 'unreadable_row', detail "
        f"FROM {item.unreadable}",
        [item.source],
    )


def check_records(
    con: duckdb.DuckDBPyConnection, item: Loaded, staged: str, on_bad_record: OnBadRecord
) -> list[Problem]:
    """Problems for empty and duplicated record_id values (examples: lines or ids)."""
    fix_tail = (
        "" if on_bad_record == "reject" else ", or pass on_bad_record='reject' to set them aside"
    )
    row = ROW_NUMBER_COLUMN
    problems: list[Problem] = []
    empty = con.execute(
        f"SELECT count(*), list({row} ORDER BY {row})[1:{MAX_EXAMPLES}] "
        f"FROM {staged} WHERE record_id IS NULL"
    ).fetchall()[0]
    if empty[0]:
        problems.append(
            Problem(
                source=item.source,
                column="record_id",
                message=f"{empty[0]:,} record(s) of {item.label!r} have an empty record_id; every "
                "record needs an id unique within its source",
                fix="fill record_id in those rows" + fix_tail,
                examples=tuple(_where(item.unit, r) for r in empty[1]),
                kind="record",
            )
        )
    dups = con.execute(
        f"""
        SELECT count(*), sum(n) - count(*), list(record_id ORDER BY first)[1:{MAX_EXAMPLES}]
        FROM (SELECT record_id, count(*) AS n, min({row}) AS first
              FROM {staged} WHERE record_id IS NOT NULL GROUP BY record_id HAVING count(*) > 1)
        """
    ).fetchall()[0]
    if dups[0]:
        problems.append(
            Problem(
                source=item.source,
                column="record_id",
                message=f"{dups[0]:,} record_id value(s) of {item.label!r} appear more than once "
                f"({int(dups[1]):,} repeated row(s)); record_id must be unique within its source",
                fix="give each record its own id, or remove the repeated rows" + fix_tail,
                examples=tuple(str(x) for x in dups[2]),
                kind="record",
            )
        )
    return problems


def reject_bad_records(
    con: duckdb.DuckDBPyConnection,
    item: Loaded,
    staged: str,
    scratch: Scratch,
    warnings: list[Problem],
) -> str:
    """Move every row with an empty id, and every row of a repeated id after its first, to
    ``tables.REJECTS``; return the SELECT of the rows kept (in order)."""
    row = ROW_NUMBER_COLUMN
    first = scratch.new(f"first_{item.source}")
    run(
        con,
        f"CREATE OR REPLACE TEMP TABLE {first} AS SELECT record_id, min({row}) AS first_row "
        f"FROM {staged} WHERE record_id IS NOT NULL GROUP BY record_id HAVING count(*) > 1",
    )
    here, there = (
        (f"'line ' || (s.{row} + 1)", "'line ' || (f.first_row + 1)")
        if item.unit == "line"
        else (f"'row ' || s.{row}", "'row ' || f.first_row")
    )
    n_rejected = scalar(
        con,
        f"""
        INSERT INTO {quote(tables.REJECTS)}
        SELECT ?, s.record_id, s.{row},
               CASE WHEN s.record_id IS NULL THEN 'empty_record_id' ELSE 'duplicate_record_id' END,
               CASE WHEN s.record_id IS NULL THEN {here} || ': record_id is empty'
                    ELSE {here} || ': record_id ' || s.record_id || ' already on ' || {there} END
        FROM {staged} s LEFT JOIN {first} f USING (record_id)
        WHERE s.record_id IS NULL OR s.{row} > f.first_row
        ORDER BY s.{row}
        """,
        [item.source],
    )
    warnings.append(
        Problem(
            source=item.source,
            column="record_id",
            message=f"{n_rejected:,} record(s) with an empty or repeated record_id were set aside "
            "in rejects",
            fix="see Sources.rejects(); fix the ids at the source to link them",
            kind="record",
        )
    )
    return (
        f"SELECT s.* FROM {staged} s LEFT JOIN {first} f USING (record_id) "
        f"WHERE s.record_id IS NOT NULL AND (f.first_row IS NULL OR s.{row} = f.first_row) "
        f"ORDER BY s.{row}"
    )


def _where(unit: str, row: int) -> str:
    return f"line {row + 1}" if unit == "line" else f"row {row}"
