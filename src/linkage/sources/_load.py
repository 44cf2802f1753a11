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
from linkage.sources._encoding import peek
from linkage.sources._frames import load_frame
from linkage.sources._problems import (
    empty_file_problem,
    label_of,
    missing_path_problem,
    unreadable_problem,
)
from linkage.sources._sql import Scratch, run, scalar

logger = logging.getLogger("linkage")

#: Bytes that do not make a CSV file's first bytes a header (whitespace, NUL, byte-order marks).
_BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"


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
    """Copy one input into a scratch table; None, with a problem, when it cannot be read."""
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
    return _finish_load(
        con, raw, source=source, label=label, unit="row", scratch=scratch, warnings=warnings
    )


def _load_path(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    raw: str,
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> Loaded | None:
    """Load a CSV or Parquet file into ``raw``; None, with a problem, when it cannot be read."""
    checked = _check_file(source, path, problems)
    if checked is None:
        return None
    kind, head = checked
    if kind == "parquet":
        return _load_parquet(con, source, path, raw, scratch, problems, warnings)
    if not head.strip(_BLANK_BYTES):
        problems.append(empty_file_problem(source, path, "no header line"))
        return None
    try:
        errors = read_csv(con, source, path, head, raw, scratch, warnings)
    except (duckdb.Error, OSError, EOFError) as error:
        problems.append(unreadable_problem(source, path.name, error))
        return None
    unreadable, n_unreadable = unreadable_rows(con, errors, scratch)
    return _finish_load(
        con,
        raw,
        source=source,
        label=path.name,
        unit="line",
        unreadable=unreadable,
        n_unreadable=n_unreadable,
        scratch=scratch,
        warnings=warnings,
    )


def _check_file(
    source: str, path: Path, problems: list[Problem]
) -> tuple[Literal["csv", "parquet"], bytes] | None:
    """The kind and first bytes of a file that exists, is not empty and has a known suffix."""
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
        return kind, peek(path)
    except (OSError, EOFError) as error:
        problems.append(unreadable_problem(source, path.name, error))
        return None


def _load_parquet(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    raw: str,
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> Loaded | None:
    try:
        run(con, f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_parquet(?)", [str(path)])
    except duckdb.Error as error:
        problems.append(unreadable_problem(source, path.name, error))
        return None
    scratch.add(raw)
    return _finish_load(
        con, raw, source=source, label=path.name, unit="row", scratch=scratch, warnings=warnings
    )


def _finish_load(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    *,
    source: str,
    label: str,
    unit: Literal["line", "row"],
    unreadable: str | None = None,
    n_unreadable: int = 0,
    scratch: Scratch,
    warnings: list[Problem],
) -> Loaded:
    """Describe ``raw`` and, when CSV lines were rejected, number the rows that were read."""
    names = tuple(str(r[0]) for r in con.execute(f"DESCRIBE {raw}").fetchall())
    n_read = scalar(con, f"SELECT count(*) FROM {raw}")
    numbers = None
    if unreadable is not None:
        numbers = _number_rows(con, unreadable, n_read, n_unreadable, scratch)
        warnings.append(_unreadable_lines_warning(source, label, n_unreadable))
    if n_read == 0 and not n_unreadable:
        warnings.append(_no_rows_warning(source, label, unit))
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


def _number_rows(
    con: duckdb.DuckDBPyConnection,
    unreadable: str,
    n_read: int,
    n_unreadable: int,
    scratch: Scratch,
) -> str:
    """A table of the data row numbers of the rows read, in order, to join to them by position.

    The k-th row read is the k-th data row that was not rejected.
    """
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
    return numbers


def _unreadable_lines_warning(source: str, label: str, n_unreadable: int) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{n_unreadable:,} line(s) of {label!r} could not be read (wrong number of "
        "fields, broken quoting or bytes that are not text); they are in rejects",
        fix="check those lines in the file; Sources.rejects() names each line",
        kind="record",
    )


def _no_rows_warning(source: str, label: str, unit: Literal["line", "row"]) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{label!r} has a header but no rows"
        if unit == "line"
        else f"the {label} has no rows",
        fix="check that the right data was given; an empty source links nothing",
        kind="source",
    )
