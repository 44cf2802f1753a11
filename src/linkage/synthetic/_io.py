"""Writing the extracts and their truth to a folder, and reading the truth back."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from linkage.errors import InputError, Problem, SourceError
from linkage.synthetic._result import CHILDREN_DTYPES, TRUTH_DTYPES, SyntheticData

logger = logging.getLogger("linkage")

OutputFormat = Literal["csv", "parquet"]

TRUTH_RECORDS_FILE = "truth_records"
TRUTH_CHILDREN_FILE = "truth_children"


def write(data: SyntheticData, out_dir: str | Path, *, format: OutputFormat = "csv") -> Path:
    """Write the four sources and the two truth tables to ``out_dir``.

    Writes ``cbp``, ``ice``, ``hhs``, ``eoir``, ``truth_records`` and ``truth_children`` as
    ``.csv`` (UTF-8, header, blank for missing) or ``.parquet`` files. The folder is created.

    Args:
        data: What :func:`generate` returned.
        out_dir: The folder to write into.
        format: ``"csv"`` or ``"parquet"``.

    Returns:
        The folder, as a :class:`~pathlib.Path`.

    Raises:
        InputError: An unknown ``format``.
    """
    check_format(format)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in data.sources.items():
        write_table(frame, folder / name, format=format)
    write_truth(data, folder, format=format)
    logger.info("synthetic: wrote %d tables to %s", len(data.sources) + 2, folder)
    return folder


def write_truth(data: SyntheticData, out_dir: str | Path, *, format: OutputFormat = "csv") -> Path:
    """Write only the two truth tables, ``truth_records`` and ``truth_children``, to ``out_dir``.

    What :func:`read_truth` reads back; :func:`write` and
    :func:`~linkage.synthetic.write_by_month` write the truth through it.

    Args:
        data: What :func:`generate` returned.
        out_dir: The folder to write into (created).
        format: ``"csv"`` or ``"parquet"``.

    Returns:
        The folder.

    Raises:
        InputError: An unknown ``format``.

    Example:
        >>> import tempfile
        >>> from linkage.synthetic import generate
        >>> data = generate(50, seed=1)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     records, children = read_truth(write_truth(data, tmp))
        >>> records.equals(data.truth) and len(children) == 50
        True
    """
    check_format(format)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    write_table(data.truth, folder / TRUTH_RECORDS_FILE, format=format)
    write_table(data.children, folder / TRUTH_CHILDREN_FILE, format=format)
    return folder


def write_table(frame: pd.DataFrame, stem: Path, *, format: OutputFormat) -> Path:
    """``frame`` as ``stem.csv`` or ``stem.parquet``: the one writer of every synthetic file."""
    path = stem.with_name(f"{stem.name}.{format}")
    if format == "csv":
        _write_csv(frame, path)
    else:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def check_format(format: str) -> None:
    if format not in ("csv", "parquet"):
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"unknown format {format!r}",
                fix="use format='csv' or format='parquet'",
            )
        )


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV with a header, blank for missing, dates as ``YYYY-MM-DD`` (Arrow's writer)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            text = frame[column].dt.strftime("%Y-%m-%d")
            frame[column] = text.astype(object).where(frame[column].notna(), None)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="needed"))


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    for ext in ("csv", "parquet"):
        path = folder / f"{name}.{ext}"
        if path.is_file():
            if ext == "csv":
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            else:
                frame = pq.read_table(path).to_pandas()
            return frame
    raise SourceError(
        Problem(
            source=name,
            column=None,
            message=f"no {name}.csv or {name}.parquet in {folder}",
            fix="point read_truth at a folder written by linkage.synthetic.write",
            kind="source",
        )
    )


def _as_objects(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    return values.where(values.notna(), None)


#: Columns of the children's truth added after files were first written, read as empty when absent.
_ADDED_LATER: frozenset[str] = frozenset({"second_apprehension_date"})


def read_truth(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read back the truth written by :func:`write`: ``(records, children)``.

    Args:
        folder: A folder holding ``truth_records`` and ``truth_children`` (``.csv`` or
            ``.parquet``).

    Returns:
        The record -> child table and the children table, with the dtypes of
        :attr:`SyntheticData.truth` and :attr:`SyntheticData.children`.

    Raises:
        SourceError: A truth file is missing.
    """
    path = Path(folder)
    records = _read_table(path, TRUTH_RECORDS_FILE)
    children = _read_table(path, TRUTH_CHILDREN_FILE)
    records = pd.DataFrame({c: _as_objects(records[c]) for c in TRUTH_DTYPES})
    out = {}
    for column, dtype in CHILDREN_DTYPES.items():
        if column not in children.columns and column in _ADDED_LATER:
            # truth written before the column existed: nobody had a second apprehension
            values = pd.Series(pd.NaT, index=children.index)
        else:
            values = children[column]
        if dtype == "object":
            out[column] = _as_objects(values)
        elif dtype == "bool":
            out[column] = (
                values.astype(str).str.lower().isin(["true", "1"])
                if values.dtype != bool
                else values
            )
        elif dtype.startswith("datetime"):
            out[column] = pd.to_datetime(values, format="ISO8601").astype(dtype)
        else:
            out[column] = pd.to_numeric(values).astype(dtype)
    return records, pd.DataFrame(out)
