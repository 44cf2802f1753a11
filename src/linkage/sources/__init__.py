"""Read the agency extracts into DuckDB: the only reader, with validation and rejects.

:func:`read_sources` takes a folder, a mapping of source name to file or in-memory table, or an
already read :class:`Sources`, and returns one DuckDB table per source in the standard input layout
(see ``docs/input-layout.md``):

* every layout column present in the input (after the caller's column mapping) as ``VARCHAR``,
  trimmed, with ``''`` turned into ``NULL``;
* every other column carried through under its own name, cast to ``VARCHAR``;
* ``_row_number BIGINT``: the 1-based data row of the record in its source (for a CSV file, the
  record on line ``_row_number + 1``, the header being line 1).

Nothing is dropped silently: a row that cannot be read (a CSV line with too many or too few fields,
bytes that are not text) goes to the ``rejects`` table with its line and reason, and so do, with
``on_bad_record="reject"``, rows with an empty or repeated ``record_id``. Every other problem
(missing files, missing required columns, no name column, a bad column mapping) is collected across
all sources and raised at once as one :class:`~linkage.errors.InputError`.
"""

from __future__ import annotations

import codecs
import difflib
import gzip
import html
import itertools
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, cast, get_args

import duckdb
import pandas as pd
import pyarrow as pa

from linkage import schema
from linkage.errors import MAX_EXAMPLES, InputError, Problem, SourceError, raise_problems

if TYPE_CHECKING:
    import polars

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

Source = schema.Source
#: User column name -> layout column name, e.g. ``{"ALIEN_NBR": "a_number"}``.
ColumnMapping = Mapping[str, str]
OnBadRecord = Literal["raise", "reject"]
RejectReason = Literal["unreadable_row", "empty_record_id", "duplicate_record_id"]
REJECT_REASONS: tuple[RejectReason, ...] = get_args(RejectReason)
SourceInput = Union[
    str,
    "os.PathLike[str]",
    pd.DataFrame,
    "polars.DataFrame",
    pa.Table,
    duckdb.DuckDBPyRelation,
]

#: The column holding each record's 1-based data row in its source.
ROW_NUMBER_COLUMN = "_row_number"
TABLE_PREFIX = "source_"
REJECTS_TABLE = "rejects"
REJECTS_SCHEMA = (
    "source VARCHAR, record_id VARCHAR, row_number BIGINT, reason VARCHAR, detail VARCHAR"
)

CSV_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
COMPRESSED_SUFFIXES: tuple[str, ...] = (".gz",)
#: Characters trimmed from both ends of every layout value (spaces, tabs, no-break spaces, BOM).
TRIM_CHARACTERS = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200C))  # en quad .. zero-width space
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_TRIM_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in TRIM_CHARACTERS) + "]"
_TRIM_ENDS = f"^{_TRIM_CLASS}|{_TRIM_CLASS}$"  # RE2 (DuckDB) syntax
_TRIM_RUNS = f"^{_TRIM_CLASS}+|{_TRIM_CLASS}+$"
NAME_OPTIONS: tuple[str, ...] = ("full_name", "last_name", "first_name")
_PEEK_BYTES = 1 << 16
_DETAIL_TEXT_CHARS = 200
_ENCODING_ERRORS = ("INVALID ENCODING", "INVALID UNICODE")
_counter = itertools.count(1)
_TRANSCODE_CHUNK = 1 << 20
#: A well-formed UTF-8 sequence beyond ASCII (lead byte and continuation bytes).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _cp1252_or_latin1(error: UnicodeError) -> tuple[str, int]:
    """Decode error handler: the five bytes Windows-1252 leaves undefined read as Latin-1."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("linkage_cp1252", _cp1252_or_latin1)


# --------------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------------


@dataclass(eq=False, frozen=True, kw_only=True)
class Sources:
    """The source tables read by :func:`read_sources`, in one DuckDB connection.

    Attributes:
        con: the connection holding the tables.
        tables: source -> DuckDB table name (``{"cbp": "source_cbp", ...}``), in the order of
            :data:`linkage.schema.SOURCES`, only the sources given.
        rejects_table: the DuckDB table of rows set aside: ``source, record_id (null if unknown),
            row_number, reason, detail``.
        warnings: non-fatal findings (ignored files, re-read encodings, unknown extra columns,
            rejected rows).
    """

    con: duckdb.DuckDBPyConnection
    tables: dict[str, str]
    rejects_table: str = REJECTS_TABLE
    warnings: tuple[Problem, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The sources read, in :data:`linkage.schema.SOURCES` order."""
        return tuple(self.tables)

    def table(self, source: str) -> duckdb.DuckDBPyRelation:
        """The table of one source as a DuckDB relation.

        Raises:
            SourceError: ``source`` was not read.
        """
        if source not in self.tables:
            raise SourceError(
                Problem(
                    source=source,
                    column=None,
                    message=f"no source {source!r} was read; the sources are {', '.join(self.names)}",
                    fix=_did_you_mean(source, self.names) or "use one of the names above",
                    kind="source",
                )
            )
        return self.con.table(_quote(self.tables[source]))

    def counts(self) -> dict[str, int]:
        """Rows per source table (rows read and kept, not rejected)."""
        if not self.tables:
            return {}
        sql = " UNION ALL ".join(
            f"SELECT {i} AS i, count(*) AS n FROM {_quote(table)}"
            for i, table in enumerate(self.tables.values())
        )
        found = dict(self.con.execute(sql).fetchall())
        return {source: int(found[i]) for i, source in enumerate(self.tables)}

    def rejects(self) -> pd.DataFrame:
        """The rows set aside, ordered by source then row: ``source, record_id, row_number,
        reason, detail``."""
        order = ", ".join(f"'{s}'" for s in schema.SOURCES)
        return self.con.execute(
            f"SELECT * FROM {_quote(self.rejects_table)} "
            f"ORDER BY list_position([{order}], source), row_number, reason"
        ).df()

    def _reject_counts(self) -> dict[str, int]:
        rows = self.con.execute(
            f"SELECT source, count(*) FROM {_quote(self.rejects_table)} GROUP BY source"
        ).fetchall()
        return {str(s): int(n) for s, n in rows}

    def __repr__(self) -> str:
        counts = self.counts()
        rejected = self._reject_counts()
        parts = [f"{s}={counts[s]:,} rows" for s in self.tables]
        text = ", ".join(parts) if parts else "no sources"
        return (
            f"Sources({text}; rejected={sum(rejected.values()):,}; warnings={len(self.warnings)})"
        )

    def _repr_html_(self) -> str:
        counts = self.counts()
        rejected = self._reject_counts()
        rows = "".join(
            f"<tr><td>{html.escape(s)}</td><td><code>{html.escape(t)}</code></td>"
            f"<td style='text-align:right'>{counts[s]:,}</td>"
            f"<td style='text-align:right'>{rejected.get(s, 0):,}</td></tr>"
            for s, t in self.tables.items()
        )
        warnings = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.warnings)
        return (
            "<div><strong>linkage sources</strong>"
            "<table><thead><tr><th>source</th><th>table</th><th>rows</th><th>rejected</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            + (f"<p>Warnings:</p><ul>{warnings}</ul>" if warnings else "")
            + "</div>"
        )


