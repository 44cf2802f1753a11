"""The ``records`` table: assembled one query per source, and :class:`Records`, its handle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from linkage.normalization._lookups import value_lookups
from linkage.normalization._macros import sql_list
from linkage.normalization._name_columns import name_sql
from linkage.normalization._profile import profile
from linkage.schema import ABSENTIA_FALSE, ABSENTIA_TRUE, CANONICAL_COLUMNS, SEX_CODES, SOURCES

RECORDS_TABLE = "records"


@dataclass(eq=False)
class Records:
    """The canonical records: a DuckDB table ``records`` plus where it came from.

    Attributes:
        con: the DuckDB connection that holds ``records`` (and the source tables, ``rejects``).
        table: the table name, ``"records"``.
        sources: the :class:`~linkage.sources.Sources` normalised.
    """

    con: duckdb.DuckDBPyConnection
    sources: Any
    table: str = RECORDS_TABLE
    _profile: pd.DataFrame | None = field(default=None, repr=False)

    def relation(self) -> duckdb.DuckDBPyRelation:
        """The ``records`` table as a DuckDB relation."""
        return self.con.table(self.table)

    def to_pandas(self) -> pd.DataFrame:
        """The ``records`` table as a pandas DataFrame (small data; use ``relation`` otherwise)."""
        return self.con.table(self.table).df()

    def counts(self) -> dict[str, int]:
        """Records per source."""
        rows = self.con.execute(
            f"SELECT source, count(*) FROM {self.table} GROUP BY source"
        ).fetchall()
        found = dict(rows)
        return {s: int(found[s]) for s in SOURCES if s in found}

    def rejects(self) -> pd.DataFrame:
        """Input rows that could not be read, with their reason (from ``read_sources``)."""
        return self.sources.rejects()

    def profile(self) -> pd.DataFrame:
        """The data-quality profile (see :func:`profile`)."""
        if self._profile is None:
            self._profile = profile(self)
        return self._profile

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v:,}" for k, v in self.counts().items())
        return f"Records({counts})"

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.profile().to_html(index=False)


def assemble(
    con: duckdb.DuckDBPyConnection, staged: Mapping[str, tuple[frozenset[str], str]]
) -> None:
    """Build ``records``: one query per source (joining only the lookups its columns need)."""
    value_lookups(con)
    columns = ",\n            ".join(
        f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in CANONICAL_COLUMNS.items()
    )
    parts = "\n        UNION ALL\n".join(
        _source_records(source, present, rows) for source, (present, rows) in staged.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {RECORDS_TABLE} AS SELECT {columns} FROM (
        {parts}
        ) ORDER BY unique_id
        """
    )


