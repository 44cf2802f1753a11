"""Read the agency extracts into DuckDB: the only reader, with validation and rejects.

:func:`read_sources` takes a folder, a mapping of source name to file or in-memory table, or an
already read :class:`Sources`, and returns one DuckDB table per source in the standard input layout
(see ``docs/input-layout.md``), named by :mod:`linkage.tables` (``tables.source("cbp")``):

* every layout column present in the input (after the caller's column mapping) as ``VARCHAR``,
  trimmed, with ``''`` turned into ``NULL``;
* every other column carried through under its own name, cast to ``VARCHAR``;
* ``_row_number BIGINT``: the 1-based data row of the record in its source (for a CSV file, the
  record on line ``_row_number + 1``, the header being line 1).

Nothing is dropped silently: a row that cannot be read (a CSV line with too many or too few fields,
bytes that are not text) goes to the rejects table with its line and reason, and so do, with
``on_bad_record="reject"``, rows with an empty or repeated ``record_id``. Every other problem
(missing files, missing required columns, no name column, a bad column mapping) is collected across
all sources and raised at once as one :class:`~linkage.errors.InputError`.

The steps, one module each: ``_discover`` (which file or table is which source), ``_load`` (one
input into a scratch table, its rows numbered; with ``_csv``, ``_encoding`` and ``_frames`` for
CSV files, their encodings and in-memory tables), ``_columns`` (the caller's mapping and the
column plan), ``_stage`` (values trimmed, the source tables written), ``_rejects`` (rows set
aside), ``_result`` (:class:`Sources`); ``_typing`` names the shapes and ``_sql`` holds the DuckDB
helpers, scratch tables included.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, get_args

import duckdb

from linkage import _progress as progress
from linkage import engine, tables
from linkage.errors import InputError, Problem, SourceError, StrictInputError, raise_problems
from linkage.schema import SOURCES
from linkage.sources._columns import plan_columns, resolve_mappings
from linkage.sources._dates import check_dates
from linkage.sources._discover import resolve_inputs
from linkage.sources._load import Loaded, load
from linkage.sources._rejects import check_records
from linkage.sources._result import Sources
from linkage.sources._sql import Scratch
from linkage.sources._stage import TRIM_CHARACTERS as TRIM_CHARACTERS  # for tests: what is trimmed
from linkage.sources._stage import stage, write_tables
from linkage.sources._typing import (
    REJECT_REASONS,
    ROW_NUMBER_COLUMN,
    ColumnMapping,
    OnBadRecord,
    RejectReason,
    Source,
    SourceInput,
)

__all__ = [
    "ColumnMapping",
    "OnBadRecord",
    "REJECT_REASONS",
    "ROW_NUMBER_COLUMN",
    "RejectReason",
    "Source",
    "SourceInput",
    "Sources",
    "read_sources",
]

logger = logging.getLogger("linkage")


def read_sources(
    data: str | os.PathLike[str] | Mapping[str, SourceInput] | Sources,
    *,
    columns: Mapping[str, ColumnMapping] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    on_bad_record: OnBadRecord = "raise",
    strict: bool = False,
    memory_limit: str | int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> Sources:
    """Read and validate the agency extracts into DuckDB tables in the standard input layout.

    Args:
        data: a folder holding ``cbp.*``, ``ice.*``, ``hhs.*``, ``eoir.*`` (``.csv``, ``.csv.gz``,
            ``.txt``, ``.tsv``, ``.parquet``, ``.pq``; names case-insensitive), one such file, or a
            mapping of source name to a path or a pandas / polars / Arrow table or DuckDB
            relation. Any subset of the four sources will do. A :class:`Sources` is returned as is.
        columns: per source, a mapping of the input's column names to layout names, e.g.
            ``{"cbp": {"ALIEN_NBR": "a_number"}}``. Headers already named as the layout (any case,
            stray spaces) need no mapping.
        con: the DuckDB connection to create the tables in (``tables.source(name)`` per source
            and ``tables.REJECTS``, see :mod:`linkage.tables`; replaced if they exist); a new
            in-memory one by default. Scratch tables made on the way are dropped before returning.
        on_bad_record: ``"raise"`` (default) to fail on empty or duplicated ``record_id``
            values; ``"reject"`` to move those rows to the rejects (every row with an empty id, and
            every row of a repeated id after its first) and go on.
        strict: raise every warning (``Sources.warnings`` of severity ``"warning"``: a misspelled
            column, unreadable, impossible or ambiguous dates, a source given as one file, files
            skipped, ...) as a :class:`~linkage.errors.StrictInputError` instead of going on.
            Notes (extra columns carried through, a Latin-1 file) never raise.
        memory_limit: the memory the whole job on these sources may use (``"4GB"``, ``"8GiB"``,
            ``"none"``): DuckDB is held to 3/4 of it (at most the limit less 600 MB) and spills
            to ``temp_directory`` beyond (:func:`linkage.engine.limit_resources`). Default: ``LINKAGE_MEMORY_LIMIT``, else
            4GB. Applied to ``con`` too when given.
        temp_directory: where DuckDB spills (default: ``LINKAGE_TEMP_DIR``, else a folder in the
            system's temporary directory). A disk that fills raises
            :class:`~linkage.errors.ResourceError`.

    Returns:
        The :class:`Sources`: one table per source, the rejects table and the warnings (each
        also logged on the ``linkage`` logger: warnings at WARNING, notes at INFO).

    Raises:
        SourceError: unknown source names, no sources, missing, empty or unreadable files.
        SchemaError: missing required columns, no name column, a mapping naming absent columns or
            a column that is not in the layout.
        RecordError: empty or duplicated ``record_id`` (with ``on_bad_record="raise"``).
        InputError: problems of several of these kinds at once (every problem is listed).
        StrictInputError: with ``strict=True``, the input gave warnings (every one is listed).

    Example:
        >>> import pandas as pd
        >>> cbp = pd.DataFrame({"ID": ["c1", "c2"], "event_date": ["04/19/2021", "05/02/2021"],
        ...                     "first_name": ["Ana", "Luis"], "last_name": ["Lopez", "Chub"]})
        >>> sources = read_sources({"cbp": cbp}, columns={"cbp": {"ID": "record_id"}})
        >>> sources.counts()
        {'cbp': 2}
        >>> sources.table("cbp").columns
        ['record_id', 'event_date', 'first_name', 'last_name', '_row_number']
    """
    if isinstance(data, Sources):
        return _raise_if_strict(_already_read(data, columns=columns, con=con), strict)
    _check_on_bad_record(on_bad_record)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    inputs = resolve_inputs(data, problems, warnings)
    mappings = resolve_mappings(columns, inputs, problems, warnings)
    if not inputs:
        raise_problems(problems)  # nothing could be read: say why

    if con is None:
        con = engine.connect(memory_limit=memory_limit, temp_directory=temp_directory)
        progress.configure(con)  # DuckDB's own bar: on a terminal only
    elif memory_limit is not None or temp_directory is not None:
        engine.limit_resources(con, memory_limit=memory_limit, temp_directory=temp_directory)
    with Scratch(con) as scratch:
        loaded = _load_all(con, inputs, scratch, problems, warnings)
        staged, bad_records = _stage_all(
            con, loaded, mappings, on_bad_record, scratch, problems, warnings
        )
        problems.sort(key=lambda p: _source_order(p.source))
        raise_problems(problems)
        written = write_tables(con, loaded, staged, bad_records, scratch, warnings)
        check_dates(con, written, warnings)
    result = Sources(
        con=con, tables=written, rejects_table=tables.REJECTS, warnings=tuple(warnings)
    )
    for warning in warnings:
        logger.log(
            logging.WARNING if warning.severity == "warning" else logging.INFO, "%s", warning
        )
    logger.info("read %r", result)
    return _raise_if_strict(result, strict)


def _raise_if_strict(sources: Sources, strict: bool) -> Sources:
    """``sources``, or with ``strict`` and warnings, a :class:`StrictInputError` listing them."""
    found = [w for w in sources.warnings if w.severity == "warning"]
    if strict and found:
        raise StrictInputError(found)
    return sources


def _already_read(
    sources: Sources,
    *,
    columns: Mapping[str, ColumnMapping] | None,
    con: duckdb.DuckDBPyConnection | None,
) -> Sources:
    """``sources`` as they are, unless asked to apply a mapping or another connection to them."""
    if columns is not None or (con is not None and con is not sources.con):
        raise SourceError(
            Problem(
                source=None,
                column=None,
                message="the sources were already read; columns= and con= cannot be applied",
                fix="pass the original files or frames to apply a column mapping or another connection",
                kind="source",
            )
        )
    return sources


def _check_on_bad_record(on_bad_record: object) -> None:
    if on_bad_record not in get_args(OnBadRecord):
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"on_bad_record must be 'raise' or 'reject', not {on_bad_record!r}",
                fix="pass on_bad_record='raise' or on_bad_record='reject'",
            )
        )


def _load_all(
    con: duckdb.DuckDBPyConnection,
    inputs: Mapping[str, Any],
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, Loaded]:
    """Each input copied into a scratch table; the ones that cannot be read leave a problem."""
    loaded: dict[str, Loaded] = {}
    for source, value in inputs.items():
        item = load(con, source, value, scratch, problems, warnings)
        if item is not None:
            loaded[source] = item
    return loaded


def _stage_all(
    con: duckdb.DuckDBPyConnection,
    loaded: Mapping[str, Loaded],
    mappings: Mapping[str, Mapping[str, str]],
    on_bad_record: OnBadRecord,
    scratch: Scratch,
    problems: list[Problem],
    warnings: list[Problem],
) -> tuple[dict[str, str], set[str]]:
    """Each loaded input's columns planned, staged and its record ids checked.

    Returns the staged table per source whose columns could be planned, and the sources whose bad
    record ids are to be moved to the rejects (with ``on_bad_record="reject"``; with ``"raise"``
    they are problems).
    """
    staged: dict[str, str] = {}
    bad_records: set[str] = set()
    for source, item in loaded.items():
        plan = plan_columns(item, mappings.get(source, {}), problems, warnings)
        if plan is None:
            continue
        staged[source] = stage(con, item, plan, scratch)
        found = check_records(con, item, staged[source], on_bad_record)
        if found and on_bad_record == "reject":
            bad_records.add(source)
        elif found:
            problems += found
    return staged, bad_records


def _source_order(source: str | None) -> int:
    return SOURCES.index(source) if source in SOURCES else -1  # type: ignore[arg-type]
