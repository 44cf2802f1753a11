"""The dates of the source tables checked as normalisation will read them: a warning per column
for dates that cannot be read, impossible dates (nulled), dates that read either day-first or
month-first, and per source for birth dates after the record's event (nulled).

The reading is normalisation's own (its SQL macros ``lk_date``, ``lk_day_first``,
``lk_date_in_range``), so what is warned about here is exactly what normalisation nulls. Examples
are record ids, never the dates themselves: a birth date is personal data.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from linkage.errors import MAX_EXAMPLES, Problem
from linkage.schema import DATE_COLUMNS, DATE_YEARS_AHEAD, EARLIEST_DATE
from linkage.sources._sql import quote
from linkage.sources._typing import ROW_NUMBER_COLUMN

#: ``d/m/yyyy`` or ``m/d/yyyy`` (any of ``/ . -``): the first two numbers.
_DM = r"^(\d{1,2})[/.-](\d{1,2})[/.-]\d{4}"

#: What a date that is present but unreadable still means, for the columns the statuses read.
_STILL_COUNTS = {
    "nta_issued_date": "; an NTA date that cannot be read still counts as an NTA issued (the "
    "status asks only for a value)",
    "hearing_date": "; the court record still counts as a court case",
}


def check_dates(
    con: duckdb.DuckDBPyConnection, written: Mapping[str, str], warnings: list[Problem]
) -> None:
    """Add the date warnings of every source table in ``written`` (source -> table)."""
    from linkage.normalization._macros import define_macros  # normalisation reads sources

    define_macros(con)
    for source, table in written.items():
        columns = {r[0] for r in con.execute(f"DESCRIBE {quote(table)}").fetchall()}
        for column in (c for c in DATE_COLUMNS if c in columns):
            warnings += _column_warnings(con, source, quote(table), column)
        if {"dob", "event_date"} <= columns:
            warnings += _born_after_event(con, source, quote(table))


def _column_warnings(
    con: duckdb.DuckDBPyConnection, source: str, table: str, column: str
) -> list[Problem]:
    """Unreadable, impossible and ambiguous dates of one column."""
    ahead = DATE_YEARS_AHEAD.get(column, 0)
    ids = f"list(record_id ORDER BY {ROW_NUMBER_COLUMN})"
    row = con.execute(
        f"""
        WITH t AS (
            SELECT record_id, {ROW_NUMBER_COLUMN}, lk_date_text({column}) AS s FROM {table})
        SELECT count(*) FILTER (WHERE d IS NULL),
               {ids} FILTER (WHERE d IS NULL)[1:{MAX_EXAMPLES}],
               count(*) FILTER (WHERE d IS NOT NULL AND NOT lk_date_in_range(d, {ahead})),
               {ids} FILTER (WHERE d IS NOT NULL AND NOT lk_date_in_range(d, {ahead}))
                   [1:{MAX_EXAMPLES}],
               count(*) FILTER (WHERE day_first),
               count(*) FILTER (WHERE ambiguous),
               {ids} FILTER (WHERE ambiguous)[1:{MAX_EXAMPLES}],
               count(*) FILTER (WHERE ambiguous AND contains(s, '.'))
        FROM t JOIN (  -- each distinct text read once: a column holds a few thousand dates
            SELECT s, lk_date(s) AS d, lk_day_first(s) AS day_first,
                   regexp_matches(s, '{_DM}')
                   AND TRY_CAST(regexp_extract(s, '{_DM}', 1) AS INTEGER) BETWEEN 1 AND 12
                   AND TRY_CAST(regexp_extract(s, '{_DM}', 2) AS INTEGER) BETWEEN 1 AND 12
                   AND TRY_CAST(regexp_extract(s, '{_DM}', 1) AS INTEGER)
                       <> TRY_CAST(regexp_extract(s, '{_DM}', 2) AS INTEGER) AS ambiguous
            FROM (SELECT DISTINCT s FROM t)
            WHERE s IS NOT NULL
        ) USING (s)
        """
    ).fetchall()[0]
    found: list[Problem] = []
    if row[0]:
        found.append(_unreadable(source, column, row[0], row[1]))
    if row[2]:
        found.append(_impossible(source, column, row[2], row[3], ahead))
    if row[5] and (row[4] or row[7]):
        found.append(_ambiguous(source, column, row[5], row[6], row[4], row[7]))
    return found


def _unreadable(source: str, column: str, count: int, examples: list[str]) -> Problem:
    return Problem(
        source=source,
        column=column,
        message=f"{count:,} {column} value(s) are not dates the reader knows (YYYY-MM-DD, "
        f"MM/DD/YYYY, DD/MM/YYYY with a day over 12, YYYYMMDD) and are read as empty"
        + _STILL_COUNTS.get(column, ""),
        fix="write them in one of those formats (see docs/input-layout.md)",
        examples=tuple(str(x) for x in examples),
        kind="record",
        count=count,
    )


def _impossible(source: str, column: str, count: int, examples: list[str], ahead: int) -> Problem:
    latest = "the day of the run" if not ahead else f"{ahead} years after the day of the run"
    return Problem(
        source=source,
        column=column,
        message=f"{count:,} {column} value(s) are impossible (before {EARLIEST_DATE} or after "
        f"{latest}, such as placeholders 01/01/0001 and 12/31/9999) and are read as empty"
        + _STILL_COUNTS.get(column, ""),
        fix="leave unknown dates blank rather than writing a placeholder; correct typed years",
        examples=tuple(str(x) for x in examples),
        kind="record",
        count=count,
    )


def _ambiguous(
    source: str,
    column: str,
    count: int,
    examples: list[str],
    day_first: int,
    dotted: int,
) -> Problem:
    evidence = (
        f"{day_first:,} other value(s) of the column can only be day-first (a day over 12)"
        if day_first
        else f"{dotted:,} of them are written with dots (DD.MM.YYYY is a day-first habit)"
    )
    return Problem(
        source=source,
        column=column,
        message=f"{count:,} {column} value(s) read month-first could as well be day-first (both "
        f"numbers 12 or less), and {evidence}: day and month may be swapped",
        fix="write the column as YYYY-MM-DD, or as MM/DD/YYYY throughout",
        examples=tuple(str(x) for x in examples),
        kind="record",
        count=count,
    )


def _born_after_event(con: duckdb.DuckDBPyConnection, source: str, table: str) -> list[Problem]:
    """Birth dates after the record's own event date: the birth date is nulled."""
    # Each distinct text read once (a few thousand dates), then joined back to the records.
    count, examples = con.execute(
        f"""
        WITH t AS (
            SELECT record_id, {ROW_NUMBER_COLUMN}, lk_date_text(dob) AS ds,
                   lk_date_text(event_date) AS es
            FROM {table}),
        born AS (
            SELECT * FROM (SELECT ds, lk_date(ds) AS dob FROM (SELECT DISTINCT ds FROM t))
            WHERE lk_date_in_range(dob, {DATE_YEARS_AHEAD["dob"]})),
        event AS (
            SELECT * FROM (SELECT es, lk_date(es) AS event FROM (SELECT DISTINCT es FROM t))
            WHERE lk_date_in_range(event, {DATE_YEARS_AHEAD["event_date"]}))
        SELECT count(*), list(record_id ORDER BY {ROW_NUMBER_COLUMN})[1:{MAX_EXAMPLES}]
        FROM t JOIN born USING (ds) JOIN event USING (es)
        WHERE dob > event
        """
    ).fetchall()[0]
    if not count:
        return []
    return [
        Problem(
            source=source,
            column="dob",
            message=f"{count:,} record(s) have a birth date after their own event_date (an event "
            "before birth); their birth date is read as empty",
            fix="correct the birth date (or the event date) of those records",
            examples=tuple(str(x) for x in examples),
            kind="record",
            count=count,
        )
    ]
