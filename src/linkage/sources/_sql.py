"""Small DuckDB helpers shared by the steps of :func:`~linkage.sources.read_sources`."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from typing import Any

import duckdb

logger = logging.getLogger("linkage")


counter = itertools.count(1)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement to its end (DuckDB 2 refuses new work while a result is unfetched)."""
    con.execute(sql, list(params)).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def drop(
    con: duckdb.DuckDBPyConnection, temps: list[tuple[str, str]], keep_before: int = 0
) -> None:
    """Drop the temporaries from ``temps[keep_before:]`` (newest first) and forget them."""
    for kind, name in reversed(temps[keep_before:]):
        try:
            run(con, f"DROP {kind} IF EXISTS {name}")
        except duckdb.Error:  # pragma: no cover - best effort clean-up
            logger.debug("could not drop %s %s", kind, name)
    del temps[keep_before:]
