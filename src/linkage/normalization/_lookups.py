"""Dates, addresses and countries: each worked out once per distinct raw value, then joined back.

Each lookup table is keyed by the raw text (``raw``) as staged:

- :data:`DATES`: ``s`` the text read (trimmed, NULL when blank), ``d`` the date, ``day_first``
  whether it was read day first (``lk_date`` in ``_macros``);
- :data:`ADDRESSES`: ``std`` the address upper case, without accents or punctuation, street
  words abbreviated (:data:`ADDRESS_WORDS`);
- :data:`COUNTRY_CODES`: ``code`` the ISO alpha-2 code, per ``is_eoir`` (two-letter values are
  EOIR codes first in that source; see ``_countries``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from linkage import tables
from linkage.normalization._countries import country_code
from linkage.normalization._stage import STAGE

DATES = tables.scratch("dates")
ADDRESSES = tables.scratch("addresses")
COUNTRY_CODES = tables.scratch("country_codes")
_COUNTRY_FRAME = tables.scratch("country_frame")

#: Every table the lookups make (``normalize`` drops them).
SCRATCH = (DATES, ADDRESSES, COUNTRY_CODES)

#: Street words written many ways, folded to the USPS abbreviation.
ADDRESS_WORDS: dict[str, str] = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD",
    "LANE": "LN", "COURT": "CT", "PLACE": "PL", "APARTMENT": "APT", "NUMBER": "NO", "HIGHWAY": "HWY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SUITE": "STE", "CIRCLE": "CIR",
    "TERRACE": "TER", "PARKWAY": "PKWY", "UNIT": "APT",
}  # fmt: skip
#: The staged date columns.
_DATE_COLUMNS = ("dob", "event_date", "nta_issued_date", "release_date", "hearing_date")


def build_value_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Build the lookups of countries, dates and addresses from the staged rows."""
    _country_lookup(con)
    _date_lookup(con)
    _address_lookup(con)


def _country_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """:data:`COUNTRY_CODES`, by ``country_code`` in Python."""
    rows = con.execute(
        f"SELECT DISTINCT source = 'eoir', country FROM {STAGE} WHERE country IS NOT NULL"
    ).fetchall()
    frame = pd.DataFrame(
        [(is_eoir, raw, country_code(raw, eoir=bool(is_eoir))) for is_eoir, raw in rows],
        columns=["is_eoir", "raw", "code"],
    ).astype({"is_eoir": bool, "raw": object, "code": object})
    con.register(_COUNTRY_FRAME, frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {COUNTRY_CODES} AS SELECT is_eoir, "
            f"CAST(raw AS VARCHAR) raw, CAST(code AS VARCHAR) code FROM {_COUNTRY_FRAME}"
        )
    finally:
        con.unregister(_COUNTRY_FRAME)


def _date_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """:data:`DATES`, over the raw texts of every date column."""
    dates = " UNION ".join(f"SELECT {c} AS raw FROM {STAGE}" for c in _DATE_COLUMNS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {DATES} AS
        SELECT raw, s, lk_date(s) AS d, CASE WHEN s IS NOT NULL THEN lk_day_first(s) END AS day_first
        FROM (SELECT raw, lk_date_text(raw) AS s FROM ({dates}) WHERE raw IS NOT NULL)
        """
    )


def _address_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """:data:`ADDRESSES`: upper case without accents, every run of other characters one space;
    then each word replaced by what the street-word replacements, applied in turn, make of it."""
    words = " ".join(f"WHEN '{word}' THEN '{abbr}'" for word, abbr in _address_words().items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {ADDRESSES} AS
        SELECT raw, array_to_string(list_transform(string_split(std, ' '),
            lambda t: CASE t {words} ELSE t END), ' ') AS std
        FROM (
            SELECT raw,
                nullif(trim(regexp_replace(upper(strip_accents(raw)), '[^A-Z0-9]+', ' ', 'g')), '')
                    AS std
            FROM (SELECT DISTINCT address AS raw FROM {STAGE} WHERE address IS NOT NULL))
        """
    )


def _address_words() -> dict[str, str]:
    """Word -> what replacing each of :data:`ADDRESS_WORDS` in turn makes of it (changed only).

    The replacements are of whole words by whole words, so applying them in turn to an address
    is the same as mapping each of its words through this table.

    Example:
        >>> _address_words()["AV"], _address_words()["UNIT"]
        ('AVE', 'APT')
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
