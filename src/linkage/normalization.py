"""Names, dates, A-numbers and countries -> one canonical person record per input record.

:func:`normalize` turns the validated source tables of :func:`linkage.read_sources` into the DuckDB
table ``records`` whose columns are :data:`linkage.schema.CANONICAL_COLUMNS`. The heavy work is SQL
run by DuckDB; the few Python functions (country lookup, Spanish phonetic keys, splitting a
"First Middle Last" full name) run over *distinct* values and are joined back.

Steps, in order:

1. ``_stage``: the sources' columns side by side in one table (absent columns are NULL).
2. names: folded (accents, case, punctuation), placeholders ("FNU", "LNU", ...) removed, particles
   joined to the word they precede ("DE LA CRUZ"), "LAST, FIRST MIDDLE" split at the comma, a
   "First Middle Last" full name split by how often each token is a given name or a surname in the
   data, a middle name that holds a surname moved to the surnames.
3. identifiers, dates, sex, country, places, court fields.
4. the quality flags (``name_issue``, ``a_number_issue``, ``dob_issue``) that the profile counts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from linkage._countries import country_code
from linkage._names import COMMON_GIVEN_NAMES, COMMON_SURNAMES
from linkage._phonetic import spanish_key
from linkage.schema import (
    ABSENTIA_FALSE,
    ABSENTIA_TRUE,
    CANONICAL_COLUMNS,
    NAME_PLACEHOLDERS,
    SEX_CODES,
    SOURCES,
    SURNAME_PARTICLES,
)

if TYPE_CHECKING:
    from linkage.sources import Sources

__all__ = ["Records", "normalize", "profile"]

logger = logging.getLogger("linkage")

RECORDS_TABLE = "records"
#: Given-name share above which an ambiguous token is read as a given name.
GIVEN_SHARE_THRESHOLD = 0.5

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


def _sql_list(values: frozenset[str] | set[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + "]"


def _macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the SQL macros normalisation uses (idempotent)."""
    single_placeholders = {p for p in NAME_PLACEHOLDERS if " " not in p}
    particles = "|".join(sorted(SURNAME_PARTICLES, key=len, reverse=True))
    con.execute(
        f"""
        CREATE OR REPLACE MACRO lk_fold(s) AS nullif(trim(regexp_replace(regexp_replace(
            upper(strip_accents(CAST(s AS VARCHAR))), '[''`´’]', '', 'g'), '[^A-Z]+', ' ', 'g')), '');
        CREATE OR REPLACE MACRO lk_unplace(s) AS CASE
            WHEN s IS NULL OR list_contains({_sql_list(NAME_PLACEHOLDERS)}, s) THEN NULL
            ELSE nullif(array_to_string(list_filter(string_split(s, ' '),
                 lambda t: NOT list_contains({_sql_list(single_placeholders)}, t)), ' '), '') END;
        CREATE OR REPLACE MACRO lk_has_place(s) AS s IS NOT NULL AND (
            list_contains({_sql_list(NAME_PLACEHOLDERS)}, s)
            OR len(list_filter(string_split(s, ' '), lambda t: list_contains({_sql_list(single_placeholders)}, t))) > 0);
        CREATE OR REPLACE MACRO lk_particles(s) AS regexp_replace(
            regexp_replace(s, '\\bDE (LA|LAS|LOS) ', 'DE_\\1 ', 'g'),
            '(^| )(DE_LA|DE_LAS|DE_LOS|{particles}) ([A-Z])', '\\1\\2_\\3', 'g');
        CREATE OR REPLACE MACRO lk_tokens(s) AS CASE WHEN s IS NULL THEN []::VARCHAR[]
            ELSE list_transform(list_filter(string_split(lk_particles(s), ' '), lambda t: t <> ''),
                 lambda t: regexp_replace(t, '^Y_', '')) END;
        CREATE OR REPLACE MACRO lk_core(t) AS regexp_extract(t, '([A-Z]+)$', 1);
        CREATE OR REPLACE MACRO lk_date_text(s) AS nullif(trim(CAST(s AS VARCHAR)), '');
        CREATE OR REPLACE MACRO lk_day_first(s) AS s IS NOT NULL
            AND regexp_matches(s, '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}')
            AND TRY_CAST(regexp_extract(s, '^(\\d{{1,2}})', 1) AS INTEGER) > 12
            AND TRY_CAST(regexp_extract(s, '^\\d{{1,2}}[/.-](\\d{{1,2}})', 1) AS INTEGER) <= 12;
        CREATE OR REPLACE MACRO lk_date(s) AS CASE
            WHEN s IS NULL THEN NULL
            WHEN regexp_matches(s, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}')
                THEN CAST(try_strptime(regexp_extract(s, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}'), '%Y-%m-%d') AS DATE)
            WHEN regexp_matches(s, '^\\d{{4}}/\\d{{1,2}}/\\d{{1,2}}')
                THEN CAST(try_strptime(regexp_extract(s, '^\\d{{4}}/\\d{{1,2}}/\\d{{1,2}}'), '%Y/%m/%d') AS DATE)
            WHEN regexp_matches(s, '^\\d{{8}}$') AND TRY_CAST(substr(s, 1, 4) AS INTEGER) BETWEEN 1800 AND 2200
                THEN CAST(try_strptime(s, '%Y%m%d') AS DATE)
            WHEN regexp_matches(s, '^\\d{{8}}$') THEN CAST(try_strptime(s, '%m%d%Y') AS DATE)
            WHEN regexp_matches(s, '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}') THEN CASE
                WHEN lk_day_first(s) THEN CAST(try_strptime(regexp_replace(regexp_extract(s,
                    '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}'), '[.-]', '/', 'g'), '%d/%m/%Y') AS DATE)
                ELSE CAST(try_strptime(regexp_replace(regexp_extract(s,
                    '^\\d{{1,2}}[/.-]\\d{{1,2}}[/.-]\\d{{4}}'), '[.-]', '/', 'g'), '%m/%d/%Y') AS DATE) END
            ELSE NULL END;
        """
    )


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


