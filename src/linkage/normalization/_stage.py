"""The first step: the sources' columns side by side in one view (absent columns are NULL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import duckdb

from linkage import tables

if TYPE_CHECKING:
    from linkage.sources import Sources

#: The view of the sources side by side, one row per record; dropped by ``normalize``.
STAGE = tables.scratch("stage")

# Raw input column -> staged column, per source. ``address``/``zip`` come from the sponsor (hhs)
# or the court (eoir).
_STAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name",),
    "middle_name": ("middle_name",),
    "last_name": ("last_name",),
    "full_name": ("full_name",),
    "a_number": ("a_number",),
    "dob": ("dob",),
    "sex": ("sex",),
    "country": ("country",),
    "event_date": ("event_date",),
    "nta_issued_date": ("nta_issued_date",),
    "release_date": ("release_date",),
    "hearing_date": ("hearing_date",),
    "absentia": ("absentia",),
    "sponsor_name": ("sponsor_name",),
    "address": ("sponsor_address", "address"),
    "zip": ("sponsor_zip", "zip"),
}


class Staged(NamedTuple):
    """One source as staged."""

    #: The staged columns the source has (the others are NULL in its rows).
    present: frozenset[str]
    #: The query of its staged rows.
    rows: str


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The column names of ``table``."""
    return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def stage(sources: Sources) -> dict[str, Staged]:
    """Create the view :data:`STAGE`: the sources side by side (absent columns are NULL).

    Returns, per source, the staged columns it has and the query of its rows.
    """
    staged = {
        source: _staged_rows(sources.con, source, table) for source, table in sources.tables.items()
    }
    if not staged:
        raise ValueError("normalize() needs at least one source")
    union = " UNION ALL ".join(part.rows for part in staged.values())
    sources.con.execute(f"CREATE OR REPLACE TEMP VIEW {STAGE} AS {union}")
    return staged


def _staged_rows(con: duckdb.DuckDBPyConnection, source: str, table: str) -> Staged:
    """The staged columns of one source table, and the query of its rows in the staged layout."""
    present = {c.lower(): c for c in columns_of(con, table)}
    cols = [
        f"'{source}' AS source",
        'CAST("record_id" AS VARCHAR) AS record_id',
        '"_row_number" AS row_number'
        if "_row_number" in present
        else "row_number() OVER () AS row_number",
    ]
    found_columns = set()
    for staged, candidates in _STAGE_COLUMNS.items():
        found = next((present[c] for c in candidates if c in present), None)
        cols.append(
            f'CAST("{found}" AS VARCHAR) AS {staged}'
            if found
            else f"CAST(NULL AS VARCHAR) AS {staged}"
        )
        if found:
            found_columns.add(staged)
    return Staged(frozenset(found_columns), f'SELECT {", ".join(cols)} FROM "{table}"')
