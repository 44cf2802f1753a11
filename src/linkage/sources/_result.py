"""The result of :func:`~linkage.sources.read_sources`: the source tables in one connection."""

from __future__ import annotations

import html
from dataclasses import dataclass

import duckdb
import pandas as pd

from linkage.errors import Problem, SourceError
from linkage.schema import SOURCES
from linkage.sources._problems import did_you_mean
from linkage.sources._sql import quote
from linkage.tables import REJECTS


@dataclass(eq=False, frozen=True, kw_only=True)
class Sources:
    """The source tables read by :func:`read_sources`, in one DuckDB connection.

    Attributes:
        con: the connection holding the tables.
        tables: source -> DuckDB table name (``{"cbp": linkage.tables.source("cbp"), ...}``), in
            the order of :data:`linkage.schema.SOURCES`, only the sources given.
        rejects_table: the DuckDB table of rows set aside (``linkage.tables.REJECTS``): ``source,
            record_id (null if unknown), row_number, reason, detail``.
        warnings: non-fatal findings (ignored files, re-read encodings, unknown extra columns,
            rejected rows).
    """

    con: duckdb.DuckDBPyConnection
    tables: dict[str, str]
    rejects_table: str = REJECTS
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
                    fix=did_you_mean(source, self.names) or "use one of the names above",
                    kind="source",
                )
            )
        return self.con.table(quote(self.tables[source]))

    def counts(self) -> dict[str, int]:
        """Rows per source table (rows read and kept, not rejected)."""
        if not self.tables:
            return {}
        sql = " UNION ALL ".join(
            f"SELECT {i} AS i, count(*) AS n FROM {quote(table)}"
            for i, table in enumerate(self.tables.values())
        )
        found = dict(self.con.execute(sql).fetchall())
        return {source: int(found[i]) for i, source in enumerate(self.tables)}

    def rejects(self) -> pd.DataFrame:
        """The rows set aside, ordered by source then row: ``source, record_id, row_number,
        reason, detail``."""
        order = ", ".join(f"'{s}'" for s in SOURCES)
        return self.con.execute(
            f"SELECT * FROM {quote(self.rejects_table)} "
            f"ORDER BY list_position([{order}], source), row_number, reason"
        ).df()

    def _reject_counts(self) -> dict[str, int]:
        rows = self.con.execute(
            f"SELECT source, count(*) FROM {quote(self.rejects_table)} GROUP BY source"
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
