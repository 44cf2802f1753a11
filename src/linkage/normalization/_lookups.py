"""Dates, addresses and countries: each worked out once per distinct raw value, then joined back."""

from __future__ import annotations

import duckdb
import pandas as pd

from linkage.normalization._countries import country_code

#: Street words written many ways, folded to the USPS abbreviation.
ADDRESS_WORDS: dict[str, str] = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD",
    "LANE": "LN", "COURT": "CT", "PLACE": "PL", "APARTMENT": "APT", "NUMBER": "NO", "HIGHWAY": "HWY",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "SUITE": "STE", "CIRCLE": "CIR",
    "TERRACE": "TER", "PARKWAY": "PKWY", "UNIT": "APT",
}  # fmt: skip


def country_lookup(con: duckdb.DuckDBPyConnection) -> None:
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


def value_lookups(con: duckdb.DuckDBPyConnection) -> None:
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
