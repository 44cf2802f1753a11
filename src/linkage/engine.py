"""The one place that chooses the SQL engine Splink runs on.

Comparisons, blocking rules and clustering are written against Splink's backend-neutral API; only
this module names a backend. DuckDB is the default and the only one needed today; Splink's Spark
backend (``SparkAPI``) can be added here for national-scale data without touching the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import duckdb

from linkage.errors import ResourceError

__all__ = ["Engine", "any_row_order", "database_api", "out_of_resources", "rows_in_order"]

Engine = Literal["duckdb"]


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
        disk = isinstance(seen, duckdb.IOException) and any(
            word in str(seen).lower() for word in ("no space left", "disk", "temp")
        )
        if isinstance(seen, duckdb.OutOfMemoryException) or disk:
            what = "temporary disk space" if disk else "memory"
            return ResourceError(
                f"DuckDB ran out of {what} while {doing} ({type(seen).__name__}: "
                f"{str(seen).splitlines()[0][:300]}). Fix: give it more room "
                "(con.execute(\"SET memory_limit='16GB'\") on the connection passed to "
                "read_sources, and SET temp_directory to a folder on a disk with free space), or "
                "compare fewer pairs (a lower max_comparisons, stricter blocking rules)"
            )
        seen = seen.__cause__ or seen.__context__
    return None