def _columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def _stage(sources: Any) -> None:
    con = sources.con
    parts = []
    for source, table in sources.tables.items():
        present = {c.lower(): c for c in _columns_of(con, table)}
        cols = [
            f"'{source}' AS source",
            'CAST("record_id" AS VARCHAR) AS record_id',
            '"_row_number" AS row_number'
            if "_row_number" in present
            else "row_number() OVER () AS row_number",
        ]
        for staged, candidates in _STAGE_COLUMNS.items():
            found = next((present[c] for c in candidates if c in present), None)
            cols.append(
                f'CAST("{found}" AS VARCHAR) AS {staged}'
                if found
                else f"CAST(NULL AS VARCHAR) AS {staged}"
            )
        parts.append(f'SELECT {", ".join(cols)} FROM "{table}"')
    if not parts:
        raise ValueError("normalize() needs at least one source")
    con.execute("CREATE OR REPLACE TEMP TABLE _stage AS " + " UNION ALL ".join(parts))


def _names(con: duckdb.DuckDBPyConnection) -> None:
    """Fold, de-placeholder and split the names; resolve full names and middle names."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _names_0 AS
        SELECT source, record_id,
            lk_fold(first_name) AS f_raw, lk_fold(middle_name) AS m_raw, lk_fold(last_name) AS l_raw,
            lk_fold(CASE WHEN contains(full_name, ',') THEN split_part(full_name, ',', 1) END) AS fl_last,
            lk_fold(CASE WHEN contains(full_name, ',') THEN substr(full_name, strpos(full_name, ',') + 1) END) AS fl_given,
            lk_fold(CASE WHEN NOT contains(full_name, ',') THEN full_name END) AS fl_plain
        FROM _stage;
        CREATE OR REPLACE TEMP TABLE _names_1 AS
        SELECT source, record_id,
            lk_has_place(f_raw) OR lk_has_place(m_raw) OR lk_has_place(l_raw)
                OR lk_has_place(fl_last) OR lk_has_place(fl_given) OR lk_has_place(fl_plain) AS had_placeholder,
            lk_unplace(coalesce(f_raw, fl_given)) AS f_clean,
            lk_unplace(coalesce(l_raw, fl_last)) AS l_clean,
            lk_unplace(m_raw) AS m_clean,
            lk_unplace(fl_plain) AS plain_clean
        FROM _names_0;
        CREATE OR REPLACE TEMP TABLE _names_1 AS
        SELECT *, lk_tokens(f_clean) AS f_tok, lk_tokens(l_clean) AS l_tok,
            lk_particles(m_clean) AS m_key, lk_particles(plain_clean) AS plain_key
        FROM _names_1;
        DROP TABLE _names_0;
        """
    )
    # How often each token is written as a given name or a surname in the structured columns.
    counts = con.execute(
        """
        WITH g AS (SELECT unnest(f_tok) AS t FROM _names_1),
             s AS (SELECT unnest(l_tok) AS t FROM _names_1)
        SELECT t, sum(is_g) AS g, sum(1 - is_g) AS s FROM (
            SELECT lk_core(t) AS t, 1 AS is_g FROM g UNION ALL SELECT lk_core(t), 0 FROM s)
        WHERE t <> '' GROUP BY t
        """
    ).fetchall()
    given_n: dict[str, float] = {}
    surname_n: dict[str, float] = {}
    for token, g, s in counts:
        given_n[token] = float(g)
        surname_n[token] = float(s)

    def given_share(token: str) -> float:
        core = token.rsplit("_", 1)[-1]
        g = given_n.get(core, 0.0) + (5.0 if core in COMMON_GIVEN_NAMES else 0.0)
        s = surname_n.get(core, 0.0) + (5.0 if core in COMMON_SURNAMES else 0.0)
        return (g + 0.5) / (g + s + 1.0)

    # "First Middle Last" full names: given names are the leading tokens that read as given names,
    # always leaving at least one surname.
    plain = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT plain_key FROM _names_1 WHERE plain_key IS NOT NULL"
        ).fetchall()
        if r[0]
    ]
    split_rows = []
    for text in plain:
        tokens = text.split()
        if len(tokens) == 1:
            given, surnames = (
                (tokens, []) if given_share(tokens[0]) > GIVEN_SHARE_THRESHOLD else ([], tokens)
            )
        else:
            k = 1
            while k < len(tokens) - 1 and given_share(tokens[k]) > GIVEN_SHARE_THRESHOLD:
                k += 1
            if len(tokens) >= 4 and k == 1 and given_share(tokens[1]) > 0.3:
                k = 2
            given, surnames = tokens[:k], tokens[k:]
        split_rows.append((text, " ".join(given) or None, " ".join(surnames) or None))
    # Middle names: tokens that read as surnames are a maternal surname pushed into the middle.
    middles = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT m_key FROM _names_1 WHERE m_key IS NOT NULL"
        ).fetchall()
        if r[0]
    ]
    middle_rows = []
    for text in middles:
        tokens = text.split()
        # A middle name is a given name unless the data says the token is mostly a surname.
        given = [t for t in tokens if given_share(t) >= GIVEN_SHARE_THRESHOLD]
        surnames = [t for t in tokens if given_share(t) < GIVEN_SHARE_THRESHOLD]
        middle_rows.append((text, " ".join(given) or None, " ".join(surnames) or None))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _plain_split (text VARCHAR, given VARCHAR, surnames VARCHAR)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _middle_split (text VARCHAR, given VARCHAR, surnames VARCHAR)"
    )
    if split_rows:
        _insert(con, "_plain_split", split_rows)
    if middle_rows:
        _insert(con, "_middle_split", middle_rows)

    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _names_2 AS
        SELECT n.source, n.record_id, n.had_placeholder,
            ms.surnames IS NOT NULL AS surname_in_middle,
            list_concat(n.f_tok, lk_tokens(ms.given), lk_tokens(ps.given)) AS given_t,
            list_concat(n.l_tok, lk_tokens(ms.surnames), lk_tokens(ps.surnames)) AS surname_t,
            coalesce(n.f_clean, ps.given) AS first_clean,
            n.m_clean AS middle_clean,
            coalesce(n.l_clean, ps.surnames) AS last_clean
        FROM _names_1 n
        LEFT JOIN _middle_split ms ON ms.text = n.m_key
        LEFT JOIN _plain_split ps ON ps.text = n.plain_key
        """
    )
    # Phonetic keys, computed in Python over distinct name strings (a few per cent of the rows).
    _phonetic_table(con, "_given_keys", "given_t")
    _phonetic_table(con, "_surname_keys", "surname_t")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _names AS
        SELECT n.source, n.record_id,
            n.first_clean AS first_name, n.middle_clean AS middle_name, n.last_clean AS last_name,
            list_transform(given_t, lambda t: replace(t, '_', ' ')) AS given_names,
            list_transform(surname_t, lambda t: replace(t, '_', ' ')) AS surnames,
            replace(given_t[1], '_', ' ') AS given_name_1,
            replace(given_t[2], '_', ' ') AS given_name_2,
            replace(surname_t[1], '_', ' ') AS paternal_surname,
            replace(surname_t[2], '_', ' ') AS maternal_surname,
            nullif(array_to_string(list_transform(surname_t, lambda t: replace(t, '_', '')), ''), '') AS surname_joined,
            list_sort(list_distinct(list_transform(list_concat(given_t, surname_t), lambda t: lk_core(t)))) AS name_tokens,
            coalesce(gk.keys, []::VARCHAR[]) AS given_phonetic,
            coalesce(sk.keys, []::VARCHAR[]) AS surname_phonetic,
            CASE
                WHEN len(given_t) = 0 AND len(surname_t) = 0 THEN 'no_name'
                WHEN n.had_placeholder THEN 'placeholder'
                WHEN len(given_t) = 0 OR len(surname_t) = 0 THEN 'single_name'
                WHEN n.surname_in_middle THEN 'surname_in_middle'
            END AS name_issue
        FROM _names_2 n
        LEFT JOIN _given_keys gk ON gk.text = array_to_string(n.given_t, ' ')
        LEFT JOIN _surname_keys sk ON sk.text = array_to_string(n.surname_t, ' ')
        """
    )


