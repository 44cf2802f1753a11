"""The data-quality profile of the records: per source and column, what is missing or invalid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from linkage import tables
from linkage.normalization._macros import sql_list
from linkage.normalization._stage import columns_of
from linkage.schema import SEX_UNKNOWN, SOURCES

if TYPE_CHECKING:
    from linkage.normalization._records import Records

#: The records with the raw sex and event date of their input rows (``s_raw``, ``e_raw``).
_PROFILE_RAW = tables.scratch("profile_raw")

# The profile: per source and column, what is missing, invalid or a placeholder.
_PROFILE_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    # column, missing condition, invalid condition, placeholder condition
    (
        "name",
        "name_issue = 'no_name'",
        "FALSE",
        "name_issue = 'placeholder' OR name_issue = 'single_name'",
    ),
    (
        "a_number",
        "a_number_issue = 'missing'",
        "a_number_issue IS NOT NULL AND a_number_issue <> 'missing'",
        "FALSE",
    ),
    (
        "dob",
        "dob_issue = 'missing'",
        "dob_issue IN ('unparseable', 'future', 'after_event', 'implausible')",
        "coalesce(dob_is_placeholder, FALSE)",
    ),
    (
        "sex",
        "s_raw IS NULL",
        f"s_raw IS NOT NULL AND sex IS NULL AND NOT list_contains({sql_list(SEX_UNKNOWN)}, upper(s_raw))",
        f"list_contains({sql_list(SEX_UNKNOWN)}, upper(coalesce(s_raw, '')))",
    ),
    ("country", "country_raw IS NULL", "country_raw IS NOT NULL AND country IS NULL", "FALSE"),
    ("event_date", "e_raw IS NULL", "e_raw IS NOT NULL AND event_date IS NULL", "FALSE"),
)


def profile(records: Records) -> pd.DataFrame:
    """Data-quality profile: one row per source and column.

    Columns: ``source, column, records, missing, invalid, placeholder, day_first, examples`` where
    ``examples`` lists up to five record ids of invalid values. ``name`` counts records with no
    name at all as missing, and placeholder or single names as ``placeholder``; ``dob`` counts
    1-January dates as ``placeholder`` and dates read day-first in ``day_first``.
    """
    con = records.con
    # Raw sex / event date are needed to tell missing from invalid.
    _raw_fields(records)
    try:
        parts = [_check_query(*check) for check in _PROFILE_CHECKS]
        order = (
            "CASE source "
            + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCES))
            + " END"
        )
        return con.execute(" UNION ALL ".join(parts) + f' ORDER BY {order}, "column"').df()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_PROFILE_RAW}")


def _check_query(column: str, missing: str, invalid: str, placeholder: str) -> str:
    """SQL: the profile rows of one column, one per source."""
    day_first = "dob_issue = 'read_day_first'" if column == "dob" else "FALSE"
    return f"""SELECT source, '{column}' AS "column", count(*) AS records,
                count(*) FILTER ({missing}) AS missing,
                count(*) FILTER ({invalid}) AS invalid,
                count(*) FILTER ({placeholder}) AS placeholder,
                count(*) FILTER ({day_first}) AS day_first,
                list(record_id ORDER BY row_number) FILTER ({invalid})[1:5] AS examples
            FROM {_PROFILE_RAW} GROUP BY source"""


def _raw_fields(records: Records) -> None:
    """The table :data:`_PROFILE_RAW`: the records and their input rows' raw sex and event date."""
    con = records.con
    parts = []
    for source, table in records.sources.tables.items():
        present = {c.lower(): c for c in columns_of(con, table)}
        sex = (
            f"nullif(trim(CAST(\"{present['sex']}\" AS VARCHAR)), '')"
            if "sex" in present
            else "NULL"
        )
        event = (
            f"nullif(trim(CAST(\"{present['event_date']}\" AS VARCHAR)), '')"
            if "event_date" in present
            else "NULL"
        )
        parts.append(
            f"SELECT '{source}' || ':' || CAST(record_id AS VARCHAR) AS unique_id, {sex} AS s_raw, {event} AS e_raw FROM \"{table}\""
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_PROFILE_RAW} AS SELECT r.*, s.s_raw, s.e_raw "
        f"FROM {records.table} r LEFT JOIN ({' UNION ALL '.join(parts)}) s USING (unique_id)"
    )
