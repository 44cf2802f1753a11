"""Loading one input (a file or an in-memory table) into a DuckDB scratch table, rows numbered."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from linkage.errors import Problem
from linkage.sources._csv import read_csv, unreadable_rows
from linkage.sources._discover import accepted_suffixes, file_kind
from linkage.sources._encoding import has_non_ascii, latin1_warning, peek, sniff_encoding
from linkage.sources._frames import load_frame
from linkage.sources._problems import (
    empty_file_problem,
    label_of,
    missing_path_problem,
    unreadable_problem,
)
from linkage.sources._sql import Scratch, run, scalar

logger = logging.getLogger("linkage")


@dataclass(frozen=True, kw_only=True)
class Loaded:
    """One input copied into the DuckDB table ``raw``, with what is needed to number its rows."""

    source: str
    label: str  # for messages: the file name or the frame type
    unit: Literal["line", "row"]  # how to name a row in messages
    raw: str
    columns: tuple[str, ...]  # the input's column names, as DuckDB sees them
    row_numbers: str | None = None  # rows' data row numbers, in order, when lines were rejected
    unreadable: str | None = None  # temp table of unreadable CSV rows (row_number, detail)
    n_unreadable: int = 0


def load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    value: Any,
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> Loaded | None:
    raw = scratch.name(f"raw_{source}")  # recorded by the loader once made
    try:
        if isinstance(value, (str, os.PathLike)):
            return _load_path(con, source, Path(value), raw, scratch, problems, warnings)
        label, relation_problem = load_frame(con, source, value, raw, scratch)
    except Exception as error:  # noqa: BLE001 - the input boundary: report it, never a raw error
        logger.debug("reading %s failed", source, exc_info=True)
        problems.append(unreadable_problem(source, label_of(value), error))
        return None
    if relation_problem is not None:
        problems.append(relation_problem)
        return None
    return _finish_load(con, source, label, "row", raw, None, 0, scratch, warnings)


def _load_path(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    raw: str,
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> Loaded | None:
    if not path.exists():
        problems.append(missing_path_problem(source, path))
        return None
    if path.is_dir():
        problems.append(
            Problem(
                source=source,
                column=None,
                message=f"{str(path)!r} is a folder, not a file",
                fix="give the file of this source, or pass the folder itself as data",
                kind="source",
            )
        )
        return None
    kind = file_kind(path)
    if kind is None:
        problems.append(
            Problem(
                source=source,
                column=None,
                message=f"{path.name!r} is not a file type that can be read",
                fix=f"save it as CSV or Parquet (accepted: {', '.join(accepted_suffixes())})",
                kind="source",
            )
        )
        return None
    try:
        if path.stat().st_size == 0:
            problems.append(empty_file_problem(source, path, "0 bytes"))
            return None
        head = peek(path)
    except (OSError, EOFError) as error:
        problems.append(unreadable_problem(source, path.name, error))
        return None
    if kind == "parquet":
        try:
            run(con, f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_parquet(?)", [str(path)])
        except duckdb.Error as error:
            problems.append(unreadable_problem(source, path.name, error))
            return None
        scratch.add(raw)
        return _finish_load(con, source, path.name, "row", raw, None, 0, scratch, warnings)

    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        problems.append(empty_file_problem(source, path, "no header line"))
        return None
    encoding = sniff_encoding(head)
    if encoding == "latin-1":
        warnings.append(latin1_warning(source, path))
    try:
        mark = scratch.mark()
        errors_table, bad_encoding = read_csv(con, path, raw, encoding, scratch)
        if encoding == "utf-8" and bad_encoding and not has_non_ascii(con, raw):
            # Bytes that are not UTF-8 and no UTF-8 text anywhere: a Latin-1 / Windows-1252 file.
            # (A UTF-8 file with a few broken lines keeps its UTF-8; those lines are rejected.)
            scratch.drop(keep_before=mark)
            encoding = "latin-1"
            warnings.append(latin1_warning(source, path))
            errors_table, _ = read_csv(con, path, raw, encoding, scratch)
    except (duckdb.Error, OSError, EOFError) as error:
        problems.append(unreadable_problem(source, path.name, error))
        return None
    unreadable, n_unreadable = unreadable_rows(con, errors_table, scratch)
    return _finish_load(
        con,
        source,
        path.name,
        "line",
        raw,
        unreadable,
        n_unreadable,
        scratch,
        warnings,
    )


def _finish_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    label: str,
    unit: Literal["line", "row"],
    raw: str,
    unreadable: str | None,
    n_unreadable: int,
    scratch: Scratch,
    warnings: list[Problem],
) -> Loaded:
    """Describe ``raw`` and, when CSV lines were rejected, number the rows that were read."""
    names = tuple(str(r[0]) for r in con.execute(f"DESCRIBE {raw}").fetchall())
    n_read = scalar(con, f"SELECT count(*) FROM {raw}")
    numbers = None
    if unreadable is not None:
        # The k-th row read is the k-th data row that was not rejected: a table of those row
        # numbers, in order, is joined to the rows by position.
        top = n_read + n_unreadable + scalar(con, f"SELECT max(row_number) FROM {unreadable}")
        numbers = scratch.new("row_numbers")
        run(
            con,
            f"""
            CREATE TEMP TABLE {numbers} AS
            SELECT i AS row_number FROM range(1, {top + 1}) t(i)
            WHERE i NOT IN (SELECT row_number FROM {unreadable} WHERE row_number IS NOT NULL)
            ORDER BY i LIMIT {n_read}
            """,
        )
        warnings.append(
            Problem(
                source=source,
                column=None,
                message=f"{n_unreadable:,} line(s) of {label!r} could not be read (wrong number of "
                "fields, broken quoting or bytes that are not text); they are in rejects",
                fix="check those lines in the file; Sources.rejects() names each line",
                kind="record",
            )
        )
    if n_read == 0 and not n_unreadable:
        warnings.append(
            Problem(
                source=source,
                column=None,
                message=f"{label!r} has a header but no rows"
                if unit == "line"
                else f"the {label} has no rows",
                fix="check that the right data was given; an empty source links nothing",
                kind="source",
            )
        )
    return Loaded(
        source=source,
        label=label,
        unit=unit,
        raw=raw,
        columns=names,
        row_numbers=numbers,
        unreadable=unreadable,
        n_unreadable=n_unreadable,
    )
