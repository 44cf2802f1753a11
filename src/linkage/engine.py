"""The one place that chooses the SQL engine Splink runs on.

Comparisons, blocking rules and clustering are written against Splink's backend-neutral API; only
this module names a backend. DuckDB is the default and the only one needed today; Splink's Spark
backend (``SparkAPI``) can be added here for national-scale data without touching the rest.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import duckdb

from linkage.errors import ResourceError

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "Engine",
    "any_row_order",
    "connect",
    "database_api",
    "default_resources",
    "duckdb_share",
    "limit_resources",
    "memory_limit_bytes",
    "out_of_resources",
    "rows_in_order",
    "set_default_resources",
]

Engine = Literal["duckdb"]

#: The memory a job may use when the caller does not say otherwise (``memory_limit=``, the
#: command line's ``--memory-limit``, or the environment variable ``LINKAGE_MEMORY_LIMIT``).
#: ``"none"`` leaves DuckDB's own limit (80% of the machine's memory).
DEFAULT_MEMORY_LIMIT = "4GB"

#: Of a job's memory limit, the share DuckDB's buffer pool is held to (DuckDB spills to its
#: temporary directory beyond it); the rest is for what the Python side holds at once
#: (clustering's arrays, the frames of the report).
DUCKDB_SHARE = 0.75

#: What the Python side holds beside DuckDB whatever the data's size (the imported libraries,
#: about 180 MB, and the frames of a report): from a limit of twice this, DuckDB is held to at
#: most the limit less this (at 2GB: 1.4 GB, not 1.5 GB, which took a store's update 3% past
#: its limit); below, to :data:`DUCKDB_SHARE` of it.
PYTHON_RESERVE = 600 * 1000**2

_defaults: dict[str, str | None] = {"memory_limit": None, "temp_directory": None}

_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}  # fmt: skip


def set_default_resources(
    *, memory_limit: str | None = None, temp_directory: str | os.PathLike[str] | None = None
) -> None:
    """Set the memory limit and temporary directory of every connection made from now on in this
    process, when a call does not give its own (the command line's ``--memory-limit`` and
    ``--temp-dir``). ``None`` keeps the current default."""
    if memory_limit is not None:
        memory_limit_bytes(memory_limit)  # refused here, not at the first connection
        _defaults["memory_limit"] = memory_limit
    if temp_directory is not None:
        _defaults["temp_directory"] = os.fspath(temp_directory)


@contextmanager
def default_resources(
    *, memory_limit: str | None = None, temp_directory: str | os.PathLike[str] | None = None
) -> Iterator[None]:
    """:func:`set_default_resources` for the duration of a ``with`` block (the command line)."""
    before = dict(_defaults)
    set_default_resources(memory_limit=memory_limit, temp_directory=temp_directory)
    try:
        yield
    finally:
        _defaults.update(before)


def memory_limit_bytes(value: str | int | None) -> int | None:
    """A memory limit as bytes: an int, or text such as ``"4GB"``, ``"512MiB"``, ``"1.5 GB"``
    (GB = 10^9 bytes, GiB = 2^30); ``None`` for ``"none"`` (no limit of ours). Raises ValueError
    with the forms accepted."""
    if value is None:
        return None
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"memory limit {value} is not positive. Fix: give e.g. '4GB'")
        return value
    text = str(value).strip().lower()
    if text == "none":
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?", text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(
            f"memory limit {value!r} is not a size. Fix: give a number and a unit, such as "
            "'4GB', '512MB' or '8GiB' (or 'none' for DuckDB's own limit, 80% of the memory)"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2) or ""])


def limit_resources(
    con: duckdb.DuckDBPyConnection,
    *,
    memory_limit: str | int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> None:
    """Hold ``con`` to a job's memory limit (DuckDB gets :func:`duckdb_share` of it: 3/4, at
    most the limit less 600 MB; it spills beyond) and point its spilling at ``temp_directory``.
    Either left ``None`` takes the process default (:func:`set_default_resources`), then the
    environment (``LINKAGE_MEMORY_LIMIT``, ``LINKAGE_TEMP_DIR``), then
    :data:`DEFAULT_MEMORY_LIMIT` and a folder in the system's temporary directory."""
    limit = memory_limit_bytes(
        _first(
            memory_limit,
            _defaults["memory_limit"],
            os.environ.get("LINKAGE_MEMORY_LIMIT"),
            DEFAULT_MEMORY_LIMIT,
        )
    )
    if limit is not None:
        con.execute(f"SET memory_limit = '{max(duckdb_share(limit) // 2**20, 16)}MiB'")
    folder = _first(
        temp_directory,
        _defaults["temp_directory"],
        os.environ.get("LINKAGE_TEMP_DIR"),
        Path(tempfile.gettempdir()) / f"linkage-spill-{os.getpid()}",
    )
    quoted = os.fspath(folder).replace("'", "''")
    con.execute(f"SET temp_directory = '{quoted}'")


