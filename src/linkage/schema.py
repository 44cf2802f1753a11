"""The standard input layout and the canonical record: every column name and code list, once.

The input layout mirrors ``docs/input-layout.md`` (the contract with users). The canonical
record is what :func:`linkage.normalize` produces and every later stage reads.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ABSENTIA_TRUE",
    "CANONICAL_COLUMNS",
    "COMMON_COLUMNS",
    "DATE_COLUMNS",
    "DATE_FORMATS",
    "DATE_YEARS_AHEAD",
    "EARLIEST_DATE",
    "EOIR_NATIONALITY_CODES",
    "NAME_PLACEHOLDERS",
    "REQUIRED_COLUMNS",
    "SOURCES",
    "SOURCE_COLUMNS",
    "SOURCE_DATE_FORMAT",
    "STATUSES",
    "LOST_STATUSES",
    "LOST_MEANING",
    "NEEDS_REVIEW_MEANING",
    "STATUS_MEANINGS",
    "Source",
    "Status",
]

Source = Literal["cbp", "ice", "hhs", "eoir"]
#: The four agency extracts, in the order of a child's journey.
SOURCES: tuple[Source, ...] = ("cbp", "ice", "hhs", "eoir")

SOURCE_LABELS: dict[str, str] = {
    "cbp": "CBP apprehension",
    "ice": "ICE custody / NTA",
    "hhs": "HHS ORR placement",
    "eoir": "Immigration court",
}

#: Columns any source may have (``record_id`` and ``event_date`` are required).
COMMON_COLUMNS: tuple[str, ...] = ("record_id", "a_number", "dob", "sex", "country", "event_date")
REQUIRED_COLUMNS: tuple[str, ...] = ("record_id", "event_date")
NAME_COLUMNS: tuple[str, ...] = ("first_name", "middle_name", "last_name", "full_name")

#: Source-specific columns of the layout, beyond the common and name columns.
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cbp": (),
    "ice": ("nta_issued_date",),
    "hhs": ("release_date", "sponsor_name", "sponsor_address", "sponsor_zip"),
    "eoir": ("hearing_date", "absentia", "address", "zip"),
}
#: Which columns of each source hold dates.
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cbp": ("dob", "event_date"),
    "ice": ("dob", "event_date", "nta_issued_date"),
    "hhs": ("dob", "event_date", "release_date"),
    "eoir": ("dob", "event_date", "hearing_date"),
}

DateFormat = Literal["iso", "us", "compact"]
DATE_FORMATS: dict[DateFormat, str] = {"iso": "%Y-%m-%d", "us": "%m/%d/%Y", "compact": "%Y%m%d"}
#: The format each agency usually writes; the others are accepted too (never day-first silently).
SOURCE_DATE_FORMAT: dict[str, DateFormat] = {
    "cbp": "us",
    "ice": "iso",
    "hhs": "us",
    "eoir": "compact",
}

#: The date columns of the layout.
DATE_COLUMNS: tuple[str, ...] = (
    "dob",
    "event_date",
    "nta_issued_date",
    "release_date",
    "hearing_date",
)
#: Dates before this day are impossible (placeholders such as ``01/01/0001``): nulled and counted.
EARLIEST_DATE = "1900-01-01"
#: How many years after the day of the run a date of each column may lie; later is impossible
#: (``12/31/9999``, a birth in 2090): nulled and counted. Hearings are scheduled ahead.
DATE_YEARS_AHEAD: dict[str, int] = {
    "dob": 0,
    "event_date": 0,
    "nta_issued_date": 0,
    "release_date": 0,
    "hearing_date": 10,
}

#: Name values that mean "no name": they become null.
NAME_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "FNU", "LNU", "NFN", "NLN", "UNK", "UNKN", "UNKNOWN", "DESCONOCIDO", "DESCONOCIDA",
        "NONE", "NULL", "NA", "N A", "XX", "XXX", "NO NAME", "NONAME", "SIN NOMBRE",
        "NOT PROVIDED", "NOTPROVIDED", "UNKNOWNNAME", "NMN", "NMI",
    }
)  # fmt: skip
#: Surname particles kept with the surname that follows them.
SURNAME_PARTICLES: frozenset[str] = frozenset(
    {"DE", "DEL", "LA", "LAS", "LOS", "Y", "DA", "DO", "DOS", "DAS", "VON", "VAN", "SAN", "SANTA"}
)

SEX_CODES: dict[str, str] = {
    "M": "M", "MALE": "M", "MASCULINO": "M", "H": "M", "HOMBRE": "M", "BOY": "M",
    "F": "F", "FEMALE": "F", "FEMENINO": "F", "MUJER": "F", "GIRL": "F",
}  # fmt: skip
#: Written values that say "sex unknown": null in the records, counted as placeholders.
SEX_UNKNOWN: frozenset[str] = frozenset({"U", "UNK", "UNKNOWN", "DESCONOCIDO"})
ABSENTIA_TRUE: frozenset[str] = frozenset({"Y", "YES", "TRUE", "T", "1", "SI"})
ABSENTIA_FALSE: frozenset[str] = frozenset({"N", "NO", "FALSE", "F", "0"})

#: EOIR (CASE) nationality codes that are not, or not the same as, ISO alpha-2. EOIR uses
#: FIPS-style codes; in the ``eoir`` source these win over ISO, elsewhere ISO wins.
EOIR_NATIONALITY_CODES: dict[str, str] = {
    "HO": "HN", "ES": "SV", "NU": "NI", "HA": "HT", "CH": "CN", "DR": "DO", "CS": "CR",
    "PM": "PA", "BH": "BZ", "BL": "BO", "CI": "CL", "PA": "PY", "UP": "UA", "RS": "RU",
    "TU": "TR", "CE": "LK", "NI": "NG", "GV": "GN", "VM": "VN", "SG": "SN", "BG": "BD",
    "MR": "MR", "EN": "EE", "SP": "ES", "UK": "GB", "GM": "DE", "EI": "IE", "JA": "JP",
    "KS": "KR", "RP": "PH", "BM": "MM", "IZ": "IQ", "KU": "KW", "LE": "LB", "SU": "SD",
    "TO": "TG", "UV": "BF", "CG": "CD", "CF": "CG", "AJ": "AZ", "GG": "GE", "KG": "KG",
    "TI": "TJ", "TX": "TM", "UZ": "UZ", "BO": "BY", "NP": "NP", "AF": "AF", "PK": "PK",
    "GT": "GT", "MX": "MX", "EC": "EC", "CO": "CO", "VE": "VE", "PE": "PE", "BR": "BR",
    "CU": "CU", "IN": "IN", "RO": "RO", "SN": "SN", "GH": "GH", "CM": "CM", "ER": "ER",
    "ET": "ET", "EG": "EG", "AR": "AR", "UY": "UY", "JM": "JM", "AO": "AO",
}  # fmt: skip

Status = Literal["not_transferred", "no_nta", "nta_not_filed", "failed_to_appear", "in_proceedings"]
#: Handoff statuses, as defined in ``docs/statuses.md``.
STATUSES: tuple[Status, ...] = (
    "not_transferred",
    "no_nta",
    "nta_not_filed",
    "failed_to_appear",
    "in_proceedings",
)
#: The statuses of children who lose their link after the HHS handoff (the OIG's three ways).
LOST_STATUSES: tuple[Status, ...] = ("no_nta", "nta_not_filed", "failed_to_appear")

# The words the report, the notebook display and the log lines use for the statuses and flags,
# written once here (``docs/statuses.md`` says more).

#: What each status means, in a sentence.
STATUS_MEANINGS: dict[Status, str] = {
    "not_transferred": "no HHS placement record: never handed to HHS as far as the data shows",
    "no_nta": "handed to HHS; no Notice to Appear in ICE's records and no court case",
    "nta_not_filed": "handed to HHS; ICE issued a Notice to Appear but no court case exists",
    "failed_to_appear": (
        "handed to HHS; court case exists and a removal order was issued in absentia"
    ),
    "in_proceedings": "handed to HHS; court case exists, no in-absentia order",
}
#: What the :data:`LOST_STATUSES` have in common, as in "N children lost after the HHS handoff".
LOST_MEANING = "lost after the HHS handoff"
#: Why identities are flagged ``needs_review``, completing "N identities are ...": a template for
#: ``str.format`` with ``threshold`` (the review threshold, a float) and ``contested_link`` (the
#: column's name, as the caller shows column names).
NEEDS_REVIEW_MEANING = (
    "held together by a link whose match probability is below {threshold:g}, or have a strong"
    " link to another identity that clustering refused ({contested_link}: the records conflict,"
    " or the identity would have grown past the size cap)"
)

#: The canonical record produced by ``normalize`` (DuckDB table ``records``), column -> SQL type.
CANONICAL_COLUMNS: dict[str, str] = {
    "unique_id": "VARCHAR",  # source || ':' || record_id
    "source": "VARCHAR",
    "record_id": "VARCHAR",
    "row_number": "BIGINT",  # 1-based row of the record in its source, for messages
    # names
    "first_name": "VARCHAR",  # cleaned given names as written (upper, no accents/punctuation)
    "middle_name": "VARCHAR",
    "last_name": "VARCHAR",
    "given_names": "VARCHAR[]",  # tokens of the given names, in order
    "surnames": "VARCHAR[]",  # tokens of the surnames, in order (particles joined to their word)
    "given_name_1": "VARCHAR",
    "given_name_2": "VARCHAR",
    "paternal_surname": "VARCHAR",
    "maternal_surname": "VARCHAR",
    "surname_joined": "VARCHAR",  # all surnames run together: LOPEZCHUB
    "name_tokens": "VARCHAR[]",  # every name token, given and surname, sorted
    "given_phonetic": "VARCHAR[]",  # Spanish-aware phonetic key per given-name token
    "surname_phonetic": "VARCHAR[]",  # Spanish-aware phonetic key per surname token
    "name_issue": "VARCHAR",  # null, or why the name is weak (placeholder, single_name, ...)
    # identifiers and demographics
    "a_number": "VARCHAR",  # 9 digits, or null
    "a_number_issue": "VARCHAR",  # null, 'missing', 'too_short', 'too_long', 'not_numeric', 'all_zero'
    "dob": "DATE",
    "dob_issue": "VARCHAR",  # null, 'missing', 'unparseable', 'future', 'after_event', 'read_day_first'
    "dob_is_placeholder": "BOOLEAN",  # 1 January: an unknown day
    "sex": "VARCHAR",  # 'M', 'F' or null
    "country": "VARCHAR",  # ISO alpha-2 or null
    "country_raw": "VARCHAR",
    # events
    "event_date": "DATE",
    "nta_issued_date": "DATE",  # ice
    "nta_issued": "BOOLEAN",  # ice: an NTA date is given, readable or not (the status asks no more)
    "release_date": "DATE",  # hhs
    "hearing_date": "DATE",  # eoir
    "absentia": "BOOLEAN",  # eoir
    "sponsor_name": "VARCHAR",  # hhs
    "address": "VARCHAR",  # hhs sponsor_address / eoir address, cleaned
    "zip5": "VARCHAR",  # hhs sponsor_zip / eoir zip, first five digits
}