def _phonetic_table(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """``table(text, keys)``: the phonetic key of each token of every distinct token list."""
    texts = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT array_to_string({column}, ' ') FROM _names_2 WHERE len({column}) > 0"
        ).fetchall()
    ]
    cache: dict[str, str | None] = {}

    def key(token: str) -> str | None:
        core = token.rsplit("_", 1)[-1]
        if core not in cache:
            cache[core] = spanish_key(core)
        return cache[core]

    keys = [[k for k in (key(t) for t in text.split(" ")) if k is not None] for text in texts]
    frame = pa.table(
        {"text": pa.array(texts, pa.string()), "keys": pa.array(keys, pa.list_(pa.string()))}
    )
    con.register("_keys_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _keys_frame")
    finally:
        con.unregister("_keys_frame")


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    frame = pd.DataFrame(rows, columns=["text", "given", "surnames"], dtype=object)
    con.register("_insert_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _insert_frame")
    finally:
        con.unregister("_insert_frame")


def _countries(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT DISTINCT source = 'eoir', country FROM _stage WHERE country IS NOT NULL"
    ).fetchall()
    frame = pd.DataFrame(
        [(is_eoir, raw, country_code(raw, eoir=bool(is_eoir))) for is_eoir, raw in rows],
        columns=["is_eoir", "raw", "code"],
    ).astype({"is_eoir": bool, "raw": object, "code": object})
    con.register("_country_frame", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _country_codes AS "
            "SELECT is_eoir, CAST(raw AS VARCHAR) raw, CAST(code AS VARCHAR) code FROM _country_frame"
        )
    finally:
        con.unregister("_country_frame")


