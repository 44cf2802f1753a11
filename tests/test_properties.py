"""Property tests of ``normalize``: any text a clerk (or a broken export) can type goes in.

Each example builds small cbp / ice / eoir frames of random Unicode names (combining marks,
right-to-left text, emoji, control characters), random and well-formed date strings, random
A-numbers, sexes and countries, normalises them, and checks the canonical record's contract:
one record per input row, ``a_number`` null or nine digits, ``sex`` M / F / null, ``country`` null
or two capital letters, ``dob`` null or a date, name tokens in plain capital letters. The only
exception allowed out of ``normalize`` is a :class:`~linkage.errors.LinkageError`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from linkage import normalize
from linkage.errors import LinkageError
from linkage.schema import EOIR_NATIONALITY_CODES, SEX_CODES

pytestmark = pytest.mark.filterwarnings("ignore")

#: Each example runs ``normalize`` (about 0.25 s), so shrinking a failure could take Hypothesis's
#: full five minutes; the failing example is reported as generated instead (it is small).
PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: For the narrower properties below.
FEWER = settings(PROPERTY_SETTINGS, max_examples=15)

# --- strategies ------------------------------------------------------------------------------

#: Characters that break naive text handling: combining accents, RTL letters and marks, emoji
#: and joiners, C0/C1 controls (not NUL), odd spaces, quotes, separators.
TRICKY = (
    "\u0301\u0303\u0308\u0327"  # combining acute, tilde, diaeresis, cedilla
    "\u05d0\u05d1\u0627\u0644\u0645\u200f\u200e\u202e\u202c"  # Hebrew, Arabic, RLM/LRM, RLO, PDF
    "😀👨\u200d👩\u200d👧🇬🇹\ufe0f"  # emoji, ZWJ sequence, flag, variation selector
    "\x01\x07\x08\t\n\r\x0b\x0c\x1b\x1f\x7f\x85\x9f"  # control characters (no NUL)
    "\xa0\u2003\u3000\ufeff"  # odd spaces, BOM
    ",;'\"`´’-_./\\()[]{}|%*?"  # punctuation that SQL, CSV or regexes care about
)
SPANISH = ["María José", "José Luis", "López-Chub", "de la Cruz", "Ñañez", "DEL CID", "FNU"]

_any_char = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_text = st.text(st.one_of(_any_char, st.sampled_from(TRICKY)), max_size=24)
_name = st.one_of(st.none(), _text, st.sampled_from(SPANISH))
_full_name = st.one_of(
    _name, st.builds(lambda last, first: f"{last}, {first}", _text, _text)
)  # with and without the comma of "LAST, FIRST"

#: Dates the layout promises to read, in every source format (1900-2100: compact 8-digit dates
#: outside 1800-2200 are read as MMDDYYYY on purpose).
_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d")
#: Dates that can have happened: later ones are impossible and read as empty (issue 15).
_possible_date = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
_well_formed = st.tuples(_possible_date, st.sampled_from(_FORMATS))
_date_text = st.one_of(
    st.none(),
    _text,
    st.from_regex(r"\A[0-9]{1,5}[/.-][0-9]{1,3}[/.-][0-9]{1,6}\Z"),  # out-of-range parts
    st.from_regex(r"\A[0-9]{6,10}\Z"),
    st.sampled_from(["0001-01-01", "9999-12-31", "31/02/2010", "02/30/2010", "0000-00-00"]),
)
_a_number = st.one_of(
    st.none(),
    _text,
    st.from_regex(r"\A[Aa]?[ 0-9-]{0,14}\Z"),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(["١٢٣٤٥٦٧٨٩", "１２３４５６７８９", "A000000000", "A-12-345-678 "]),
)
_sex = st.one_of(
    st.none(), _text, st.sampled_from([*SEX_CODES, " m ", "male", "U", "X", "Ｍ", "ｍale"])
)
_country = st.one_of(
    st.none(),
    _text,
    st.sampled_from(
        [*EOIR_NATIONALITY_CODES, "Guatemala", "GUATEMALA ", "méxico", "El Salvador", "SLV"]
        + ["Honduras", "hnd", "ZZ", "Côte d’Ivoire", "Türkiye", "Korea, Republic of", "中国"]
    ),
)


@st.composite
def _rows(draw: st.DrawFn, *, names: str) -> list[dict[str, str | None]]:
    """Between 1 and 6 rows of one source, every field random."""
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row: dict[str, str | None] = {
            "a_number": draw(_a_number),
            "dob": draw(_date_text),
            "sex": draw(_sex),
            "country": draw(_country),
            "event_date": draw(_date_text),
        }
        if names == "full":
            row["full_name"] = draw(_full_name)
        else:
            row |= {"first_name": draw(_name), "middle_name": draw(_name), "last_name": draw(_name)}
        rows.append(row)
    return rows


def _frame(source: str, rows: list[dict[str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object)
    frame.insert(0, "record_id", [f"{source}-{i}" for i in range(1, len(rows) + 1)])
    return frame


def _normalise(frames: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The records table, or None when ``normalize`` refused with one of our own errors."""
    try:
        return normalize(frames).to_pandas()
    except LinkageError:
        return None  # refused clearly: acceptable; any other exception fails the test


