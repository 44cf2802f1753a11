"""From a loaded input to its source table: layout values trimmed, rows numbered, table written."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import duckdb

from linkage import tables
from linkage.errors import Problem
from linkage.schema import SOURCES
from linkage.sources._columns import Plan
from linkage.sources._load import Loaded
from linkage.sources._rejects import create_rejects, reject_bad_records, reject_unreadable
from linkage.sources._sql import Scratch, quote, run, scalar
from linkage.sources._typing import ROW_NUMBER_COLUMN

logger = logging.getLogger("linkage")

#: Characters trimmed from both ends of every layout value (spaces, tabs, no-break spaces, BOM).
TRIM_CHARACTERS = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200C))  # en quad .. zero-width space
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_TRIM_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in TRIM_CHARACTERS) + "]"
_TRIM_ENDS = f"^{_TRIM_CLASS}|{_TRIM_CLASS}$"  # RE2 (DuckDB) syntax
_TRIM_RUNS = f"^{_TRIM_CLASS}+|{_TRIM_CLASS}+$"


def stage(con: duckdb.DuckDBPyConnection, item: Loaded, plan: Plan, scratch: Scratch) -> str:
    """The source's table-to-be, as a temporary table: layout columns cleaned, extras as text."""
    staged = scratch.new(f"staged_{item.source}")
    select = []
    for column, out, is_layout in plan.columns:
        text = f"CAST(r.{quote(column)} AS VARCHAR)"
        select.append(f"{_clean(text) if is_layout else text} AS {quote(out)}")
    if item.row_numbers is None:
        select.append(f"CAST(r.rowid + 1 AS BIGINT) AS {ROW_NUMBER_COLUMN}")
        rows = f"{item.raw} r"
    else:
        select.append(f"n.row_number AS {ROW_NUMBER_COLUMN}")
        rows = f"{item.raw} r POSITIONAL JOIN {item.row_numbers} n"
    run(con, f"CREATE TEMP TABLE {staged} AS SELECT {', '.join(select)} FROM {rows}")
    return staged


def _clean(expr: str) -> str:
    """SQL: the VARCHAR ``expr`` without surrounding whitespace, '' as NULL."""
    return (
        f"NULLIF(CASE WHEN regexp_matches({expr}, '{_TRIM_ENDS}') "
        f"THEN regexp_replace({expr}, '{_TRIM_RUNS}', '', 'g') ELSE {expr} END, '')"
    )


def write_tables(
    con: duckdb.DuckDBPyConnection,
    loaded: Mapping[str, Loaded],
    staged: Mapping[str, str],
    bad_records: set[str],
    scratch: Scratch,
    warnings: list[Problem],
) -> dict[str, str]:
    """Create the rejects table and the source tables from the staged ones.

    The unreadable lines go to the rejects, and so do the bad record ids of the ``bad_records``
    sources. Returns source -> table name, in :data:`linkage.schema.SOURCES` order.
    """
    create_rejects(con)
    written: dict[str, str] = {}
    for source in SOURCES:
        if source not in staged:
            continue
        item, table = loaded[source], tables.source(source)
        reject_unreadable(con, item)
        select = f"SELECT * FROM {staged[source]}"
        if source in bad_records:
            select = reject_bad_records(con, item, staged[source], scratch, warnings)
        run(con, f"CREATE OR REPLACE TABLE {quote(table)} AS {select}")
        written[source] = table
        logger.info(
            "%s: %s rows from %s",
            source,
            f"{scalar(con, f'SELECT count(*) FROM {quote(table)}'):,}",
            item.label,
        )
    return written
