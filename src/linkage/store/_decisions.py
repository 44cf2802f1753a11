"""Reviewers' decisions kept in the store, and the constraints they put on clustering."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from linkage.decisions import DECISION_COLUMNS, DECISIONS, read_decisions, to_constraints
from linkage.store._schema import T

__all__ = [
    "MODES",
    "add_decisions",
    "constraints",
    "decide",
    "decisions",
    "export_decisions",
    "import_decisions",
]

#: Where a decision was taken: the review queue, or the random sample that measures precision.
MODES = ("queue", "sample")


def decide(
    con: duckdb.DuckDBPyConnection,
    unique_id_l: str,
    unique_id_r: str,
    decision: str,
    *,
    reviewer: str | None = None,
    note: str | None = None,
    mode: str = "queue",
) -> None:
    """Record one decision on the pair (it binds from the next update on).

    Raises:
        ValueError: an unknown decision or mode, or an id that is not ``source:record_id``.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    parts = [u.split(":", 1) for u in (unique_id_l, unique_id_r)]
    if any(len(p) != 2 or not all(p) for p in parts):
        raise ValueError("record ids must be 'source:record_id' (the unique_id of a record)")
    (source_l, record_l), (source_r, record_r) = parts
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute(
        f"INSERT INTO {T.decisions} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [source_l, record_l, source_r, record_r, decision, reviewer, note, now, mode],
    )


def decisions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every decision, oldest first (the columns of a decisions file, then ``reviewer, note,
    decided_at, mode, applied_in``)."""
    return con.execute(f"SELECT * FROM {T.decisions} ORDER BY decided_at").df()


def export_decisions(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> Path:
    """Write the decisions as a decisions file (``docs/review.md``)."""
    target = Path(path)
    decisions(con)[DECISION_COLUMNS].to_csv(target, index=False)
    return target


def import_decisions(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> int:
    """Read a decisions file into the store (after its own decisions); return the rows read."""
    return add_decisions(con, read_decisions(path), origin=f"imported from {Path(path).name}")


def add_decisions(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, origin: str) -> int:
    """Add checked decisions (:func:`linkage.decisions.read_decisions`); return the rows."""
    frame = read_decisions(frame)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = frame.assign(reviewer=origin, note=None, decided_at=now, mode="queue",
                        applied_in=None)  # fmt: skip
    con.register("linkage_tmp_imported", rows)
    try:
        con.execute(f"INSERT INTO {T.decisions} BY NAME SELECT * FROM linkage_tmp_imported")
    finally:
        con.unregister("linkage_tmp_imported")
    return len(frame)


def constraints(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The binding decisions (the last on each pair, not sure left out) as clustering reads
    them: ``unique_id_l, unique_id_r, decision``."""
    return to_constraints(decisions(con))


def pending_records(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: the records of decisions no update has applied yet."""
    return f"""SELECT source_l || ':' || record_id_l AS unique_id FROM {T.decisions}
               WHERE applied_in IS NULL
               UNION SELECT source_r || ':' || record_id_r FROM {T.decisions}
               WHERE applied_in IS NULL"""