# --------------------------------------------------------------------------------------------
# the verb
# --------------------------------------------------------------------------------------------


def read_sources(
    data: str | os.PathLike[str] | Mapping[str, SourceInput] | Sources,
    *,
    columns: Mapping[str, ColumnMapping] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    on_bad_record: OnBadRecord = "raise",
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
        con: the DuckDB connection to create the tables in (``source_<name>``, ``rejects``,
            replaced if they exist); a new in-memory one by default.
        on_bad_record: ``"raise"`` (default) to fail on empty or duplicated ``record_id``
            values; ``"reject"`` to move those rows to ``rejects`` (every row with an empty id, and
            every row of a repeated id after its first) and go on.

    Returns:
        The :class:`Sources`: one table per source, the rejects table and the warnings.

    Raises:
        SourceError: unknown source names, no sources, missing, empty or unreadable files.
        SchemaError: missing required columns, no name column, a mapping naming absent columns or
            a column that is not in the layout.
        RecordError: empty or duplicated ``record_id`` (with ``on_bad_record="raise"``).
        InputError: problems of several of these kinds at once (every problem is listed).

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
        if columns is not None or (con is not None and con is not data.con):
            raise SourceError(
                Problem(
                    source=None,
                    column=None,
                    message="the sources were already read; columns= and con= cannot be applied",
                    fix="pass the original files or frames to apply a column mapping or another connection",
                    kind="source",
                )
            )
        return data
    if on_bad_record not in get_args(OnBadRecord):
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"on_bad_record must be 'raise' or 'reject', not {on_bad_record!r}",
                fix="pass on_bad_record='raise' or on_bad_record='reject'",
            )
        )

    problems: list[Problem] = []
    warnings: list[Problem] = []
    inputs = _resolve_inputs(data, problems, warnings)
    mappings = _resolve_mappings(columns, inputs, problems, warnings)
    if not inputs:
        raise_problems(problems)  # nothing could be read: say why

    con = con if con is not None else duckdb.connect()
    temps: list[tuple[str, str]] = []  # (kind, name) of temporary objects, dropped at the end
    try:
        loaded: dict[str, _Loaded] = {}
        for source, value in inputs.items():
            item = _load(con, source, value, temps, problems, warnings)
            if item is not None:
                loaded[source] = item
        staged: dict[str, str] = {}
        bad_records: set[str] = set()
        for source, item in loaded.items():
            plan = _plan_columns(item, mappings.get(source, {}), problems, warnings)
            if plan is None:
                continue
            staged[source] = _stage(con, item, plan, temps)
            found = _check_records(con, item, staged[source], on_bad_record)
            if found and on_bad_record == "reject":
                bad_records.add(source)
            elif found:
                problems += found
        problems.sort(key=lambda p: _source_order(p.source))
        raise_problems(problems)

        tables = _write_tables(con, loaded, staged, bad_records, warnings)
    finally:
        _drop(con, temps)
    result = Sources(con=con, tables=tables, rejects_table=REJECTS_TABLE, warnings=tuple(warnings))
    for warning in warnings:
        logger.warning("%s", warning)
    logger.info("read %r", result)
    return result


