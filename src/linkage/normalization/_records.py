"""The ``records`` table: one query per source over its staged rows, and :class:`Records`.

Each source's records join only the lookups of the columns it has (names, dates, addresses,
countries); every other canonical field is worked out in the query itself, by the rules named
below (A-numbers, sex, dates of birth, court fields, ZIP codes, the quality flags). The table is
sorted by ``unique_id`` so that it, and everything trained on it, does not depend on the order of
the input rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from linkage import tables
from linkage.normalization._lookups import ADDRESSES, COUNTRY_CODES, DATES
from linkage.normalization._macros import sql_list
from linkage.normalization._name_columns import name_sql
from linkage.normalization._profile import profile
from linkage.normalization._stage import Staged
from linkage.schema import (
    ABSENTIA_FALSE,
    ABSENTIA_TRUE,
    CANONICAL_COLUMNS,
    DATE_YEARS_AHEAD,
    SEX_CODES,
    SOURCES,
)

if TYPE_CHECKING:
    from linkage.sources import Sources

# The canonical fields' rules, as SQL over ``b``: a source's staged rows with their lookups and
# the columns read first (``a_digits``, ``dob_parsed``, ...; see ``_source_records``).

#: The words of a record's names, each once: a full name's tokens, else the cores sorted, each
#: once (cheaper than list_distinct).
_NAME_TOKENS = """coalesce(b.nm_whole_tokens, list_filter(b.nm_cores_sorted,
                lambda t, i: i = 1 OR b.nm_cores_sorted[i - 1] <> t))"""
_NAME_ISSUE = """CASE
                WHEN len(b.nm_given_names) = 0 AND len(b.nm_surnames) = 0 THEN 'no_name'
                WHEN b.nm_had_placeholder THEN 'placeholder'
                WHEN len(b.nm_given_names) = 0 OR len(b.nm_surnames) = 0 THEN 'single_name'
                WHEN b.nm_surname_in_middle THEN 'surname_in_middle'
            END"""
#: Letters a scanner reads for digits in an A-number (OCR), and the digits they stand for.
OCR_LETTERS, OCR_DIGITS = "OILSBZG", "0115826"
#: The digits of an A-number: a trailing ".0" of a number read as a float dropped, the leading
#: "A" dropped, letters that OCR reads for digits ("A2O1-555-I23") read as those digits.
_A_DIGITS = (
    "regexp_replace(translate(regexp_replace(upper(regexp_replace(coalesce(st.a_number, ''), "
    f"'\\.0+$', '')), '^[^0-9A-Z]*A', ''), '{OCR_LETTERS}', '{OCR_DIGITS}'), '[^0-9]', '', 'g')"
)
#: An A-number is 8 or 9 digits, not all zero, written with 9.
_A_NUMBER = """CASE WHEN length(b.a_digits) IN (8, 9) AND b.a_digits <> repeat('0', length(b.a_digits))
                 THEN lpad(b.a_digits, 9, '0') END"""
_A_NUMBER_ISSUE = """CASE
                WHEN b.a_number IS NULL OR trim(b.a_number) = '' THEN 'missing'
                WHEN regexp_matches(upper(trim(b.a_number)), '[B-Z]') THEN 'not_numeric'
                WHEN length(b.a_digits) = 0 THEN 'not_numeric'
                WHEN b.a_digits = repeat('0', length(b.a_digits)) THEN 'all_zero'
                WHEN length(b.a_digits) < 8 THEN 'too_short'
                WHEN length(b.a_digits) > 9 THEN 'too_long'
            END"""
_DOB_ISSUE = f"""CASE
                WHEN b.dob_text IS NULL THEN 'missing'
                WHEN b.dob_parsed IS NULL THEN 'unparseable'
                WHEN b.dob_parsed > current_date + to_years({DATE_YEARS_AHEAD["dob"]}) THEN 'future'
                WHEN b.event_parsed IS NOT NULL AND b.dob_parsed > b.event_parsed THEN 'after_event'
                WHEN year(b.dob_parsed) < 1900 THEN 'implausible'
                WHEN b.dob_day_first THEN 'read_day_first'
            END"""
#: The date of birth used: none when it is impossible (before 1900, in the future, after the
#: record's own event date), as ``linkage.sources`` warns.
_DOB = """CASE WHEN lk_date_in_range(b.dob_parsed, {ahead})
                 AND NOT coalesce(b.dob_parsed > b.event_parsed, false) THEN b.dob_parsed END""".format(
    ahead=DATE_YEARS_AHEAD["dob"]
)
#: Whether the date of birth is 1 January (the profile counts it as a placeholder).
_DOB_IS_PLACEHOLDER = f"""CASE WHEN ({_DOB}) IS NULL THEN NULL
                 ELSE month(b.dob_parsed) = 1 AND day(b.dob_parsed) = 1 END"""
_SEX = (
    "CASE upper(trim(b.sex)) "
    + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SEX_CODES.items())
    + " END"
)
_ABSENTIA = f"""CASE WHEN b.absentia_text IN (SELECT unnest({sql_list(ABSENTIA_TRUE)})) THEN TRUE
                 WHEN b.absentia_text IN (SELECT unnest({sql_list(ABSENTIA_FALSE)})) THEN FALSE END"""
#: The first five digits; three or four digits are padded with leading zeros.
_ZIP5 = """CASE WHEN length(b.zip_digits) >= 5 THEN substr(b.zip_digits, 1, 5)
                 WHEN length(b.zip_digits) BETWEEN 3 AND 4 THEN lpad(b.zip_digits, 5, '0') END"""


@dataclass(eq=False)
class Records:
    """The canonical records: a DuckDB table ``records`` plus where it came from.

    Attributes:
        con: the DuckDB connection that holds ``records`` (and the source tables, ``rejects``).
        table: the table name, :data:`linkage.tables.RECORDS`.
        sources: the :class:`~linkage.sources.Sources` normalised.
    """

    con: duckdb.DuckDBPyConnection
    sources: Sources
    table: str = tables.RECORDS
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


def assemble(con: duckdb.DuckDBPyConnection, staged: Mapping[str, Staged]) -> None:
    """Build ``records``: one query per source (joining only the lookups its columns need)."""
    columns = ",\n            ".join(
        f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in CANONICAL_COLUMNS.items()
    )
    parts = "\n        UNION ALL\n".join(
        _source_records(source, present, rows) for source, (present, rows) in staged.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {tables.RECORDS} AS SELECT {columns} FROM (
        {parts}
        ) ORDER BY unique_id
        """
    )


