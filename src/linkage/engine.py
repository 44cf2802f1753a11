"""The one place that chooses the SQL engine Splink runs on.

Comparisons, blocking rules and clustering are written against Splink's backend-neutral API; only
this module names a backend. DuckDB is the default and the only one needed today; Splink's Spark
backend (``SparkAPI``) can be added here for national-scale data without touching the rest.
"""

from __future__ import annotations

from typing import Literal

import duckdb

__all__ = ["Engine", "database_api"]

Engine = Literal["duckdb"]


def database_api(con: duckdb.DuckDBPyConnection, *, engine: Engine = "duckdb") -> object:
    """A Splink database API over ``con`` for ``engine``."""
    if engine == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=con)
    raise ValueError(f"unknown engine {engine!r}; the engines available are: 'duckdb'")
