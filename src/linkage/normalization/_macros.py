"""The SQL vocabulary of normalisation: DuckDB macros (``lk_fold``, ``lk_date``, ...) and literals.

The macros fold a name (accents, case, punctuation, full-width letters, ligatures, digits a
scanner read for letters), clear it of
placeholders, join particles to the word they precede, split it into tokens, and read a date
written any of the ways the sources write them. :func:`define_macros` creates them on a
connection; every other step of normalisation calls them in its SQL.
"""

from __future__ import annotations

import duckdb

from linkage.schema import EARLIEST_DATE, NAME_PLACEHOLDERS, SURNAME_PARTICLES


def sql_list(values: frozenset[str] | set[str]) -> str:
    """SQL: a list literal of ``values``, sorted.

    Example:
        >>> sql_list({"LNU", "FNU", "O'NEIL"})
        "['FNU', 'LNU', 'O''NEIL']"
    """
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


#: Digits a scanner reads for letters in a name (OCR: "R0SA", "MAR1A"), and the letters they
#: stand for; read as letters in any word that holds a letter.
OCR_DIGITS, OCR_LETTERS = "0158", "OISB"


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the SQL macros normalisation uses (idempotent)."""
    single_placeholders = {p for p in NAME_PLACEHOLDERS if " " not in p}
    particles = "|".join(sorted(SURNAME_PARTICLES, key=len, reverse=True))
    con.execute(
        f"""
        CREATE OR REPLACE MACRO lk_ocr(s) AS array_to_string(list_transform(string_split(s, ' '),
            lambda t: CASE WHEN regexp_matches(t, '[A-Z]') THEN translate(t, '{OCR_DIGITS}', '{OCR_LETTERS}')
                      ELSE t END), ' ');
        CREATE OR REPLACE MACRO lk_fold(s) AS nullif(trim(regexp_replace(regexp_replace(lk_ocr(
            strip_accents({_letters_sql("CAST(s AS VARCHAR)")})), '[''`´’]', '', 'g'), '[^A-Z]+', ' ', 'g')), '');
        CREATE OR REPLACE MACRO lk_unplace(s) AS CASE
            WHEN s IS NULL OR list_contains({sql_list(NAME_PLACEHOLDERS)}, s) THEN NULL
            ELSE nullif(array_to_string(list_filter(string_split(s, ' '),
                 lambda t: NOT list_contains({sql_list(single_placeholders)}, t)), ' '), '') END;
        CREATE OR REPLACE MACRO lk_clean(s, has_place) AS CASE WHEN has_place THEN lk_unplace(s) ELSE s END;
        CREATE OR REPLACE MACRO lk_has_place(s) AS s IS NOT NULL AND (
            list_contains({sql_list(NAME_PLACEHOLDERS)}, s)
            OR len(list_filter(string_split(s, ' '), lambda t: list_contains({sql_list(single_placeholders)}, t))) > 0);
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
        CREATE OR REPLACE MACRO lk_date_in_range(d, years_ahead) AS d IS NOT NULL
            AND d >= DATE '{EARLIEST_DATE}' AND d <= current_date + to_years(years_ahead);
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