def _source_records(source: str, present: frozenset[str], rows: str) -> str:
    """The canonical records of one source, as a query over ``rows``, its staged rows."""
    names, name_joins = name_sql(present)
    base_joins, outer_joins = _lookup_joins(source, present)

    # A lookup is joined only when the source has the column it reads.
    def lookup(column: str, value: str, null: str) -> str:
        return value if column in present else f"NULL::{null}"

    def date(column: str, alias: str) -> str:
        """The date read, none when impossible (see ``linkage.sources`` for the warning)."""
        ahead = DATE_YEARS_AHEAD[column]
        return lookup(
            column, f"CASE WHEN lk_date_in_range({alias}.d, {ahead}) THEN {alias}.d END", "DATE"
        )

    return f"""
        (WITH base AS (
            SELECT st.*,
                {_A_DIGITS} AS a_digits,
                {lookup("dob", "d1.s", "VARCHAR")} AS dob_text,
                {lookup("dob", "d1.d", "DATE")} AS dob_parsed,
                {lookup("dob", "d1.day_first", "BOOLEAN")} AS dob_day_first,
                {date("event_date", "d2")} AS event_parsed,
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
            {_NAME_TOKENS} AS name_tokens,
            b.nm_given_phonetic AS given_phonetic, b.nm_surname_phonetic AS surname_phonetic,
            {_NAME_ISSUE} AS name_issue,
            {_A_NUMBER} AS a_number,
            {_A_NUMBER_ISSUE} AS a_number_issue,
            {_DOB} AS dob,
            {_DOB_ISSUE} AS dob_issue,
            {_DOB_IS_PLACEHOLDER} AS dob_is_placeholder,
            {_SEX} AS sex,
            {lookup("country", "cc.code", "VARCHAR")} AS country,
            b.country AS country_raw,
            b.event_parsed AS event_date,
            {date("nta_issued_date", "d3")} AS nta_issued_date,
            {lookup("nta_issued_date", "b.nta_issued_date IS NOT NULL", "BOOLEAN")} AS nta_issued,
            {date("release_date", "d4")} AS release_date,
            {date("hearing_date", "d5")} AS hearing_date,
            {_ABSENTIA} AS absentia,
            lk_fold(b.sponsor_name) AS sponsor_name,
            {lookup("address", "ad.std", "VARCHAR")} AS address,
            {_ZIP5} AS zip5
        FROM base b
        {outer_joins})"""


def _lookup_joins(source: str, present: frozenset[str]) -> tuple[str, str]:
    """The joins of the date, address and country lookups that ``source``'s columns need.

    Returns the joins to the staged rows ``st`` (the date of birth and the event date, which
    later columns read) and the joins to ``b``, the rows with those read (the others).
    """

    def date_join(column: str, alias: str, table: str) -> str:
        if column not in present:
            return ""
        return f"LEFT JOIN {DATES} {alias} ON {alias}.raw = {table}.{column}"

    base_joins = "\n            ".join(
        [date_join("dob", "d1", "st"), date_join("event_date", "d2", "st")]
    )
    outer_joins = [
        date_join("nta_issued_date", "d3", "b"),
        date_join("release_date", "d4", "b"),
        date_join("hearing_date", "d5", "b"),
    ]
    if "address" in present:
        outer_joins.append(f"LEFT JOIN {ADDRESSES} ad ON ad.raw = b.address")
    if "country" in present:
        outer_joins.append(
            f"LEFT JOIN {COUNTRY_CODES} cc ON cc.raw = b.country AND cc.is_eoir = {source == 'eoir'}"
        )
    return base_joins, " ".join(outer_joins)