def _source_records(source: str, present: frozenset[str], rows: str) -> str:
    """The canonical records of one source, as a query over ``rows``, its staged rows."""
    sex_cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SEX_CODES.items())
    names, name_joins = name_sql(present)

    # A lookup is joined only when the source has the column it reads.
    def lookup(column: str, value: str, null: str) -> str:
        return value if column in present else f"NULL::{null}"

    def date_join(column: str, alias: str, table: str) -> str:
        if column not in present:
            return ""
        return f"LEFT JOIN _dates {alias} ON {alias}.raw = {table}.{column}"

    base_joins = "\n            ".join(
        [date_join("dob", "d1", "st"), date_join("event_date", "d2", "st")]
    )
    outer_joins = [
        date_join("nta_issued_date", "d3", "b"),
        date_join("release_date", "d4", "b"),
        date_join("hearing_date", "d5", "b"),
    ]
    if "address" in present:
        outer_joins.append("LEFT JOIN _addresses ad ON ad.raw = b.address")
    if "country" in present:
        outer_joins.append(
            f"LEFT JOIN _country_codes cc ON cc.raw = b.country AND cc.is_eoir = {source == 'eoir'}"
        )
    return f"""
        (WITH base AS (
            SELECT st.*,
                regexp_replace(regexp_replace(coalesce(st.a_number, ''), '\\.0+$', ''), '[^0-9]', '', 'g') AS a_digits,
                {lookup("dob", "d1.s", "VARCHAR")} AS dob_text,
                {lookup("dob", "d1.d", "DATE")} AS dob_parsed,
                {lookup("dob", "d1.day_first", "BOOLEAN")} AS dob_day_first,
                {lookup("event_date", "d2.d", "DATE")} AS event_parsed,
                upper(trim(st.absentia)) AS absentia_text,
                regexp_replace(coalesce(st.zip, ''), '[^0-9]', '', 'g') AS zip_digits,
                {names}
            FROM ({rows}) st
            {base_joins}
            {name_joins}
        )
        SELECT
            b.source || ':' || b.record_id AS unique_id,
            b.source, b.record_id, b.row_number,
            b.nm_first_name AS first_name, b.nm_middle_name AS middle_name,
            b.nm_last_name AS last_name, b.nm_given_names AS given_names, b.nm_surnames AS surnames,
            b.nm_given_names[1] AS given_name_1, b.nm_given_names[2] AS given_name_2,
            b.nm_surnames[1] AS paternal_surname, b.nm_surnames[2] AS maternal_surname,
            b.nm_surname_joined AS surname_joined,
            -- the cores sorted, each once (cheaper than list_distinct)
            coalesce(b.nm_whole_tokens, list_filter(b.nm_cores_sorted,
                lambda t, i: i = 1 OR b.nm_cores_sorted[i - 1] <> t)) AS name_tokens,
            b.nm_given_phonetic AS given_phonetic, b.nm_surname_phonetic AS surname_phonetic,
            CASE
                WHEN len(b.nm_given_names) = 0 AND len(b.nm_surnames) = 0 THEN 'no_name'
                WHEN b.nm_had_placeholder THEN 'placeholder'
                WHEN len(b.nm_given_names) = 0 OR len(b.nm_surnames) = 0 THEN 'single_name'
                WHEN b.nm_surname_in_middle THEN 'surname_in_middle'
            END AS name_issue,
            CASE WHEN length(b.a_digits) IN (8, 9) AND b.a_digits <> repeat('0', length(b.a_digits))
                 THEN lpad(b.a_digits, 9, '0') END AS a_number,
            CASE
                WHEN b.a_number IS NULL OR trim(b.a_number) = '' THEN 'missing'
                WHEN regexp_matches(upper(trim(b.a_number)), '[B-Z]') THEN 'not_numeric'
                WHEN length(b.a_digits) = 0 THEN 'not_numeric'
                WHEN b.a_digits = repeat('0', length(b.a_digits)) THEN 'all_zero'
                WHEN length(b.a_digits) < 8 THEN 'too_short'
                WHEN length(b.a_digits) > 9 THEN 'too_long'
            END AS a_number_issue,
            b.dob_parsed AS dob,
            CASE
                WHEN b.dob_text IS NULL THEN 'missing'
                WHEN b.dob_parsed IS NULL THEN 'unparseable'
                WHEN b.dob_parsed > current_date THEN 'future'
                WHEN b.event_parsed IS NOT NULL AND b.dob_parsed > b.event_parsed THEN 'after_event'
                WHEN year(b.dob_parsed) < 1900 THEN 'implausible'
                WHEN b.dob_day_first THEN 'read_day_first'
            END AS dob_issue,
            CASE WHEN b.dob_parsed IS NULL THEN NULL
                 ELSE month(b.dob_parsed) = 1 AND day(b.dob_parsed) = 1 END AS dob_is_placeholder,
            CASE upper(trim(b.sex)) {sex_cases} END AS sex,
            {lookup("country", "cc.code", "VARCHAR")} AS country,
            b.country AS country_raw,
            b.event_parsed AS event_date,
            {lookup("nta_issued_date", "d3.d", "DATE")} AS nta_issued_date,
            {lookup("release_date", "d4.d", "DATE")} AS release_date,
            {lookup("hearing_date", "d5.d", "DATE")} AS hearing_date,
            CASE WHEN b.absentia_text IN (SELECT unnest({sql_list(ABSENTIA_TRUE)})) THEN TRUE
                 WHEN b.absentia_text IN (SELECT unnest({sql_list(ABSENTIA_FALSE)})) THEN FALSE END AS absentia,
            lk_fold(b.sponsor_name) AS sponsor_name,
            {lookup("address", "ad.std", "VARCHAR")} AS address,
            CASE WHEN length(b.zip_digits) >= 5 THEN substr(b.zip_digits, 1, 5)
                 WHEN length(b.zip_digits) BETWEEN 3 AND 4 THEN lpad(b.zip_digits, 5, '0') END AS zip5
        FROM base b
        {" ".join(outer_joins)})"""