def duckdb_share(limit: int) -> int:
    """The bytes DuckDB is held to under a job's memory limit of ``limit`` bytes:
    :data:`DUCKDB_SHARE` of it, and no more than the limit less :data:`PYTHON_RESERVE` when that
    leaves DuckDB at least half.

    Example:
        >>> duckdb_share(4 * 1000**3), duckdb_share(2 * 1000**3), duckdb_share(400 * 1000**2)
        (3000000000, 1400000000, 300000000)
    """
    share = int(limit * DUCKDB_SHARE)
    if limit >= 2 * PYTHON_RESERVE:
        share = min(share, limit - PYTHON_RESERVE)
    return share


def _first(*values: Any) -> Any:
    """The first value that is not None (a limit of 0 is refused, not read as unset)."""
    return next(v for v in values if v is not None)


def connect(
    *,
    memory_limit: str | int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A new in-memory DuckDB connection held to a job's memory limit (:func:`limit_resources`)."""
    con = duckdb.connect()
    limit_resources(con, memory_limit=memory_limit, temp_directory=temp_directory)
    return con


def database_api(con: duckdb.DuckDBPyConnection, *, engine: Engine = "duckdb") -> object:
    """A Splink database API over ``con`` for ``engine``."""
    if engine == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=con)
    raise ValueError(f"unknown engine {engine!r}; the engines available are: 'duckdb'")


@contextmanager
def any_row_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write query results in any row order while the block runs, then restore the
    connection's setting.

    Keeping the order of rows (DuckDB's default) costs time and memory in large ``CREATE TABLE AS``
    queries (measured in docs/performance.md). Only for steps whose readers sort what they read.
    """
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


@contextmanager
def rows_in_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Keep the order of rows (``ORDER BY`` into a table) while the block runs, whatever the
    connection's setting, then restore it: for steps that put tables side by side by position."""
    before = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def out_of_resources(error: BaseException, doing: str) -> ResourceError | None:
    """A :class:`ResourceError` when ``error`` (or what caused it, through Splink's wrapping) is
    the engine running out of memory or temporary disk; ``None`` for any other error."""
    seen: BaseException | None = error
    while seen is not None:
        text = str(seen).lower()
        disk = (
            isinstance(seen, duckdb.IOException)
            and any(word in text for word in ("no space left", "disk", "temp"))
        ) or (  # DuckDB says "out of memory" when its temporary directory is full
            isinstance(seen, duckdb.OutOfMemoryException) and "max_temp_directory_size" in text
        )
        if isinstance(seen, duckdb.OutOfMemoryException) or disk:
            what = "temporary disk space" if disk else "memory"
            return ResourceError(
                f"DuckDB ran out of {what} while {doing} ({type(seen).__name__}: "
                f"{str(seen).splitlines()[0][:300]}). Fix: give it more room "
                "(a higher memory limit: memory_limit='8GB', or --memory-limit 8GB on the "
                "command line; a temporary directory on a disk with free space: temp_directory=, "
                "or --temp-dir), or compare fewer pairs (a lower max_comparisons, stricter "
                "blocking rules)"
            )
        seen = seen.__cause__ or seen.__context__
    return None
