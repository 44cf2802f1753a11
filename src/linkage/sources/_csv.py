"""Reading a CSV file into DuckDB: every column as text, the lines that cannot be read set apart."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from linkage.errors import Problem
from linkage.sources._encoding import (
    has_non_ascii,
    latin1_warning,
    sniff_encoding,
    transcode_cp1252,
)
from linkage.sources._sql import Scratch, run, scalar

logger = logging.getLogger("linkage")

_DETAIL_TEXT_CHARS = 200
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")


def read_csv(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    head: bytes,
    raw: str,
    scratch: Scratch,
    warnings: list[Problem],
) -> str:
    """Read a CSV file into ``raw`` in the encoding its first bytes ``head`` show.

    Returns the reject-errors table (the lines that could not be read). A file taken for UTF-8
    that has bytes that are not UTF-8 and no text beyond ASCII is read again as Latin-1.
    """
    encoding = sniff_encoding(head)
    if encoding == "latin-1":
        warnings.append(latin1_warning(source, path))
    mark = scratch.mark()
    errors, bad_encoding = _read_csv_as(con, path, raw, encoding, scratch)
    if encoding == "utf-8" and bad_encoding and not has_non_ascii(con, raw):
        # Bytes that are not UTF-8 and no UTF-8 text anywhere: a Latin-1 / Windows-1252 file.
        # (A UTF-8 file with a few broken lines keeps its UTF-8; those lines are rejected.)
        scratch.drop(keep_before=mark)
        warnings.append(latin1_warning(source, path))
        errors, _ = _read_csv_as(con, path, raw, "latin-1", scratch)
    return errors


def _read_csv_as(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    raw: str,
    encoding: str,
    scratch: Scratch,
) -> tuple[str, int]:
    """Read a CSV file into ``raw``; rows that cannot be read go to a reject-errors table.

    Returns the reject-errors table and the number of rejected lines for bad encoding.
    """
    scans, errors = scratch.new("csv_rejects_scan"), scratch.new("csv_rejects")
    try:
        _csv_into(con, str(path), raw, encoding, scans, errors)
    except duckdb.Error as error:
        if encoding != "latin-1" or "latin-1" not in str(error):
            raise
        # DuckDB's Latin-1 refuses bytes 0x80-0x9F, which Windows-1252 files use for quotes,
        # dashes and the euro sign: transcode to a temporary UTF-8 copy and read that.
        for name in (scans, errors):
            run(con, f"DROP TABLE IF EXISTS {name}")
        copy = transcode_cp1252(path)
        try:
            _csv_into(con, str(copy), raw, "utf-8", scans, errors)
        finally:
            copy.unlink(missing_ok=True)
    scratch.add(raw)
    bad_encoding = scalar(
        con,
        f"SELECT count(DISTINCT line) FROM {errors} "
        f"WHERE error_type::VARCHAR IN {_ENCODING_ERRORS}",
    )
    return errors, bad_encoding


def _csv_into(
    con: duckdb.DuckDBPyConnection, path: str, raw: str, encoding: str, scans: str, errors: str
) -> None:
    """``read_csv`` into ``raw``, every column as text, unreadable lines into ``errors``.

    The dialect is DuckDB's guess, except that a guessed single-quote quote character is replaced
    by the standard double quote: in a small file DuckDB can take a name starting with an
    apostrophe for a quoted field and merge lines without a trace.
    """
    # skip=0 and comment='' stop the sniffer from silently dropping leading or '#' lines.
    options = "all_varchar=true, header=true, skip=0, comment='', encoding=?"
    try:
        sniffed = con.execute(
            f"SELECT Delimiter, Quote FROM sniff_csv(?, {options}, ignore_errors=true)",
            [path, encoding],
        ).fetchall()
    except duckdb.Error:  # read_csv below says what is wrong
        sniffed = []
    dialect, params = "", []
    if sniffed and sniffed[0][1] == "'":
        logger.debug("%s: using the double quote rather than the guessed single quote", path)
        dialect, params = ", quote='\"', delim=?", [sniffed[0][0]]
    run(
        con,
        f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_csv(?, {options}, store_rejects=true, "
        f"rejects_table='{errors}', rejects_scan='{scans}'{dialect})",
        [path, encoding, *params],
    )


def unreadable_rows(
    con: duckdb.DuckDBPyConnection, errors: str, scratch: Scratch
) -> tuple[str | None, int]:
    """One row per rejected CSV line: data row number and a detail naming the line."""
    count = scalar(con, f"SELECT count(DISTINCT line) FROM {errors} WHERE line IS NOT NULL")
    if not count:
        return None, 0
    table = scratch.new("unreadable")
    run(
        con,
        f"""
        CREATE TEMP TABLE {table} AS
        SELECT CAST(line AS BIGINT) - 1 AS row_number,
               concat('line ', line, ': ',
                      string_agg(DISTINCT lower(error_type::VARCHAR), ', '),
                      ' (', any_value(error_message), '): ',
                      left(replace(any_value(csv_line), chr(10), ' '), {_DETAIL_TEXT_CHARS})
               ) AS detail
        FROM {errors}
        WHERE line IS NOT NULL
        GROUP BY line
        """,
    )
    return table, count