def _lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Dates and addresses are parsed once per distinct text, then joined back."""
    dates = " UNION ".join(
        f"SELECT lk_date_text({c}) AS s FROM _stage"
        for c in ("dob", "event_date", "nta_issued_date", "release_date", "hearing_date")
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dates AS SELECT s, lk_date(s) AS d, lk_day_first(s) AS day_first "
        f"FROM ({dates}) WHERE s IS NOT NULL"
    )
    expr = (
        "nullif(trim(regexp_replace(regexp_replace(upper(strip_accents(raw)), "
        "'[^A-Z0-9]+', ' ', 'g'), '\\s+', ' ', 'g')), '')"
    )
    for word, abbr in ADDRESS_WORDS.items():
        expr = f"regexp_replace({expr}, '\\b{word}\\b', '{abbr}', 'g')"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _addresses AS SELECT raw, {expr} AS std "
        "FROM (SELECT DISTINCT address AS raw FROM _stage WHERE address IS NOT NULL)"
    )


def _assemble(con: duckdb.DuckDBPyConnection) -> None:
    _lookups(con)
    sex_cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SEX_CODES.items())
    columns = ",\n            ".join(
        f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in CANONICAL_COLUMNS.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {RECORDS_TABLE} AS SELECT {columns} FROM (
        WITH base AS (
            SELECT st.*,
                regexp_replace(regexp_replace(coalesce(st.a_number, ''), '\\.0+$', ''), '[^0-9]', '', 'g') AS a_digits,
                lk_date_text(st.dob) AS dob_text,
                d1.d AS dob_parsed, d1.day_first AS dob_day_first,
                d2.d AS event_parsed,
                upper(trim(st.absentia)) AS absentia_text,
                regexp_replace(coalesce(st.zip, ''), '[^0-9]', '', 'g') AS zip_digits
            FROM _stage st
            LEFT JOIN _dates d1 ON d1.s = lk_date_text(st.dob)
            LEFT JOIN _dates d2 ON d2.s = lk_date_text(st.event_date)
        )
        SELECT
            b.source || ':' || b.record_id AS unique_id,
            b.source, b.record_id, b.row_number,
            n.first_name, n.middle_name, n.last_name, n.given_names, n.surnames,
            n.given_name_1, n.given_name_2, n.paternal_surname, n.maternal_surname,
            n.surname_joined, n.name_tokens, n.given_phonetic, n.surname_phonetic, n.name_issue,
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
            cc.code AS country,
            b.country AS country_raw,
            b.event_parsed AS event_date,
            d3.d AS nta_issued_date,
            d4.d AS release_date,
            d5.d AS hearing_date,
            CASE WHEN b.absentia_text IN (SELECT unnest({_sql_list(ABSENTIA_TRUE)})) THEN TRUE
                 WHEN b.absentia_text IN (SELECT unnest({_sql_list(ABSENTIA_FALSE)})) THEN FALSE END AS absentia,
            lk_fold(b.sponsor_name) AS sponsor_name,
            ad.std AS address,
            CASE WHEN length(b.zip_digits) >= 5 THEN substr(b.zip_digits, 1, 5)
                 WHEN length(b.zip_digits) BETWEEN 3 AND 4 THEN lpad(b.zip_digits, 5, '0') END AS zip5
        FROM base b
        JOIN _names n USING (source, record_id)
        LEFT JOIN _country_codes cc ON cc.raw = b.country AND cc.is_eoir = (b.source = 'eoir')
        LEFT JOIN _dates d3 ON d3.s = lk_date_text(b.nta_issued_date)
        LEFT JOIN _dates d4 ON d4.s = lk_date_text(b.release_date)
        LEFT JOIN _dates d5 ON d5.s = lk_date_text(b.hearing_date)
        LEFT JOIN _addresses ad ON ad.raw = b.address
        ) ORDER BY unique_id
        """
    )


