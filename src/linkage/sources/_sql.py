"""Small DuckDB helpers shared by the steps of :func:`~linkage.sources.read_sources`."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import duckdb

from linkage import tables

logger = logging.getLogger("linkage")

_counter = itertools.count(1)


class Scratch:
    """The scratch tables of one :func:`~linkage.sources.read_sources` call, dropped at its end.

    Names come from :func:`linkage.tables.scratch` with a number that makes them unique in the
    process (``scratch("raw_cbp_3")``). :meth:`add` records a table to drop; leaving the ``with``
    block drops every recorded table, newest first.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._tables: list[str] = []

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.drop()

    @staticmethod
    def name(what: str) -> str:
        """A new scratch name for ``what``, not yet recorded."""
        return tables.scratch(f"{what}_{next(_counter)}")

    def add(self, table: str) -> str:
        """Record ``table`` to be dropped; returns it."""
        self._tables.append(table)
        return table

    def new(self, what: str) -> str:
        """A new scratch name for ``what``, recorded to be dropped."""
        return self.add(self.name(what))

    def mark(self) -> int:
        """A point to drop back to with ``drop(keep_before=mark)``."""
        return len(self._tables)

    def drop(self, keep_before: int = 0) -> None:
        """Drop the tables recorded after ``keep_before`` (newest first) and forget them."""
        for table in reversed(self._tables[keep_before:]):
            try:
                run(self.con, f"DROP TABLE IF EXISTS {table}")
            except duckdb.Error:  # pragma: no cover - best effort clean-up
                logger.debug("could not drop table %s", table)
        del self._tables[keep_before:]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement to its end (DuckDB 2 refuses new work while a result is unfetched)."""
    con.execute(sql, list(params)).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    rows = con.execute(sql, list(params)).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0
