"""Copying an in-memory table (pandas, polars, Arrow, DuckDB relation) into DuckDB."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.errors import Problem
from linkage.sources._problems import label_of, unreadable_problem
from linkage.sources._sql import Scratch, run

_COPY_ERRORS = (duckdb.Error, UnicodeError, ValueError, TypeError)


def load_frame(
    con: duckdb.DuckDBPyConnection,
    source: str,
    value: Any,
    raw: str,
    scratch: Scratch,
) -> tuple[str, Problem | None]:
    """Copy an in-memory table into ``raw``; returns its label and a problem, if any."""
    label = label_of(value)
    frame = _scannable(value)
    if frame is None:
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
    problem = _copy_frame(con, source, label, frame, raw)
    if problem is None:
        scratch.add(raw)
    return label, problem


def _scannable(value: Any) -> Any | None:
    """``value`` as a pandas frame, Arrow table or relation DuckDB can scan; None if not a table."""
    if isinstance(value, pd.DataFrame):
        frame = value
        if any(name is not None for name in frame.index.names):
            frame = frame.reset_index()  # a named index (e.g. set_index("record_id")) is data
        if not all(isinstance(c, str) for c in frame.columns):
            frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
        return frame
    if type(value).__module__.split(".")[0] == "polars":
        if hasattr(value, "collect") and not hasattr(value, "to_arrow"):
            value = value.collect()  # a LazyFrame
        return value.to_arrow()
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
    if isinstance(value, (pa.Table, pa.RecordBatchReader, duckdb.DuckDBPyRelation)):
        return value
    return None


def _copy_frame(
    con: duckdb.DuckDBPyConnection, source: str, label: str, frame: Any, raw: str
) -> Problem | None:
    """Copy ``frame`` into ``raw``; if DuckDB refuses it, once more in a plainer form."""
    view = Scratch.name("frame")  # a registered view, unregistered at once
    try:
        _copy_registered(con, view, frame, raw)
    except _COPY_ERRORS as first:
        retry = _relation_as_arrow(frame) if isinstance(frame, duckdb.DuckDBPyRelation) else None
        if retry is None and isinstance(frame, pd.DataFrame):
            retry = _objects_as_strings(frame)
        if retry is None:
            return unreadable_problem(source, label, first)
        try:
            _copy_registered(con, view, retry, raw)
        except _COPY_ERRORS as error:
            return unreadable_problem(source, label, error)
    return None


def _copy_registered(con: duckdb.DuckDBPyConnection, view: str, frame: Any, raw: str) -> None:
    con.register(view, frame)
    try:
        run(con, f"CREATE TEMP TABLE {raw} AS SELECT * FROM {view}")
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