#: Street words written many ways, folded to the USPS abbreviation.
ADDRESS_WORDS: dict[str, str] = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD",
    "LANE": "LN", "COURT": "CT", "PLACE": "PL", "APARTMENT": "APT", "NUMBER": "NO", "HIGHWAY": "HWY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SUITE": "STE", "CIRCLE": "CIR",
    "TERRACE": "TER", "PARKWAY": "PKWY", "UNIT": "APT",
}  # fmt: skip


def normalize(
    sources: Sources | Mapping[str, Any] | str | Any,
    *,
    columns: Mapping[str, Mapping[str, str]] | None = None,
) -> Records:
    """Normalise the sources into the canonical ``records`` table.

    Args:
        sources: what :func:`linkage.read_sources` returned, or anything it accepts (a folder, a
            mapping of source name to path or frame).
        columns: per-source column mapping, used only when ``sources`` still has to be read.

    Returns:
        :class:`Records`, whose ``con`` holds the DuckDB table ``records`` with the columns of
        :data:`linkage.schema.CANONICAL_COLUMNS`, one row per record read.

    Example:
        >>> import pandas as pd, linkage
        >>> cbp = pd.DataFrame({"record_id": ["1"], "first_name": ["María José"],
        ...     "last_name": ["López-Chub"], "dob": ["04/19/2009"], "event_date": ["05/01/2021"],
        ...     "a_number": ["A12-345-678"]})
        >>> rec = linkage.normalize({"cbp": cbp}).to_pandas()
        >>> rec.loc[0, ["given_name_1", "paternal_surname", "maternal_surname", "a_number"]].tolist()
        ['MARIA', 'LOPEZ', 'CHUB', '012345678']
    """
    if not (hasattr(sources, "con") and hasattr(sources, "tables")):
        from linkage.sources import read_sources

        sources = read_sources(sources, columns=columns)
    con = sources.con
    logger.info("normalising %s", ", ".join(f"{s}" for s in sources.tables))
    _macros(con)
    _stage(sources)
    _names(con)
    _countries(con)
    _assemble(con)
    for temp in (
        "_stage",
        "_names_1",
        "_names_2",
        "_names",
        "_plain_split",
        "_middle_split",
        "_country_codes",
    ):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    records = Records(con=con, sources=sources)
    logger.info("normalised %s records", f"{sum(records.counts().values()):,}")
    return records


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
    ("sex", "s_raw IS NULL", "s_raw IS NOT NULL AND sex IS NULL", "FALSE"),
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
    _profile_source(records)
    parts = []
    for column, missing, invalid, placeholder in _PROFILE_CHECKS:
        day_first = "dob_issue = 'read_day_first'" if column == "dob" else "FALSE"
        parts.append(
            f"""SELECT source, '{column}' AS "column", count(*) AS records,
                count(*) FILTER ({missing}) AS missing,
                count(*) FILTER ({invalid}) AS invalid,
                count(*) FILTER ({placeholder}) AS placeholder,
                count(*) FILTER ({day_first}) AS day_first,
                list(record_id ORDER BY row_number) FILTER ({invalid})[1:5] AS examples
            FROM _profile_raw GROUP BY source"""
        )
    order = (
        "CASE source " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCES)) + " END"
    )
    frame = con.execute(" UNION ALL ".join(parts) + f' ORDER BY {order}, "column"').df()
    con.execute("DROP TABLE IF EXISTS _profile_raw")
    return frame


def _profile_source(records: Records) -> None:
    con = records.con
    parts = []
    for source, table in records.sources.tables.items():
        present = {c.lower(): c for c in _columns_of(con, table)}
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
        "CREATE OR REPLACE TEMP TABLE _profile_raw AS SELECT r.*, s.s_raw, s.e_raw FROM records r "
        f"LEFT JOIN ({' UNION ALL '.join(parts)}) s USING (unique_id)"
    )