# --------------------------------------------------------------------------------------------
# finding the inputs
# --------------------------------------------------------------------------------------------


def _resolve_inputs(data: Any, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """Source -> input (path or frame), in SOURCES order; problems for anything unusable."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.is_dir():
            return _scan_folder(path, problems, warnings)
        if path.is_file():
            source = _source_of_file(path)
            if source is None:
                problems.append(
                    Problem(
                        source=None,
                        column=None,
                        message=f"{str(path)!r} is a single file whose name is not a source name",
                        fix=f"name it after its source ({', '.join(schema.SOURCES)}), e.g. cbp.csv, "
                        "or pass a mapping such as {'cbp': path}",
                        kind="source",
                    )
                )
                return {}
            return {source: path}
        problems.append(_missing_path_problem(None, path))
        return {}
    if not isinstance(data, Mapping):
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"cannot read sources from a value of type {type(data).__name__}",
                fix="pass a folder, or a mapping of source name to a file or table, "
                "e.g. {'cbp': 'cbp.csv', 'hhs': hhs_frame}",
                kind="source",
            )
        )
        return {}
    found: dict[str, Any] = {}
    for key in data:
        name = str(key).strip().lower() if isinstance(key, str) else key
        if name not in schema.SOURCES:
            problems.append(_unknown_source_problem(key))
        elif name in found:
            problems.append(
                Problem(
                    source=name,
                    column=None,
                    message=f"source {name!r} is given twice (as {key!r})",
                    fix="give each source once",
                    kind="source",
                )
            )
        else:
            found[name] = data[key]
    if not data:
        problems.append(
            Problem(
                source=None,
                column=None,
                message="no sources were given",
                fix=f"give at least one of {', '.join(schema.SOURCES)}",
                kind="source",
            )
        )
    return {s: found[s] for s in schema.SOURCES if s in found}


def _scan_folder(folder: Path, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    by_source: dict[str, list[Path]] = {}
    ignored: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir():
            logger.debug("ignoring folder %s", path)
            continue
        source = _source_of_file(path)
        if source is None or _file_kind(path) is None:
            ignored.append(path.name)
        else:
            by_source.setdefault(source, []).append(path)
    if ignored:
        warnings.append(
            Problem(
                source=None,
                column=None,
                message=f"{len(ignored)} file(s) in {str(folder)!r} are not source files and were ignored",
                fix="name source files cbp.*, ice.*, hhs.*, eoir.* with a suffix of "
                + ", ".join(_accepted_suffixes()),
                examples=tuple(ignored),
                kind="source",
            )
        )
    if not by_source:
        shown = ", ".join(ignored[:10]) if ignored else "nothing"
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"the folder {str(folder)!r} holds no source file (found: {shown})",
                fix="put files named cbp.csv, ice.csv, hhs.csv, eoir.csv (or .parquet) in it, "
                "or pass a mapping of source name to file",
                kind="source",
            )
        )
        return {}
    found: dict[str, Any] = {}
    for source in schema.SOURCES:
        paths = by_source.get(source, [])
        if len(paths) > 1:
            problems.append(
                Problem(
                    source=source,
                    column=None,
                    message=f"{len(paths)} files in the folder could be source {source!r}",
                    fix="keep one file per source in the folder",
                    examples=tuple(p.name for p in paths),
                    kind="source",
                )
            )
        elif paths:
            found[source] = paths[0]
    return found


def _resolve_mappings(
    columns: Mapping[str, ColumnMapping] | None,
    inputs: Mapping[str, Any],
    problems: list[Problem],
    warnings: list[Problem],
) -> dict[str, dict[str, str]]:
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"columns= must be a mapping per source, not a {type(columns).__name__}",
                fix="pass e.g. columns={'cbp': {'ALIEN_NBR': 'a_number'}}",
            )
        )
        return {}
    result: dict[str, dict[str, str]] = {}
    for key, mapping in columns.items():
        name = str(key).strip().lower()
        if name not in schema.SOURCES:
            problem = _unknown_source_problem(key)
            if (
                isinstance(key, str)
                and key.strip().lower() in schema.COMMON_COLUMNS + schema.NAME_COLUMNS
            ):
                problem = Problem(
                    source=None,
                    column=str(key),
                    message="columns= is keyed by source first; got a column name as a key",
                    fix="nest the mapping under its source, e.g. columns={'cbp': {'ALIEN_NBR': 'a_number'}}",
                )
            problems.append(problem)
            continue
        if not isinstance(mapping, Mapping):
            problems.append(
                Problem(
                    source=name,
                    column=None,
                    message=f"the column mapping must be a dict, not a {type(mapping).__name__}",
                    fix=f"pass e.g. columns={{'{name}': {{'ALIEN_NBR': 'a_number'}}}}",
                )
            )
            continue
        if name not in inputs:
            warnings.append(
                Problem(
                    source=name,
                    column=None,
                    message="a column mapping was given for a source that was not given; it is unused",
                    fix="remove it, or give the source",
                    kind="source",
                )
            )
        result[name] = {str(k): str(v) for k, v in mapping.items()}
    return result


# --------------------------------------------------------------------------------------------
# loading one input into a temporary DuckDB table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Loaded:
    """One input copied into the DuckDB table ``raw``, with what is needed to number its rows."""

    source: str
    label: str  # for messages: the file name or the frame type
    unit: Literal["line", "row"]  # how to name a row in messages
    raw: str
    columns: tuple[str, ...]  # the input's column names, as DuckDB sees them
    row_numbers: str | None = None  # rows' data row numbers, in order, when lines were rejected
    unreadable: str | None = None  # temp table of unreadable CSV rows (row_number, detail)
    n_unreadable: int = 0


def _load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    value: Any,
    temps: list[tuple[str, str]],
    problems: list[Problem],
    warnings: list[Problem],
) -> _Loaded | None:
    token = f"{source}_{next(_counter)}"
    raw = f"__linkage_raw_{token}"
    try:
        if isinstance(value, (str, os.PathLike)):
            return _load_path(con, source, Path(value), raw, temps, problems, warnings)
        label, relation_problem = _load_frame(con, source, value, raw, temps)
    except Exception as error:  # noqa: BLE001 - the input boundary: report it, never a raw error
        logger.debug("reading %s failed", source, exc_info=True)
        problems.append(_unreadable_problem(source, _label_of(value), error))
        return None
    if relation_problem is not None:
        problems.append(relation_problem)
        return None
    return _finish_load(con, source, label, "row", raw, None, 0, temps, warnings)


def _load_path(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    raw: str,
    temps: list[tuple[str, str]],
    problems: list[Problem],
    warnings: list[Problem],
) -> _Loaded | None:
    if not path.exists():
        problems.append(_missing_path_problem(source, path))
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
    kind = _file_kind(path)
    if kind is None:
        problems.append(
            Problem(
                source=source,
                column=None,
                message=f"{path.name!r} is not a file type that can be read",
                fix=f"save it as CSV or Parquet (accepted: {', '.join(_accepted_suffixes())})",
                kind="source",
            )
        )
        return None
    try:
        if path.stat().st_size == 0:
            problems.append(_empty_file_problem(source, path, "0 bytes"))
            return None
        head = _peek(path)
    except (OSError, EOFError) as error:
        problems.append(_unreadable_problem(source, path.name, error))
        return None
    if kind == "parquet":
        try:
            _run(con, f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_parquet(?)", [str(path)])
        except duckdb.Error as error:
            problems.append(_unreadable_problem(source, path.name, error))
            return None
        temps.append(("TABLE", raw))
        return _finish_load(con, source, path.name, "row", raw, None, 0, temps, warnings)

    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        problems.append(_empty_file_problem(source, path, "no header line"))
        return None
    encoding = _sniff_encoding(head)
    if encoding == "latin-1":
        warnings.append(_latin1_warning(source, path))
    try:
        mark = len(temps)
        errors_table, bad_encoding = _read_csv(con, path, raw, encoding, temps)
        if encoding == "utf-8" and bad_encoding and not _has_non_ascii(con, raw):
            # Bytes that are not UTF-8 and no UTF-8 text anywhere: a Latin-1 / Windows-1252 file.
            # (A UTF-8 file with a few broken lines keeps its UTF-8; those lines are rejected.)
            _drop(con, temps, keep_before=mark)
            encoding = "latin-1"
            warnings.append(_latin1_warning(source, path))
            errors_table, _ = _read_csv(con, path, raw, encoding, temps)
    except (duckdb.Error, OSError, EOFError) as error:
        problems.append(_unreadable_problem(source, path.name, error))
        return None
    unreadable, n_unreadable = _unreadable_rows(con, errors_table, temps)
    return _finish_load(
        con,
        source,
        path.name,
        "line",
        raw,
        unreadable,
        n_unreadable,
        temps,
        warnings,
    )


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    raw: str,
    encoding: str,
    temps: list[tuple[str, str]],
) -> tuple[str, int]:
    """Read a CSV file into ``raw``; rows that cannot be read go to a reject-errors table.

    Returns the reject-errors table and the number of rejected lines for bad encoding.
    """
    n = next(_counter)
    scans, errors = f"__linkage_rejscan_{n}", f"__linkage_rejerr_{n}"
    temps.append(("TABLE", scans))
    temps.append(("TABLE", errors))
    try:
        _csv_into(con, str(path), raw, encoding, scans, errors)
    except duckdb.Error as error:
        if encoding != "latin-1" or "latin-1" not in str(error):
            raise
        # DuckDB's Latin-1 refuses bytes 0x80-0x9F, which Windows-1252 files use for quotes,
        # dashes and the euro sign: transcode to a temporary UTF-8 copy and read that.
        for name in (scans, errors):
            _run(con, f"DROP TABLE IF EXISTS {name}")
        copy = _transcode_cp1252(path)
        try:
            _csv_into(con, str(copy), raw, "utf-8", scans, errors)
        finally:
            copy.unlink(missing_ok=True)
    temps.append(("TABLE", raw))
    bad_encoding = _scalar(
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
    _run(
        con,
        f"CREATE TEMP TABLE {raw} AS SELECT * FROM read_csv(?, {options}, store_rejects=true, "
        f"rejects_table='{errors}', rejects_scan='{scans}'{dialect})",
        [path, encoding, *params],
    )


def _unreadable_rows(
    con: duckdb.DuckDBPyConnection, errors: str, temps: list[tuple[str, str]]
) -> tuple[str | None, int]:
    """One row per rejected CSV line: data row number and a detail naming the line."""
    count = _scalar(con, f"SELECT count(DISTINCT line) FROM {errors} WHERE line IS NOT NULL")
    if not count:
        return None, 0
    table = f"__linkage_unreadable_{next(_counter)}"
    _run(
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
    temps.append(("TABLE", table))
    return table, count


def _finish_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    label: str,
    unit: Literal["line", "row"],
    raw: str,
    unreadable: str | None,
    n_unreadable: int,
    temps: list[tuple[str, str]],
    warnings: list[Problem],
) -> _Loaded:
    """Describe ``raw`` and, when CSV lines were rejected, number the rows that were read."""
    names = tuple(str(r[0]) for r in con.execute(f"DESCRIBE {raw}").fetchall())
    n_read = _scalar(con, f"SELECT count(*) FROM {raw}")
    numbers = None
    if unreadable is not None:
        # The k-th row read is the k-th data row that was not rejected: a table of those row
        # numbers, in order, is joined to the rows by position.
        top = n_read + n_unreadable + _scalar(con, f"SELECT max(row_number) FROM {unreadable}")
        numbers = f"__linkage_rownums_{next(_counter)}"
        _run(
            con,
            f"""
            CREATE TEMP TABLE {numbers} AS
            SELECT i AS row_number FROM range(1, {top + 1}) t(i)
            WHERE i NOT IN (SELECT row_number FROM {unreadable} WHERE row_number IS NOT NULL)
            ORDER BY i LIMIT {n_read}
            """,
        )
        temps.append(("TABLE", numbers))
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
    return _Loaded(
        source=source,
        label=label,
        unit=unit,
        raw=raw,
        columns=names,
        row_numbers=numbers,
        unreadable=unreadable,
        n_unreadable=n_unreadable,
    )


def _load_frame(
    con: duckdb.DuckDBPyConnection,
    source: str,
    value: Any,
    raw: str,
    temps: list[tuple[str, str]],
) -> tuple[str, Problem | None]:
    """Copy an in-memory table into ``raw``; returns its label and a problem, if any."""
    label = _label_of(value)
    module = type(value).__module__.split(".")[0]
    frame: Any
    if isinstance(value, pd.DataFrame):
        frame = value
        if any(name is not None for name in frame.index.names):
            frame = frame.reset_index()  # a named index (e.g. set_index("record_id")) is data
        if not all(isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    elif module == "polars":
        if hasattr(value, "collect") and not hasattr(value, "to_arrow"):
            value = value.collect()  # a LazyFrame
        frame = value.to_arrow()
    elif isinstance(value, pa.RecordBatch):
        frame = pa.Table.from_batches([value])
    elif isinstance(value, (pa.Table, pa.RecordBatchReader, duckdb.DuckDBPyRelation)):
        frame = value
    else:
        return label, Problem(
            source=source,
            column=None,
            message=f"cannot read a {type(value).__name__}",
            fix="give a path (CSV or Parquet), a pandas or polars DataFrame, an Arrow table "
            "or a DuckDB relation",
            kind="source",
        )
    clash = _case_clashes([str(c) for c in _frame_columns(frame)])
    if clash:
        return label, Problem(
            source=source,
            column=None,
            message=f"the {label} has columns whose names differ only in case, which DuckDB "
            "cannot hold apart",
            fix="rename or drop one of each pair",
            examples=tuple(" / ".join(pair) for pair in clash),
            kind="schema",
        )
    view = f"__linkage_frame_{next(_counter)}"
    try:
        _copy_registered(con, view, frame, raw)
    except (duckdb.Error, UnicodeError, ValueError, TypeError) as first:
        retry = _relation_as_arrow(frame) if isinstance(frame, duckdb.DuckDBPyRelation) else None
        if retry is None and isinstance(frame, pd.DataFrame):
            retry = _objects_as_strings(frame)
        if retry is None:
            return label, _unreadable_problem(source, label, first)
        try:
            _copy_registered(con, view, retry, raw)
        except (duckdb.Error, UnicodeError, ValueError, TypeError) as error:
            return label, _unreadable_problem(source, label, error)
    temps.append(("TABLE", raw))
    return label, None


def _copy_registered(con: duckdb.DuckDBPyConnection, view: str, frame: Any, raw: str) -> None:
    con.register(view, frame)
    try:
        _run(con, f"CREATE TEMP TABLE {raw} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def _relation_as_arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table | None:
    """A relation of another connection, materialised as Arrow (it cannot be scanned from ours)."""
    try:
        return relation.to_arrow_table()
    except duckdb.Error:
        return None


def _objects_as_strings(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Object columns of mixed types as pandas strings, for a second try."""
    objects = [c for c in frame.columns if frame[c].dtype == object]
    if not objects:
        return None
    try:
        return frame.astype(dict.fromkeys(objects, "string"))
    except (TypeError, ValueError, UnicodeError):
        return None


def _frame_columns(frame: Any) -> Sequence[Any]:
    if isinstance(frame, pd.DataFrame):
        return list(frame.columns)
    if isinstance(frame, (pa.Table, pa.RecordBatchReader)):
        return list(frame.schema.names)
    if isinstance(frame, duckdb.DuckDBPyRelation):
        return list(frame.columns)
    return []


# --------------------------------------------------------------------------------------------
# columns: mapping, layout, required columns, names
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Plan:
    """How the input's columns become the table's: (input column, output name, is layout)."""

    columns: tuple[tuple[str, str, bool], ...]


def _plan_columns(
    item: _Loaded,
    mapping: Mapping[str, str],
    problems: list[Problem],
    warnings: list[Problem],
) -> _Plan | None:
    source = item.source
    layout = _layout(source)
    found = list(item.columns)
    shown = _show(found)
    start = len(problems)
    target_of: dict[str, str] = {}  # input column -> layout column

    for user_name, target in mapping.items():
        column = _match_column(user_name, found)
        if column is None:
            close = _close(user_name, found)
            problems.append(
                Problem(
                    source=source,
                    column=user_name,
                    message=f"the column mapping names {user_name!r}, which is not in {item.label!r}; "
                    f"its columns are {shown}",
                    fix=f"did you mean {close!r}?" if close else "use one of the columns listed",
                    kind="schema",
                )
            )
            continue
        wanted = target.strip()
        if wanted not in layout:
            elsewhere = [s for s in schema.SOURCES if wanted in _layout(s)]
            where = f" (it belongs to {', '.join(elsewhere)})" if elsewhere else ""
            close = _close(wanted, layout)
            problems.append(
                Problem(
                    source=source,
                    column=user_name,
                    message=f"the column mapping maps {user_name!r} onto {target!r}, which is not a "
                    f"column of the {source} layout{where}; its layout columns are {_show(layout)}",
                    fix=(f"did you mean {close!r}? " if close else "")
                    + "unmapped columns are carried through under their own names anyway",
                    kind="schema",
                )
            )
            continue
        target_of[column] = wanted
    for column in found:
        if column not in target_of and _key(column) in layout and column not in mapping:
            target_of[column] = _key(column)

    by_target: dict[str, list[str]] = {}
    for column, target in target_of.items():
        by_target.setdefault(target, []).append(column)
    for target, cols in by_target.items():
        if len(cols) > 1:
            problems.append(
                Problem(
                    source=source,
                    column=target,
                    message=f"{len(cols)} columns would become {target!r}: {_show(cols)}",
                    fix="map only one of them onto it, and drop or rename the others before reading",
                    examples=tuple(cols),
                    kind="schema",
                )
            )
    present = set(by_target)
    unmapped = [c for c in found if c not in target_of]

    for required in schema.REQUIRED_COLUMNS:
        if required not in present:
            close = _close(required, unmapped)
            fix = (
                f"map it: columns={{'{source}': {{'{close}': '{required}'}}}}"
                if close
                else f"add the column, or map the input's column onto it: "
                f"columns={{'{source}': {{'<your column>': '{required}'}}}}"
            )
            problems.append(
                Problem(
                    source=source,
                    column=required,
                    message=f"required column {required!r} is missing from {item.label!r}; "
                    f"its columns are {shown}",
                    fix=fix,
                    kind="schema",
                )
            )
    if not present.intersection(NAME_OPTIONS):
        guesses = {n: c for n in NAME_OPTIONS if (c := _close(n, unmapped))}
        fix = (
            "map them: columns={'"
            + source
            + "': {"
            + ", ".join(f"'{c}': '{n}'" for n, c in guesses.items())
            + "}}"
            if guesses
            else "add full_name, or first_name and last_name, or map the input's name columns "
            "onto them"
        )
        problems.append(
            Problem(
                source=source,
                column=None,
                message=f"no name column in {item.label!r}: needs full_name, or last_name, or "
                f"first_name; its columns are {shown}",
                fix=fix,
                kind="schema",
            )
        )
    if len(problems) > start:
        return None

    extras = [c for c in unmapped if _key(c) != ROW_NUMBER_COLUMN]
    if len(extras) < len(unmapped):
        warnings.append(
            Problem(
                source=source,
                column=ROW_NUMBER_COLUMN,
                message=f"the input's own {ROW_NUMBER_COLUMN!r} column was replaced by the row "
                "number of each record in this input",
                fix=f"rename the column if it is data ({ROW_NUMBER_COLUMN!r} is reserved)",
                kind="schema",
            )
        )
    unknown = extras
    if unknown:
        hints = {c: h for c in unknown if (h := _close(c, sorted(set(layout) - present)))}
        warnings.append(
            Problem(
                source=source,
                column=None,
                message=f"{len(unknown)} column(s) not in the {source} layout are carried through "
                "unchanged and not used for linking",
                fix=(
                    "if one is a layout column under another name, map it: "
                    + ", ".join(f"{c!r} -> {h!r}" for c, h in hints.items())
                )
                if hints
                else "nothing to do if they are only for reference",
                examples=tuple(unknown),
                kind="schema",
            )
        )
    plan = [(c, t, True) for t in layout for c in found if target_of.get(c) == t]
    plan += [(c, c, False) for c in extras]
    return _Plan(columns=tuple(plan))


# --------------------------------------------------------------------------------------------
# records: empty and duplicated record_id
# --------------------------------------------------------------------------------------------


def _stage(
    con: duckdb.DuckDBPyConnection, item: _Loaded, plan: _Plan, temps: list[tuple[str, str]]
) -> str:
    """The source's table-to-be, as a temporary table: layout columns cleaned, extras as text."""
    staged = f"__linkage_staged_{item.source}_{next(_counter)}"
    select = []
    for column, out, is_layout in plan.columns:
        text = f"CAST(r.{_quote(column)} AS VARCHAR)"
        select.append(f"{_clean(text) if is_layout else text} AS {_quote(out)}")
    if item.row_numbers is None:
        select.append(f"CAST(r.rowid + 1 AS BIGINT) AS {ROW_NUMBER_COLUMN}")
        rows = f"{item.raw} r"
    else:
        select.append(f"n.row_number AS {ROW_NUMBER_COLUMN}")
        rows = f"{item.raw} r POSITIONAL JOIN {item.row_numbers} n"
    _run(con, f"CREATE TEMP TABLE {staged} AS SELECT {', '.join(select)} FROM {rows}")
    temps.append(("TABLE", staged))
    return staged


def _check_records(
    con: duckdb.DuckDBPyConnection, item: _Loaded, staged: str, on_bad_record: OnBadRecord
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


# --------------------------------------------------------------------------------------------
# writing the tables
# --------------------------------------------------------------------------------------------


def _write_tables(
    con: duckdb.DuckDBPyConnection,
    loaded: Mapping[str, _Loaded],
    staged: Mapping[str, str],
    bad_records: set[str],
    warnings: list[Problem],
) -> dict[str, str]:
    """Create ``rejects`` and the source tables; ``bad_records``: sources to take bad ids from."""
    rejects = _quote(REJECTS_TABLE)
    _run(con, f"CREATE OR REPLACE TABLE {rejects} ({REJECTS_SCHEMA})")
    tables: dict[str, str] = {}
    for source in schema.SOURCES:
        if source not in staged:
            continue
        item, table = loaded[source], f"{TABLE_PREFIX}{source}"
        if item.unreadable is not None:
            _run(
                con,
                f"INSERT INTO {rejects} SELECT ?, NULL, row_number, 'unreadable_row', detail "
                f"FROM {item.unreadable}",
                [source],
            )
        select = f"SELECT * FROM {staged[source]}"
        if source in bad_records:
            select = _reject_bad_records(con, item, staged[source], warnings)
        _run(con, f"CREATE OR REPLACE TABLE {_quote(table)} AS {select}")
        _drop(con, [("TABLE", f"__linkage_first_{source}")])
        tables[source] = table
        logger.info(
            "%s: %s rows from %s",
            source,
            f"{_scalar(con, f'SELECT count(*) FROM {_quote(table)}'):,}",
            item.label,
        )
    return tables


def _reject_bad_records(
    con: duckdb.DuckDBPyConnection, item: _Loaded, staged: str, warnings: list[Problem]
) -> str:
    """Move every row with an empty id, and every row of a repeated id after its first, to
    ``rejects``; return the SELECT of the rows kept (in order)."""
    row = ROW_NUMBER_COLUMN
    first = f"__linkage_first_{item.source}"
    _run(
        con,
        f"CREATE OR REPLACE TEMP TABLE {first} AS SELECT record_id, min({row}) AS first_row "
        f"FROM {staged} WHERE record_id IS NOT NULL GROUP BY record_id HAVING count(*) > 1",
    )
    here, there = (
        (f"'line ' || (s.{row} + 1)", "'line ' || (f.first_row + 1)")
        if item.unit == "line"
        else (f"'row ' || s.{row}", "'row ' || f.first_row")
    )
    n_rejected = _scalar(
        con,
        f"""
        INSERT INTO {_quote(REJECTS_TABLE)}
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


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _layout(source: str) -> tuple[str, ...]:
    return schema.COMMON_COLUMNS + schema.NAME_COLUMNS + schema.SOURCE_COLUMNS[source]


def _key(name: str) -> str:
    """A header as matched against the layout: BOM and surrounding spaces removed, lower case."""
    return name.strip().lstrip("\ufeff").strip().lower()


def _match_column(name: str, found: Sequence[str]) -> str | None:
    if name in found:
        return name
    matches = [c for c in found if _key(c) == _key(name)]
    return matches[0] if len(matches) == 1 else None


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _key(name))


def _close(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate closest to ``name`` (ignoring case and punctuation), if any is close."""
    squashed = {}
    for c in candidates:
        squashed.setdefault(_squash(c), c)
    key = _squash(name)
    if not key:
        return None
    hits = difflib.get_close_matches(key, list(squashed), n=1, cutoff=0.6)
    if hits:
        return squashed[hits[0]]
    contained = [c for k, c in squashed.items() if k and (key in k or k in key) and len(k) > 2]
    return contained[0] if len(contained) == 1 else None


def _did_you_mean(name: object, options: Sequence[str]) -> str:
    hits = difflib.get_close_matches(str(name).strip().lower(), list(options), n=1, cutoff=0.5)
    return f"did you mean {hits[0]!r}?" if hits else ""


def _unknown_source_problem(key: object) -> Problem:
    hint = _did_you_mean(key, schema.SOURCES)
    return Problem(
        source=None,
        column=None,
        message=f"unknown source {key!r}; the sources are {', '.join(schema.SOURCES)}",
        fix=(hint + " " if hint else "") + "use one of the four source names",
        kind="source",
    )


def _missing_path_problem(source: str | None, path: Path) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"no file or folder at {str(path)!r}",
        fix=f"check the path (relative paths start from the current directory, {os.getcwd()!r})",
        kind="source",
    )


def _empty_file_problem(source: str, path: Path, what: str) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{path.name!r} is empty ({what})",
        fix="give the extract with its header row; leave the source out if there is no data",
        kind="source",
    )


def _unreadable_problem(source: str, label: str, error: BaseException) -> Problem:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Problem(
        source=source,
        column=None,
        message=f"{label!r} could not be read: {first}",
        fix="check that it is a CSV or Parquet file (or a table) holding text, and that it can be "
        "opened",
        kind="source",
    )


def _latin1_warning(source: str, path: Path) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{path.name!r} is not UTF-8; it was read as Latin-1 / Windows-1252",
        fix="save the extract as UTF-8 to be sure accented names read right",
        kind="source",
    )