NINE_DIGITS = re.compile(r"\A[0-9]{9}\Z")
TWO_CAPITALS = re.compile(r"\A[A-Z]{2}\Z")
PLAIN_TOKEN = re.compile(r"\A[A-Z]+( [A-Z]+)*\Z")  # particles keep a space: "DE LA CRUZ"
NAME_ISSUES = {None, "no_name", "placeholder", "single_name", "surname_in_middle"}


def _missing(value: object) -> bool:
    """Null as pandas hands it out (None, NaN, NaT, NA); a list is never missing."""
    if value is None:
        return True
    if isinstance(value, str) or hasattr(value, "__len__"):
        return False
    return bool(pd.isna(value))


def _plain(value: object) -> object:
    """A cell as a plain Python value: lists as lists, every kind of null as None."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    return None if _missing(value) else value


# --- properties ------------------------------------------------------------------------------


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(cbp=_rows(names="parts"), ice=_rows(names="full"), eoir=_rows(names="parts"))
def test_normalize_keeps_the_contract_on_any_text(cbp, ice, eoir):
    frames = {"cbp": _frame("cbp", cbp), "ice": _frame("ice", ice), "eoir": _frame("eoir", eoir)}

    records = _normalise(frames)
    assume(records is not None)  # refused with one of our own errors: acceptable, not tested here
    assert records is not None

    expected = {f"{s}:{rid}" for s, f in frames.items() for rid in f["record_id"]}
    assert sorted(records["unique_id"]) == sorted(expected)  # one record per row, none extra
    for value in records["a_number"]:
        assert _missing(value) or NINE_DIGITS.match(value), value
    assert set(records["sex"].dropna()) <= {"M", "F"}
    for value in records["country"]:
        assert _missing(value) or TWO_CAPITALS.match(value), value
    for column in ("dob", "event_date"):
        for value in records[column]:
            assert _missing(value) or isinstance(value, (dt.date, pd.Timestamp)), value
    for column in ("given_names", "surnames"):
        for tokens in records[column]:
            assert all(PLAIN_TOKEN.match(t) for t in tokens), tokens
    assert {None if _missing(v) else v for v in records["name_issue"]} <= NAME_ISSUES


@pytest.mark.slow
@FEWER
@given(dates=st.lists(_well_formed, min_size=1, max_size=8), noise=_rows(names="parts"))
def test_well_formed_dates_are_read_exactly_in_every_source(dates, noise):
    """A date written in any of the layout's formats is read as that date, whatever the source
    and whatever junk sits in the other rows."""
    written = [
        {
            "first_name": "Ana",
            "last_name": "Lopez",
            "dob": d.strftime(f),
            "event_date": d.strftime(f),
        }
        for d, f in dates
    ]
    frames = {s: _frame(s, written + noise) for s in ("cbp", "ice", "hhs", "eoir")}
    frames["ice"] = frames["ice"].rename(columns={"first_name": "full_name"})

    records = _normalise(frames)
    assert records is not None  # valid data must not be refused

    for source in frames:
        got = records[records["source"] == source].set_index("record_id")
        for i, (day, _) in enumerate(dates, 1):
            row = got.loc[f"{source}-{i}"]
            assert pd.Timestamp(row["dob"]).date() == day
            assert pd.Timestamp(row["event_date"]).date() == day


_latin_name = st.text(
    st.sampled_from("abcdeghijlmnoprstuyzñáéíóúüç ÁÉÍÓÚÑÜÇ-'"), min_size=1, max_size=20
)


@pytest.mark.slow
@FEWER
@given(names=st.lists(st.tuples(_latin_name, _latin_name, _latin_name), min_size=1, max_size=6))
def test_accents_case_and_unicode_form_do_not_change_a_name(names):
    """A name typed with precomposed accents (NFC), with combining accents (NFD), without
    accents, in upper or lower case is one and the same canonical name."""

    def variants(text: str) -> list[str]:
        plain = "".join(
            c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
        )
        return [
            unicodedata.normalize("NFC", text),
            unicodedata.normalize("NFD", text),
            plain.upper(),
            text.lower(),
        ]

    rows = []
    for first, middle, last in names:
        for f, m, lst in zip(variants(first), variants(middle), variants(last), strict=True):
            rows.append(
                {"first_name": f, "middle_name": m, "last_name": lst, "event_date": "2021-01-01"}
            )
    frame = _frame("cbp", rows)

    records = _normalise({"cbp": frame})
    assert records is not None

    name_columns = ["given_names", "surnames", "given_phonetic", "surname_phonetic", "name_issue"]
    by_id = records.set_index("record_id")
    for i in range(len(names)):
        group = [by_id.loc[f"cbp-{4 * i + k}", name_columns] for k in range(1, 5)]
        seen = [[_plain(v) for v in g] for g in group]
        assert all(s == seen[0] for s in seen), (names[i], seen)
