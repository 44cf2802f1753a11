"""The first step: the sources' columns side by side in one view (absent columns are NULL)."""

from __future__ import annotations

from typing import Any

import duckdb

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


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def stage(sources: Any) -> dict[str, tuple[frozenset[str], str]]:
    """The view ``_stage``: the sources side by side (absent columns are NULL).

    Returns, per source, the staged columns it has and the query of its rows.
    """
    con = sources.con
    parts = []
    staged_by_source: dict[str, tuple[frozenset[str], str]] = {}
    for source, table in sources.tables.items():
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
        parts.append(f'SELECT {", ".join(cols)} FROM "{table}"')
        staged_by_source[source] = (frozenset(found_columns), parts[-1])
    if not parts:
        raise ValueError("normalize() needs at least one source")
    con.execute("CREATE OR REPLACE TEMP VIEW _stage AS " + " UNION ALL ".join(parts))
    return staged_by_source