def _label_of(value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return Path(value).name
    module = type(value).__module__.split(".")[0]
    return f"{module} {type(value).__name__}"


def _source_of_file(path: Path) -> str | None:
    stem = path.name.split(".")[0].strip().lower()
    return stem if stem in schema.SOURCES else None


def _file_kind(path: Path) -> Literal["csv", "parquet"] | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] in CSV_SUFFIXES:
            return "csv"
        return None
    if suffixes and suffixes[-1] in CSV_SUFFIXES:
        return "csv"
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    return None


def _accepted_suffixes() -> list[str]:
    return [*CSV_SUFFIXES, *(s + ".gz" for s in CSV_SUFFIXES), *PARQUET_SUFFIXES]


def _peek(path: Path) -> bytes:
    """The first bytes of a file (decompressed for ``.gz``)."""
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        with gzip.open(path, "rb") as handle:
            return cast(bytes, handle.read(_PEEK_BYTES))
    with path.open("rb") as handle:
        return handle.read(_PEEK_BYTES)


def _sniff_encoding(head: bytes) -> str:
    """``utf-16`` (by its BOM), ``latin-1`` (bytes that are not UTF-8 and none that are UTF-8
    beyond ASCII) or ``utf-8`` (a UTF-8 file with a few broken lines stays UTF-8)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        if _UTF8_MULTIBYTE.search(head.removeprefix(b"\xef\xbb\xbf")):
            return "utf-8"
        return "latin-1"
    return "utf-8"


def _transcode_cp1252(path: Path) -> Path:
    """A temporary UTF-8 copy of a Windows-1252 file (streamed in blocks, never row by row)."""
    handle, name = tempfile.mkstemp(prefix="linkage-", suffix=".csv")
    opener = gzip.open if path.suffix.lower() in COMPRESSED_SUFFIXES else open
    with opener(path, "rb") as source, os.fdopen(handle, "wb") as target:
        while block := source.read(_TRANSCODE_CHUNK):
            target.write(block.decode("cp1252", errors="linkage_cp1252").encode("utf-8"))
    return Path(name)


def _has_non_ascii(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether any value or column name of ``table`` holds a character beyond ASCII."""
    names = [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    if any(not n.isascii() for n in names):
        return True
    if not names:
        return False
    test = " OR ".join(f"strlen({_quote(n)}) <> length({_quote(n)})" for n in names)
    return bool(_scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {test} LIMIT 1)"))


def _case_clashes(names: Sequence[str]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    clashes = []
    for name in names:
        folded = name.lower()
        if folded in seen:
            clashes.append((seen[folded], name))
        else:
            seen[folded] = name
    return clashes


def _clean(expr: str) -> str:
    """SQL: the VARCHAR ``expr`` without surrounding whitespace, '' as NULL."""
    return (
        f"NULLIF(CASE WHEN regexp_matches({expr}, '{_TRIM_ENDS}') "
        f"THEN regexp_replace({expr}, '{_TRIM_RUNS}', '', 'g') ELSE {expr} END, '')"
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _show(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return shown or "(none)"


def _where(unit: str, row: int) -> str:
    return f"line {row + 1}" if unit == "line" else f"row {row}"


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement to its end (DuckDB 2 refuses new work while a result is unfetched)."""
    con.execute(sql, list(params)).fetchall()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _source_order(source: str | None) -> int:
    return schema.SOURCES.index(source) if source in schema.SOURCES else -1  # type: ignore[arg-type]


def _drop(
    con: duckdb.DuckDBPyConnection, temps: list[tuple[str, str]], keep_before: int = 0
) -> None:
    """Drop the temporaries from ``temps[keep_before:]`` (newest first) and forget them."""
    for kind, name in reversed(temps[keep_before:]):
        try:
            _run(con, f"DROP {kind} IF EXISTS {name}")
        except duckdb.Error:  # pragma: no cover - best effort clean-up
            logger.debug("could not drop %s %s", kind, name)
    del temps[keep_before:]
