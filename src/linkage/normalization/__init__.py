"""Names, dates, A-numbers and countries -> one canonical person record per input record.

:func:`normalize` turns the validated source tables of :func:`linkage.read_sources` into the DuckDB
table ``records`` whose columns are :data:`linkage.schema.CANONICAL_COLUMNS`. The heavy work is SQL
run by DuckDB; the few Python functions (country lookup, Spanish phonetic keys, splitting a
"First Middle Last" full name) run over *distinct* values and are joined back.

Steps, in order:

1. ``_stage``: a view of the sources' columns side by side (absent columns are NULL).
2. names: folded (accents, case, punctuation), placeholders ("FNU", "LNU", ...) removed, particles
   joined to the word they precede ("DE LA CRUZ"), "LAST, FIRST MIDDLE" split at the comma, a
   "First Middle Last" full name split by how often each token is a given name or a surname in the
   data, a middle name that holds a surname moved to the surnames.
3. identifiers, dates, sex, country, places, court fields.
4. the quality flags (``name_issue``, ``a_number_issue``, ``dob_issue``) that the profile counts.

Names, dates, addresses and countries repeat heavily, so each is worked out once per distinct raw
value into a lookup table keyed by that value (a name lookup also holds every list a record needs:
names, cores, phonetic keys). ``records`` is then one query per source, joining to each record
only the lookups of the columns its source has, and sorted by ``unique_id`` so that the table,
and everything trained on it, does not depend on the order of the input rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from linkage.normalization._countries import country_code
from linkage.normalization._name_priors import COMMON_GIVEN_NAMES, COMMON_SURNAMES
from linkage.normalization._phonetic import spanish_key
from linkage.schema import (
    ABSENTIA_FALSE,
    ABSENTIA_TRUE,
    CANONICAL_COLUMNS,
    NAME_PLACEHOLDERS,
    SEX_CODES,
    SEX_UNKNOWN,
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


#: Full-width Latin letters (as typed with an East Asian input method) and their ASCII forms;
#: DuckDB has no NFKC, and ``strip_accents`` leaves them, so without this they were dropped.
_FULL_WIDTH = "".join(chr(c) for c in [*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)])
_FULL_WIDTH_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: Letters that ``strip_accents`` does not decompose, spelt out (upper case: folded after upper()).
_SPELT_OUT = {"Æ": "AE", "Œ": "OE", "ß": "SS", "ẞ": "SS", "Ø": "O", "Ł": "L", "Đ": "D", "Ð": "D",
              "Þ": "TH", "ﬁ": "FI", "ﬂ": "FL", "ﬀ": "FF"}  # fmt: skip


def _letters_sql(value: str) -> str:
    """SQL: ``value`` upper-cased, full-width letters and ligatures written as plain letters."""
    sql = f"upper(translate({value}, '{_FULL_WIDTH}', '{_FULL_WIDTH_ASCII}'))"
    for letter, plain in _SPELT_OUT.items():
        sql = f"replace({sql}, '{letter}', '{plain}')"
    return sql


def _macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the SQL macros normalisation uses (idempotent)."""
    single_placeholders = {p for p in NAME_PLACEHOLDERS if " " not in p}
    particles = "|".join(sorted(SURNAME_PARTICLES, key=len, reverse=True))
    con.execute(
        f"""
        CREATE OR REPLACE MACRO lk_fold(s) AS nullif(trim(regexp_replace(regexp_replace(
            strip_accents({_letters_sql("CAST(s AS VARCHAR)")}), '[''`´’]', '', 'g'), '[^A-Z]+', ' ', 'g')), '');
        CREATE OR REPLACE MACRO lk_unplace(s) AS CASE
            WHEN s IS NULL OR list_contains({_sql_list(NAME_PLACEHOLDERS)}, s) THEN NULL
            ELSE nullif(array_to_string(list_filter(string_split(s, ' '),
                 lambda t: NOT list_contains({_sql_list(single_placeholders)}, t)), ' '), '') END;
        CREATE OR REPLACE MACRO lk_clean(s, has_place) AS CASE WHEN has_place THEN lk_unplace(s) ELSE s END;
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
        CREATE OR REPLACE MACRO lk_date_text(s) AS nullif(regexp_replace(
            trim(CAST(s AS VARCHAR)), '^(\\d{{8}})\\.0*$', '\\1'), '');
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


def _stage(sources: Any) -> dict[str, tuple[frozenset[str], str]]:
    """The view ``_stage``: the sources side by side (absent columns are NULL).

    Returns, per source, the staged columns it has and the query of its rows.
    """
    con = sources.con
    parts = []
    staged_by_source: dict[str, tuple[frozenset[str], str]] = {}
    for source, table in sources.tables.items():
        present = {c.lower(): c for c in _columns_of(con, table)}
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


def _cleaned(column: str) -> str:
    """SQL: each distinct raw value of a name column, folded (``folded``), whether it holds a
    placeholder (``hp``) and cleared of placeholders (``clean``)."""
    return f"""SELECT raw, folded, hp, lk_clean(folded, hp) AS clean FROM (
                SELECT raw, folded, lk_has_place(folded) AS hp FROM (
                    SELECT raw, lk_fold(raw) AS folded FROM (
                        SELECT DISTINCT {column} AS raw FROM _stage WHERE {column} IS NOT NULL)))"""


def _names(con: duckdb.DuckDBPyConnection, *, parts: bool) -> None:
    """Fold, de-placeholder and split the names, once per distinct raw value of each name column.

    Builds one lookup table per raw name column, keyed by the raw text (``raw``): ``_nm_first``,
    ``_nm_middle``, ``_nm_last`` and ``_nm_full``/``_nm_full_parts`` (a full name's comma parts and
    its "First Middle Last" split; ``_nm_full_parts`` only when ``parts``: a source has both a
    full name and other name columns). Each token list in them comes with the forms a record needs
    (``*_names``, ``*_cores``, ``*_keys``, ``*_joined``; see :func:`_token_forms`), so that per
    record :func:`_name_sql` only picks and concatenates lists.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_first0 AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("first_name")});
        CREATE OR REPLACE TEMP TABLE _nm_last0 AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("last_name")});
        CREATE OR REPLACE TEMP TABLE _nm_middle0 AS
        SELECT raw, hp, clean, lk_particles(clean) AS key FROM ({_cleaned("middle_name")});
        CREATE OR REPLACE TEMP TABLE _nm_full0 AS
        SELECT raw, hp, given_clean, lk_tokens(given_clean) AS given_tok,
            last_clean, lk_tokens(last_clean) AS last_tok, lk_particles(plain_clean) AS plain_key
        FROM (
            SELECT raw, hp_last OR hp_given OR hp_plain AS hp,
                lk_clean(fl_given, hp_given) AS given_clean,
                lk_clean(fl_last, hp_last) AS last_clean,
                lk_clean(fl_plain, hp_plain) AS plain_clean
            FROM (
                SELECT raw, fl_last, fl_given, fl_plain, lk_has_place(fl_last) AS hp_last,
                    lk_has_place(fl_given) AS hp_given, lk_has_place(fl_plain) AS hp_plain
                FROM (
                    SELECT raw,
                        lk_fold(CASE WHEN contains(raw, ',') THEN split_part(raw, ',', 1) END) AS fl_last,
                        lk_fold(CASE WHEN contains(raw, ',') THEN substr(raw, strpos(raw, ',') + 1) END) AS fl_given,
                        lk_fold(CASE WHEN NOT contains(raw, ',') THEN raw END) AS fl_plain
                    FROM (SELECT DISTINCT full_name AS raw FROM _stage WHERE full_name IS NOT NULL))));
        """
    )
    # How often each token is written as a given name or a surname in the structured columns
    # (the first name, else a full name's part after the comma; the last name, else the part
    # before it), over records: each distinct pair of raw columns counts its number of records.
    counts = con.execute(
        """
        WITH fc AS (SELECT first_name, full_name, count(*) AS n FROM _stage GROUP BY ALL),
             lc AS (SELECT last_name, full_name, count(*) AS n FROM _stage GROUP BY ALL),
             g AS (
                SELECT unnest(CASE WHEN f.folded IS NOT NULL THEN f.tok ELSE u.given_tok END) AS t, fc.n
                FROM fc LEFT JOIN _nm_first0 f ON f.raw = fc.first_name
                LEFT JOIN _nm_full0 u ON u.raw = fc.full_name),
             s AS (
                SELECT unnest(CASE WHEN l.folded IS NOT NULL THEN l.tok ELSE u.last_tok END) AS t, lc.n
                FROM lc LEFT JOIN _nm_last0 l ON l.raw = lc.last_name
                LEFT JOIN _nm_full0 u ON u.raw = lc.full_name)
        SELECT t, sum(g) AS g, sum(s) AS s FROM (
            SELECT lk_core(t) AS t, n AS g, 0 AS s FROM (SELECT t, sum(n) AS n FROM g GROUP BY t)
            UNION ALL
            SELECT lk_core(t), 0, n FROM (SELECT t, sum(n) AS n FROM s GROUP BY t))
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
            "SELECT DISTINCT plain_key FROM _nm_full0 WHERE plain_key IS NOT NULL"
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
            "SELECT DISTINCT key FROM _nm_middle0 WHERE key IS NOT NULL"
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
    _split_table(con, "_plain_split", split_rows)
    _split_table(con, "_middle_split", middle_rows)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_middle1 AS
        SELECT m.raw, m.hp, m.clean, ms.surnames IS NOT NULL AS in_middle,
            lk_tokens(ms.given) AS g_tok, lk_tokens(ms.surnames) AS s_tok
        FROM _nm_middle0 m LEFT JOIN _middle_split ms ON ms.text = m.key;
        CREATE OR REPLACE TEMP TABLE _nm_full1 AS
        SELECT *, list_concat(given_tok, pg_tok) AS g_all, list_concat(last_tok, ps_tok) AS s_all
        FROM (
            SELECT u.raw, u.hp, u.given_clean, u.given_tok, u.last_clean, u.last_tok,
                ps.given AS p_given, ps.surnames AS p_surnames,
                lk_tokens(ps.given) AS pg_tok, lk_tokens(ps.surnames) AS ps_tok
            FROM _nm_full0 u LEFT JOIN _plain_split ps ON ps.text = u.plain_key);
        """
    )
    _token_forms(con, parts=parts)


#: The name lookups: table -> (built from, columns kept, token-list columns, extra columns over
#: the token lists' forms).
_NAME_LOOKUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "_nm_first": ("_nm_first0", ("raw", "folded", "hp", "clean"), ("tok",), ()),
    "_nm_last": ("_nm_last0", ("raw", "folded", "hp", "clean"), ("tok",), ()),
    "_nm_middle": ("_nm_middle1", ("raw", "hp", "clean", "in_middle"), ("g_tok", "s_tok"), ()),
    # A full name whole: all its given names, all its surnames, and its name tokens.
    "_nm_full": (
        "_nm_full1",
        ("raw", "hp", "given_clean", "last_clean", "p_given", "p_surnames"),
        ("g_all", "s_all"),
        ("list_filter(cores, lambda t, i: i = 1 OR cores[i - 1] <> t) AS tokens",),
    ),
    # A full name's parts, for the records that also have other name columns.
    "_nm_full_parts": (
        "_nm_full1",
        ("raw",),
        ("given_tok", "last_tok", "pg_tok", "ps_tok"),
        (),
    ),
}
#: What a record needs of a token list: the tokens as written (particles joined by a space),
#: their cores (the word after the particles), their phonetic keys, and the tokens run together.
_TOKEN_FORMS = ("names", "cores", "keys", "joined")


def _token_forms(con: duckdb.DuckDBPyConnection, *, parts: bool) -> None:
    """Build the name lookups of :data:`_NAME_LOOKUPS`, each token list with its forms.

    The forms are computed once per distinct token list. A token list's text (its tokens joined
    by a space) identifies it: tokens never hold a space. Phonetic keys are computed in Python
    (once per distinct token, cached).
    """
    lookups = {t: spec for t, spec in _NAME_LOOKUPS.items() if parts or t != "_nm_full_parts"}
    lists = " UNION ".join(
        f"SELECT {column} AS tok FROM {source}"
        for source, _, columns, _ in lookups.values()
        for column in columns
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _tok_lists AS
        SELECT array_to_string(tok, ' ') AS text, tok FROM ({lists}) WHERE len(tok) > 0
        """
    )
    texts = [r[0] for r in con.execute("SELECT text FROM _tok_lists").fetchall()]
    cache: dict[str, str | None] = {}

    def key(token: str) -> str | None:
        core = token.rsplit("_", 1)[-1]
        if core not in cache:
            cache[core] = spanish_key(core)
        return cache[core]

    keys = [[k for k in map(key, text.split(" ")) if k is not None] for text in texts]
    frame = pa.table(
        {"text": pa.array(texts, pa.string()), "keys": pa.array(keys, pa.list_(pa.string()))}
    )
    con.register("_token_key_frame", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _tok_keys AS "
            "SELECT text, CAST(keys AS VARCHAR[]) AS keys FROM _token_key_frame"
        )
    finally:
        con.unregister("_token_key_frame")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _tok_forms AS
        SELECT t.text,
            list_transform(t.tok, lambda x: replace(x, '_', ' ')) AS names,
            list_transform(t.tok, lambda x: lk_core(x)) AS cores,
            k.keys,
            array_to_string(list_transform(t.tok, lambda x: replace(x, '_', '')), '') AS joined
        FROM _tok_lists t JOIN _tok_keys k USING (text)
        """
    )
    # The forms of an empty token list (which has no row in _tok_forms).
    empty = {"names": "[]::VARCHAR[]", "cores": "[]::VARCHAR[]", "keys": "[]::VARCHAR[]"}
    empty["joined"] = "''"
    for table, (source, kept, columns, extra) in lookups.items():
        select = [f"s.{c}" for c in kept]
        joins = []
        for i, column in enumerate(columns):
            alias = f"x{i}"
            select += [
                f"coalesce({alias}.{form}, {empty[form]}) AS {column}_{form}"
                for form in _TOKEN_FORMS
            ]
            joins.append(
                f"LEFT JOIN _tok_forms {alias} ON {alias}.text = array_to_string(s.{column}, ' ')"
            )
        query = f"SELECT {', '.join(select)} FROM {source} s {' '.join(joins)}"
        if extra:
            cores = " , ".join(f"{column}_cores" for column in columns)
            query = (
                f"SELECT * EXCLUDE (cores), {', '.join(extra)} FROM ("
                f"SELECT *, list_sort(list_concat({cores})) AS cores FROM ({query}))"
            )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")


#: The name columns of a record, each computed from the name lookups as ``nm_<name>``.
_NAME_OUTPUTS = (
    "first_name", "middle_name", "last_name", "given_names", "surnames", "surname_joined",
    "cores_sorted", "whole_tokens", "given_phonetic", "surname_phonetic", "had_placeholder",
    "surname_in_middle",
)  # fmt: skip
#: A record's name shape, when its source has both a full name and other name columns: ``s1``
#: has no full name and no middle name, ``s2`` has only a full name.
_SHAPE_1 = "st.full_name IS NULL AND st.middle_name IS NULL"
_SHAPE_2 = (
    "st.full_name IS NOT NULL AND st.first_name IS NULL AND st.middle_name IS NULL "
    "AND st.last_name IS NULL"
)
_NAME_COLUMNS = ("first_name", "middle_name", "last_name", "full_name")


def _name_shape(present: frozenset[str]) -> Literal["whole", "parts", "mixed"]:
    """``"whole"`` (a full name only), ``"parts"`` (no full name) or ``"mixed"`` (both kinds)."""
    if "full_name" not in present:
        return "parts"
    return "mixed" if any(c in present for c in _NAME_COLUMNS[:3]) else "whole"


def _name_sql(present: frozenset[str]) -> tuple[str, str]:
    """The name columns of a source's records (``nm_*``) and the lookups they join to ``st``.

    In general a record's given names are its first name's tokens (or its full name's part after
    the comma), then the given names found in its middle name, then the given names of a "First
    Middle Last" full name; its surnames likewise; each form of a whole list is the concatenation
    of its parts' forms. A source with a full name and no other name column takes every list
    whole from ``_nm_full``; a source without a full name concatenates its first (last) and
    middle names' lists; only a source with both kinds decides record by record. All three give
    what the general rule gives (a column a source lacks is NULL in every record).
    """
    has = {c: c in present for c in _NAME_COLUMNS}
    joins = {
        "first_name": "LEFT JOIN _nm_first f ON f.raw = st.first_name",
        "middle_name": "LEFT JOIN _nm_middle m ON m.raw = st.middle_name",
        "last_name": "LEFT JOIN _nm_last l ON l.raw = st.last_name",
        "full_name": "LEFT JOIN _nm_full u ON u.raw = st.full_name",
    }
    used = [joins[c] for c in _NAME_COLUMNS if has[c]]
    empty = "[]::VARCHAR[]"
    shape = _name_shape(present)
    if shape == "whole":
        columns = {
            "first_name": "coalesce(u.given_clean, u.p_given)",
            "middle_name": "NULL::VARCHAR",
            "last_name": "coalesce(u.last_clean, u.p_surnames)",
            "given_names": f"coalesce(u.g_all_names, {empty})",
            "surnames": f"coalesce(u.s_all_names, {empty})",
            "surname_joined": "nullif(u.s_all_joined, '')",
            "cores_sorted": "NULL::VARCHAR[]",
            "whole_tokens": f"coalesce(u.tokens, {empty})",
            "given_phonetic": f"coalesce(u.g_all_keys, {empty})",
            "surname_phonetic": f"coalesce(u.s_all_keys, {empty})",
            "had_placeholder": "coalesce(u.hp, FALSE)",
            "surname_in_middle": "FALSE",
        }
    elif shape == "parts":

        def part(alias: str, column: str, name: str, *, joined: bool = False) -> str:
            if not has[column]:
                return "NULL::VARCHAR" if joined else "NULL::VARCHAR[]"
            return f"{alias}.{name}"

        def both(first: str, middle: str, form: str) -> str:
            column = "first_name" if first == "f" else "last_name"
            joined = form == "joined"
            a = part(first, column, f"tok_{form}", joined=joined)
            b = part("m", "middle_name", f"{middle}_tok_{form}", joined=joined)
            if not has["middle_name"]:
                return a
            if not has[column]:
                return b
            return f"concat({a}, {b})" if joined else f"list_concat({a}, {b})"

        columns = {
            "first_name": part("f", "first_name", "clean", joined=True),
            "middle_name": part("m", "middle_name", "clean", joined=True),
            "last_name": part("l", "last_name", "clean", joined=True),
            "given_names": f"coalesce({both('f', 'g', 'names')}, {empty})",
            "surnames": f"coalesce({both('l', 's', 'names')}, {empty})",
            "surname_joined": f"nullif({both('l', 's', 'joined')}, '')",
            "cores_sorted": (
                f"list_sort(list_concat({both('f', 'g', 'cores')}, {both('l', 's', 'cores')}))"
            ),
            "whole_tokens": "NULL::VARCHAR[]",
            "given_phonetic": f"coalesce({both('f', 'g', 'keys')}, {empty})",
            "surname_phonetic": f"coalesce({both('l', 's', 'keys')}, {empty})",
            "had_placeholder": " OR ".join(
                [
                    f"coalesce({a}.hp, FALSE)"
                    for a, c in zip("fml", _NAME_COLUMNS[:3], strict=True)
                    if has[c]
                ]
                or ["FALSE"]
            ),
            "surname_in_middle": "coalesce(m.in_middle, FALSE)" if has["middle_name"] else "FALSE",
        }
    else:
        columns = _mixed_name_columns()
        used = list(joins.values()) + [
            "LEFT JOIN _nm_full_parts up ON up.raw = "
            f"CASE WHEN NOT ({_SHAPE_1}) AND NOT ({_SHAPE_2}) THEN st.full_name END"
        ]
    select = ",\n                ".join(f"{columns[name]} AS nm_{name}" for name in _NAME_OUTPUTS)
    return select, "\n            ".join(used)


def _mixed_name_columns() -> dict[str, str]:
    """The name columns of a source with both a full name and other name columns."""

    def general(side: str, form: str) -> str:
        if side == "given":
            first = f"CASE WHEN f.folded IS NOT NULL THEN f.tok_{form} ELSE up.given_tok_{form} END"
            parts = f"{first}, m.g_tok_{form}, up.pg_tok_{form}"
        else:
            last = f"CASE WHEN l.folded IS NOT NULL THEN l.tok_{form} ELSE up.last_tok_{form} END"
            parts = f"{last}, m.s_tok_{form}, up.ps_tok_{form}"
        return f"concat({parts})" if form == "joined" else f"list_concat({parts})"

    def pick(side: str, form: str) -> str:
        plain = f"f.tok_{form}" if side == "given" else f"l.tok_{form}"
        whole = f"u.{'g_all' if side == 'given' else 's_all'}_{form}"
        return (
            f"CASE WHEN {_SHAPE_1} THEN {plain} WHEN {_SHAPE_2} THEN {whole} "
            f"ELSE {general(side, form)} END"
        )

    return {
        "first_name": (
            "coalesce(CASE WHEN f.folded IS NOT NULL THEN f.clean ELSE u.given_clean END, "
            "u.p_given)"
        ),
        "middle_name": "m.clean",
        "last_name": (
            "coalesce(CASE WHEN l.folded IS NOT NULL THEN l.clean ELSE u.last_clean END, "
            "u.p_surnames)"
        ),
        "given_names": f"coalesce({pick('given', 'names')}, []::VARCHAR[])",
        "surnames": f"coalesce({pick('surname', 'names')}, []::VARCHAR[])",
        "surname_joined": f"nullif({pick('surname', 'joined')}, '')",
        "cores_sorted": (
            f"CASE WHEN {_SHAPE_2} THEN NULL "
            f"WHEN {_SHAPE_1} THEN list_sort(list_concat(f.tok_cores, l.tok_cores)) "
            f"ELSE list_sort(list_concat({general('given', 'cores')}, "
            f"{general('surname', 'cores')})) END"
        ),
        "whole_tokens": f"CASE WHEN {_SHAPE_2} THEN u.tokens END",
        "given_phonetic": f"coalesce({pick('given', 'keys')}, []::VARCHAR[])",
        "surname_phonetic": f"coalesce({pick('surname', 'keys')}, []::VARCHAR[])",
        "had_placeholder": (
            "coalesce(f.hp, FALSE) OR coalesce(m.hp, FALSE) OR coalesce(l.hp, FALSE) "
            "OR coalesce(u.hp, FALSE)"
        ),
        "surname_in_middle": "coalesce(m.in_middle, FALSE)",
    }


def _split_table(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """``table(text, given, surnames)`` from Python rows."""
    frame = pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(("text", "given", "surnames"))
        }
    )
    con.register("_split_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _split_frame")
    finally:
        con.unregister("_split_frame")


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
    """Dates and addresses are parsed once per distinct raw text, then joined back."""
    dates = " UNION ".join(
        f"SELECT {c} AS raw FROM _stage"
        for c in ("dob", "event_date", "nta_issued_date", "release_date", "hearing_date")
    )
    # raw -> s (the text read: trimmed, NULL when blank), d (the date), day_first.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _dates AS
        SELECT raw, s, lk_date(s) AS d, CASE WHEN s IS NOT NULL THEN lk_day_first(s) END AS day_first
        FROM (SELECT raw, lk_date_text(raw) AS s FROM ({dates}) WHERE raw IS NOT NULL)
        """
    )
    # Upper case without accents, every run of other characters one space; then each word is
    # replaced by what the street-word replacements, applied in turn, make of it.
    words = " ".join(f"WHEN '{word}' THEN '{abbr}'" for word, abbr in _address_words().items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _addresses AS
        SELECT raw, array_to_string(list_transform(string_split(std, ' '),
            lambda t: CASE t {words} ELSE t END), ' ') AS std
        FROM (
            SELECT raw,
                nullif(trim(regexp_replace(upper(strip_accents(raw)), '[^A-Z0-9]+', ' ', 'g')), '')
                    AS std
            FROM (SELECT DISTINCT address AS raw FROM _stage WHERE address IS NOT NULL))
        """
    )


def _address_words() -> dict[str, str]:
    """Word -> what replacing each of :data:`ADDRESS_WORDS` in turn makes of it (changed only).

    The replacements are of whole words by whole words, so applying them in turn to an address
    is the same as mapping each of its words through this table.
    """
    if any(" " in w for pair in ADDRESS_WORDS.items() for w in pair):
        raise ValueError("ADDRESS_WORDS must map single words to single words")
    composed = {}
    for start in {*ADDRESS_WORDS, *ADDRESS_WORDS.values()}:
        word = start
        for street_word, abbreviation in ADDRESS_WORDS.items():
            if word == street_word:
                word = abbreviation
        if word != start:
            composed[start] = word
    return composed


def _assemble(
    con: duckdb.DuckDBPyConnection, staged: Mapping[str, tuple[frozenset[str], str]]
) -> None:
    """Build ``records``: one query per source (joining only the lookups its columns need)."""
    _lookups(con)
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
    names, name_joins = _name_sql(present)

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
            CASE WHEN b.absentia_text IN (SELECT unnest({_sql_list(ABSENTIA_TRUE)})) THEN TRUE
                 WHEN b.absentia_text IN (SELECT unnest({_sql_list(ABSENTIA_FALSE)})) THEN FALSE END AS absentia,
            lk_fold(b.sponsor_name) AS sponsor_name,
            {lookup("address", "ad.std", "VARCHAR")} AS address,
            CASE WHEN length(b.zip_digits) >= 5 THEN substr(b.zip_digits, 1, 5)
                 WHEN length(b.zip_digits) BETWEEN 3 AND 4 THEN lpad(b.zip_digits, 5, '0') END AS zip5
        FROM base b
        {" ".join(outer_joins)})"""


#: The working tables normalisation creates and drops.
_TEMP_TABLES = (
    *(table for name, (source, *_) in _NAME_LOOKUPS.items() for table in (name, source)),
    "_nm_middle0",
    "_nm_full0",
    "_plain_split",
    "_middle_split",
    "_tok_lists",
    "_tok_keys",
    "_tok_forms",
    "_country_codes",
    "_dates",
    "_addresses",
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
    staged = _stage(sources)
    _names(con, parts=any(_name_shape(present) == "mixed" for present, _ in staged.values()))
    _countries(con)
    _assemble(con, staged)
    for temp in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    con.execute("DROP VIEW IF EXISTS _stage")
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
    (
        "sex",
        "s_raw IS NULL",
        f"s_raw IS NOT NULL AND sex IS NULL AND NOT list_contains({_sql_list(SEX_UNKNOWN)}, upper(s_raw))",
        f"list_contains({_sql_list(SEX_UNKNOWN)}, upper(coalesce(s_raw, '')))",
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
