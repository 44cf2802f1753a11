"""The report's files: each table as Parquet and CSV, ``summary.json`` and ``report.html``.

The file names are the contract with users and do not follow the DuckDB table names.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from linkage.errors import OutputError
from linkage.report._html import render_html

if TYPE_CHECKING:
    from linkage.handoff import HandoffReport

__all__ = ["check_out_dir", "write_report"]

logger = logging.getLogger("linkage")


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Date columns (pandas datetimes at midnight) become DATE, so files hold dates, not times."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if pa.types.is_timestamp(table.schema.field(i).type) and (
            name == "dob" or name.endswith("_date")
        ):
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
    return table


def _lists_as_text(table: pa.Table) -> pa.Table:
    """Lists become ``a;b`` text so the CSV keeps one value per cell."""
    for i, column in enumerate(table.columns):
        if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            text = pc.binary_join(column.cast(pa.list_(pa.string())), ";")
            table = table.set_column(i, table.column_names[i], text)
    return table


def _write_table(frame: pd.DataFrame | pa.Table, out_dir: Path, name: str) -> dict[str, Path]:
    csv_path, parquet_path = out_dir / f"{name}.csv", out_dir / f"{name}.parquet"
    table = frame if isinstance(frame, pa.Table) else _to_arrow(frame)
    pq.write_table(table, parquet_path)
    pa_csv.write_csv(_lists_as_text(table), csv_path)
    return {f"{name}.csv": csv_path, f"{name}.parquet": parquet_path}


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """Make sure the report can be written into ``out_dir``, before any expensive work.

    The folder is created if needed (with its parents) and a probe file is written and removed.

    Raises:
        OutputError: ``out_dir`` is a file, lies under a file, or cannot be written.
    """
    out = Path(out_dir)
    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        what = "is a file" if blocker == out else f"lies under {str(blocker)!r}, which is a file"
        raise OutputError(
            f"the output folder {str(out)!r} {what}. Fix: give --out / out_dir a folder path "
            "(a new one is created)"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".linkage-probe-"):
            pass
    except OSError as error:
        raise OutputError(
            f"the output folder {str(out)!r} cannot be written ({error.strerror or error}). "
            "Fix: give a folder you may write to, or change its permissions"
        ) from error
    return out


def write_report(report: HandoffReport, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Write every output of a handoff report into ``out_dir`` (created if needed).

    Files: ``clusters`` (one row per input record read: ``source, record_id, identity_id,
    link_probability``), ``identities`` (one row per identity), ``summary`` (the long
    ``dimension, value, status, identities`` table), ``groups`` (the statuses by group with
    their uncertainty, :attr:`HandoffReport.groups`) and ``rejects`` (rows that could not be
    read; written even when empty), each as ``.csv`` and ``.parquet``; ``summary.json`` (the
    figures of :meth:`HandoffReport.to_dict`) and ``report.html``; after a store update, also
    ``changes.csv`` (the change log, ``docs/store.md``).

    Args:
        report: The report to write.
        out_dir: The folder to write into; existing files of the same names are replaced.

    Returns:
        File name -> path of every file written.

    Raises:
        OutputError: ``out_dir`` is a file, lies under a file, or a file cannot be written.
    """
    out = check_out_dir(out_dir)
    try:
        return _write_files(report, out)
    except OSError as error:
        raise OutputError(
            f"writing the report into {str(out)!r} failed: {error}. Fix: check the free disk "
            "space and the permissions of the folder"
        ) from error


def _write_files(report: HandoffReport, out: Path) -> dict[str, Path]:
    written: dict[str, Path] = {}
    written |= _write_table(report.clusters_arrow(), out, "clusters")
    written |= _write_table(report.identities, out, "identities")
    written |= _write_table(report.summary, out, "summary")
    written |= _write_table(report.groups, out, "groups")
    written |= _write_table(report.rejects, out, "rejects")
    if report.changes is not None:
        changes = out / "changes.csv"
        report.changes.to_csv(changes, index=False)
        written["changes.csv"] = changes
    summary_json = out / "summary.json"
    summary_json.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    written["summary.json"] = summary_json
    page = out / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    written["report.html"] = page
    logger.info("report: wrote %d files to %s", len(written), out)
    return written
