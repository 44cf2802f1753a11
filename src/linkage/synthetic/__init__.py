"""Seeded synthetic four-agency data with known truth.

:func:`generate` invents ``n_children`` unaccompanied children, follows each one through a plausible
journey (CBP apprehension, ICE book-in, ORR referral and release to a sponsor, immigration court)
and writes the records each agency would hold, in the standard input layout
(``docs/input-layout.md``) and with each agency's habits and errors. Because every record is
invented, the true child behind it is known: :attr:`SyntheticData.truth` maps every record to its
child and :attr:`SyntheticData.children` holds each child's true attributes and handoff status.

The population is calibrated to ORR's published shares (country, age band, sex, state of release),
the NYT/HHS release file (days in care, sponsor category and relationship) and the DHS OIG (2024)
handoff figures; see :mod:`linkage.synthetic._calibration` and ``docs/synthetic.md``.

Example:
    >>> from linkage.synthetic import generate
    >>> data = generate(200, seed=7)
    >>> sorted(data.sources)
    ['cbp', 'eoir', 'hhs', 'ice']
    >>> int(data.truth.groupby("source").size().sum()) == sum(map(len, data.sources.values()))
    True

Everything is drawn from ``numpy.random.default_rng`` streams spawned from ``seed``: the same seed
gives identical frames on every platform, and no step loops in Python over records.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

import linkage.synthetic._calibration as cal
from linkage.errors import InputError, Problem, SourceError
from linkage.schema import (
    COMMON_COLUMNS,
    EOIR_NATIONALITY_CODES,
    SOURCE_COLUMNS,
    SOURCE_DATE_FORMAT,
    SOURCES,
    STATUSES,
)

__all__ = ["Rates", "SyntheticData", "generate", "read_truth", "write"]

logger = logging.getLogger("linkage")

OutputFormat = Literal["csv", "parquet"]

#: Name columns each source writes (see the input layout).
NAME_COLUMNS_BY_SOURCE: dict[str, tuple[str, ...]] = {
    "cbp": ("first_name", "middle_name", "last_name"),
    "ice": ("full_name",),
    "hhs": ("first_name", "last_name"),
    "eoir": ("first_name", "last_name"),
}
#: Columns of each generated source table, in order: exactly the layout's columns.
LAYOUT: dict[str, tuple[str, ...]] = {
    s: (COMMON_COLUMNS[0], *NAME_COLUMNS_BY_SOURCE[s], *COMMON_COLUMNS[1:], *SOURCE_COLUMNS[s])
    for s in SOURCES
}
#: Prefix of ``record_id`` per source: ``CBP-000123``.
RECORD_ID_PREFIX: dict[str, str] = {"cbp": "CBP", "ice": "ICE", "hhs": "HHS", "eoir": "EOIR"}

TRUTH_RECORDS_FILE = "truth_records"
TRUTH_CHILDREN_FILE = "truth_children"

AGE_BANDS: tuple[str, ...] = ("0-12", "13-14", "15-16", "17+")


# --------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------


def _journey(default: float) -> Any:
    return field(default=default, metadata={"kind": "journey"})


def _habit(default: float) -> Any:
    return field(default=default, metadata={"kind": "habit"})


def _error(default: float) -> Any:
    return field(default=default, metadata={"kind": "corruption"})


@dataclass(frozen=True, kw_only=True)
class Rates:
    """Every rate of the generator: population shares, journeys, source habits and errors.

    Each rate is a probability in [0, 1]. "Per child" rates are drawn once per child (siblings
    travel together, so some are drawn per family); "per record" rates are drawn independently
    for every record by the source that writes it. ``Rates.clean()`` returns the same population
    with every error rate set to 0.

    Attributes:
        not_transferred: Share of children never handed to HHS (per family; default 0.08). Most
            are Mexican children returned at the border; they have CBP and sometimes ICE or court
            records, never an HHS one.
        never_in_proceedings: Of the children handed to HHS, the share never placed into removal
            proceedings (no court case; OIG: about 65%; default 0.65).
        nta_not_filed: Of those never placed into proceedings, the share for whom ICE issued a
            Notice to Appear that was never filed with the court (status ``nta_not_filed``; the
            rest are ``no_nta``; default 0.30, a modelling choice).
        failed_to_appear: Of the children handed to HHS, the share ordered removed in absentia
            (OIG: about 7%; default 0.07). The rest of the handed children are ``in_proceedings``.
        not_transferred_mexican: Share of the not-transferred children who are Mexican (0.75).
        not_transferred_ice: Share of the not-transferred children with ICE records (0.50).
        not_transferred_eoir: Share of the not-transferred children with a court case (0.10).
        ice_record: Share of the handed children (other than ``nta_not_filed``, who always have
            one) with ICE records (0.85).
        ice_second_record: Share of children with ICE records who have two (book-in and
            transfer; 0.40).
        nta_in_ice: Share of children with a court case whose NTA date shows in ICE's records
            (0.90).
        hhs_second_record: Share of the handed children with two ORR records (a transfer between
            shelters; 0.30).
        eoir_second_record: Share of the children with a court case who have a second case
            record (change of venue after a move; 0.08).
        cbp_duplicate: Share of children with a duplicated CBP record (0.02).
        sibling: Share of children who travel with 1-3 siblings (0.15).
        twin: Share of children who are twins (0.01); twins are sibling pairs sharing the dob.
        common_name: Share of children given one of the most common full names ("Juan Hernández
            Hernández") with a dob close to other children of that name: hard negatives (0.01).
        indigenous_guatemalan: Share of Guatemalan families with Mayan and saint-name surnames
            (0.35).
        single_name: Share of children known by one name only, written with FNU/LNU (0.005).
        a_number_8_digit: Share of (single) children whose A-number has 8 digits, written with a
            leading zero or without it (0.10).
        second_a_number: Share of children given a second A-number later: their court records
            and half of their HHS records carry it (0.03).
        cbp_given_names_in_first: CBP habit: both given names in ``first_name`` and none in
            ``middle_name`` (per record; 0.30).
        ice_first_last_order: ICE habit: ``full_name`` as "First Middle Last" in mixed case
            instead of "LAST, FIRST MIDDLE" (per record; 0.20).
        maternal_dropped: Only the paternal surname is written (per record; 0.12).
        maternal_in_middle: The maternal surname is written as the middle name (CBP and ICE, per
            record; 0.06).
        surname_hyphenated: Two surnames joined by a hyphen, "LOPEZ-CHUB" (per record; 0.05).
        surname_joined: Two surnames run together, "LOPEZCHUB" (per record; 0.02).
        given_dropped: The second given name is dropped (per record; 0.15).
        name_swapped: Given names and surnames swapped (per record; 0.02).
        accents_lost_hhs: HHS writes the names without accents (per record; 0.10). CBP, ICE and
            court records never carry accents.
        phonetic: One name written with a Spanish phonetic misspelling: B/V, S/Z/C, LL/Y, silent
            H, J/G/X, QU/K, Y/I, "Yeimi"/"Jeimy" (per record; 0.05).
        typo: One name with a keyboard typo: adjacent key, deletion or transposition (per record;
            0.03).
        brazilian_order: A Brazilian child's surnames (mother's first) written in the Spanish
            order, father's first (per record of a Brazilian child; 0.50).
        stray_space: A leading, trailing or doubled space in a name field (per record; 0.01).
        dob_placeholder: Date of birth written as 1 January of its year (per record; 0.04).
        dob_day_month_swap: Day and month swapped, where that gives another valid date (per
            record whose true day is 1-12 and differs from the month; 0.03).
        dob_year_shift: Age determination moves the year by 1 or 2 either way (per record; 0.03).
        dob_missing: Date of birth blank (per record; 0.01).
        a_number_missing_cbp: CBP record without an A-number (usually assigned later; 0.40).
        a_number_missing_ice: ICE record without an A-number (0.05).
        a_number_missing_hhs: HHS record without an A-number (0.15).
        a_number_missing_eoir: Court record without an A-number (0.0: the court keys on it).
        a_number_typo: A-number mistyped: adjacent digits transposed or one digit changed (per
            record; 0.02).
        a_number_duplicate: A record carries another child's A-number by clerical error (per
            record; 0.002).
        sex_missing: Sex blank (``U`` in court records; per record; 0.01).
        sex_wrong: Sex recorded wrong (per record; 0.005).
        country_missing: Country blank (per record; 0.02).
        sponsor_missing_on_transfer: The first of two ORR records has no sponsor yet (0.50).
        eoir_address_moved: The child's court address is not the sponsor's (moved; 0.20).
    """

    # population and journeys
    not_transferred: float = _journey(0.08)
    never_in_proceedings: float = _journey(cal.OIG_NEVER_IN_PROCEEDINGS)
    nta_not_filed: float = _journey(0.30)
    failed_to_appear: float = _journey(cal.OIG_FAILED_TO_APPEAR)
    not_transferred_mexican: float = _journey(0.75)
    not_transferred_ice: float = _journey(0.50)
    not_transferred_eoir: float = _journey(0.10)
    ice_record: float = _journey(0.85)
    ice_second_record: float = _journey(0.40)
    nta_in_ice: float = _journey(0.90)
    hhs_second_record: float = _journey(0.30)
    eoir_second_record: float = _journey(0.08)
    cbp_duplicate: float = _journey(0.02)
    sibling: float = _journey(0.15)
    twin: float = _journey(0.01)
    common_name: float = _journey(0.01)
    indigenous_guatemalan: float = _journey(0.35)
    single_name: float = _journey(0.005)
    a_number_8_digit: float = _journey(0.10)
    second_a_number: float = _journey(0.03)
    # source habits
    cbp_given_names_in_first: float = _habit(0.30)
    ice_first_last_order: float = _habit(0.20)
    # names
    maternal_dropped: float = _error(0.12)
    maternal_in_middle: float = _error(0.06)
    surname_hyphenated: float = _error(0.05)
    surname_joined: float = _error(0.02)
    given_dropped: float = _error(0.15)
    name_swapped: float = _error(0.02)
    accents_lost_hhs: float = _error(0.10)
    phonetic: float = _error(0.05)
    typo: float = _error(0.03)
    brazilian_order: float = _error(0.50)
    stray_space: float = _error(0.01)
    # dates of birth
    dob_placeholder: float = _error(0.04)
    dob_day_month_swap: float = _error(0.03)
    dob_year_shift: float = _error(0.03)
    dob_missing: float = _error(0.01)
    # A-numbers
    a_number_missing_cbp: float = _error(0.40)
    a_number_missing_ice: float = _error(0.05)
    a_number_missing_hhs: float = _error(0.15)
    a_number_missing_eoir: float = _error(0.0)
    a_number_typo: float = _error(0.02)
    a_number_duplicate: float = _error(0.002)
    # demographics and addresses
    sex_missing: float = _error(0.01)
    sex_wrong: float = _error(0.005)
    country_missing: float = _error(0.02)
    sponsor_missing_on_transfer: float = _error(0.50)
    eoir_address_moved: float = _error(0.20)

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= 1
            ):
                problems.append(
                    Problem(
                        source=None,
                        column=None,
                        message=f"Rates.{f.name} must be a probability in [0, 1], got {value!r}",
                        fix=f"pass a number between 0 and 1 for {f.name}",
                    )
                )
        pairs = (
            ("never_in_proceedings", "failed_to_appear"),
            ("maternal_dropped", "maternal_in_middle"),
            ("surname_hyphenated", "surname_joined"),
        )
        for a, b in pairs:
            total = getattr(self, a) + getattr(self, b)
            if not problems and total > 1:
                problems.append(
                    Problem(
                        source=None,
                        column=None,
                        message=f"Rates.{a} + Rates.{b} = {total:g} exceeds 1",
                        fix=f"lower {a} or {b}: they are shares of the same records",
                    )
                )
        if problems:
            raise InputError(problems)

    @classmethod
    def clean(cls, **overrides: float) -> Rates:
        """The default population and journeys with every error rate set to 0.

        Args:
            **overrides: Rates to set on top, e.g. ``Rates.clean(typo=0.5)``.

        Returns:
            Rates whose records differ from the truth only by each source's format habits.
        """
        zeros = {f.name: 0.0 for f in fields(cls) if f.metadata.get("kind") == "corruption"}
        return cls(**{**zeros, **overrides})

    def with_(self, **changes: float) -> Rates:
        """A copy with some rates changed (``rates.with_(typo=0.1)``)."""
        return replace(self, **changes)


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """Four synthetic source tables and their truth.

    Attributes:
        sources: ``"cbp"``, ``"ice"``, ``"hhs"``, ``"eoir"`` tables in the standard input layout;
            every column holds Python ``str`` or ``None`` (object dtype), as a CSV would give them,
            dates written in each source's own format.
        truth: One row per record: ``source``, ``record_id``, ``child_id``.
        children: One row per child: ``child_id``, ``status`` (one of ``schema.STATUSES``),
            ``handed_to_hhs``, ``country`` (ISO alpha-2), ``sex``, ``dob`` (true), ``age_at_entry``,
            ``age_band``, ``fiscal_year``, ``sibling_group`` (``None`` when travelling alone),
            ``is_twin``, ``a_number`` (true, 9 digits) and the documented extras (``a_number_2``,
            true name parts, journey dates, sponsor, ...; see ``docs/synthetic.md``).
        seed: The seed that generated it.
        rates: The rates used.
    """

    sources: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    children: pd.DataFrame
    seed: int
    rates: Rates = field(default_factory=Rates)

    @property
    def n_records(self) -> int:
        """Number of records over all sources."""
        return sum(len(frame) for frame in self.sources.values())

    def _summary(self) -> tuple[list[tuple[str, int]], list[tuple[str, float]]]:
        counts: list[tuple[str, int]] = [
            (s, len(self.sources[s])) for s in SOURCES if s in self.sources
        ]
        n = max(len(self.children), 1)
        shares = self.children["status"].value_counts()
        status: list[tuple[str, float]] = [(s, float(shares.get(s, 0)) / n) for s in STATUSES]
        return counts, status

    def __repr__(self) -> str:
        counts, status = self._summary()
        n = len(self.children)
        per_child = self.n_records / n if n else 0.0
        records = " | ".join(f"{s} {c:,}" for s, c in counts)
        statuses = " | ".join(f"{s} {p:.1%}" for s, p in status)
        return (
            f"SyntheticData(seed={self.seed}, children={n:,}, records={self.n_records:,}, "
            f"{per_child:.2f} per child)\n  records: {records}\n  status:  {statuses}"
        )

    def _repr_html_(self) -> str:
        counts, status = self._summary()
        rows = "".join(f"<tr><td>{escape(s)}</td><td>{c:,}</td></tr>" for s, c in counts)
        srows = "".join(f"<tr><td>{escape(s)}</td><td>{p:.1%}</td></tr>" for s, p in status)
        return (
            f"<div><strong>SyntheticData</strong> seed={self.seed}, "
            f"{len(self.children):,} children, {self.n_records:,} records"
            f"<table><tr><th>source</th><th>records</th></tr>{rows}</table>"
            f"<table><tr><th>status</th><th>share of children</th></tr>{srows}</table></div>"
        )


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------

_EPOCH = np.datetime64("1970-01-01", "D")


def _day(iso: str) -> int:
    return int((np.datetime64(iso, "D") - _EPOCH).astype(np.int64))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    years = d.astype("datetime64[Y]")
    y = years.astype(np.int64) + 1970
    m = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    dd = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, dd


def _from_ymd(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970 for valid (year, month, day) arrays; 29 February becomes the 28th."""
    d = np.where((m == 2) & (d == 29) & ~_is_leap(y), 28, d)
    months = (y - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (m - 1)
    days: np.ndarray = (months.astype("datetime64[D]") + (d - 1) - _EPOCH).astype(np.int64)
    return days


def _is_leap(y: np.ndarray) -> np.ndarray:
    leap: np.ndarray = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return leap


def _minus_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    y, m, d = _ymd(days)
    return _from_ymd(y - years, m, d)


def _categorical(
    rng: np.random.Generator, p: Sequence[float] | np.ndarray, size: int
) -> np.ndarray:
    cum = np.cumsum(np.asarray(p, dtype=np.float64))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(size), side="right"), len(cum) - 1)


def _categorical_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per item from the probability row ``table[rows[i]]``."""
    cum = np.cumsum(table, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    for r in np.unique(rows):  # one pass per distinct row (fiscal years, categories), not per item
        sel = rows == r
        out[sel] = np.searchsorted(cum[r], u[sel], side="right")
    clipped: np.ndarray = np.minimum(out, table.shape[1] - 1)
    return clipped


def _strings(values: Sequence[str]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _take(table: pa.Array, codes: np.ndarray) -> pa.Array:
    """``table[codes]`` with null where the code is negative."""
    idx = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    return table.take(idx)


def _join(parts: Sequence[pa.Array], sep: str | pa.Array = " ") -> pa.Array:
    """Join string arrays element-wise, skipping nulls; null when every part is null."""
    out = parts[0]
    for part in parts[1:]:
        both = pc.binary_join_element_wise(out, part, sep)
        out = pc.if_else(pc.is_null(out), part, pc.if_else(pc.is_null(part), out, both))
    return out


def _select(mask: np.ndarray, yes: pa.Array, no: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask, type=pa.bool_()), yes, no)


def _objects(arr: pa.Array) -> np.ndarray:
    values = arr.to_numpy(zero_copy_only=False)
    objects: np.ndarray = values.astype(object, copy=False)
    return objects


def _digits(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(values, type=pa.int64()).cast(pa.string()), width, "0")


class _DateFormatter:
    """Format day numbers through a table of the distinct days (no per-record strftime)."""

    def __init__(self, lo: int, hi: int) -> None:
        self.lo = lo
        iso = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"), unit="D")
        self.tables: dict[str, np.ndarray] = {
            "iso": iso.astype(object),
            "us": np.array([f"{s[5:7]}/{s[8:10]}/{s[:4]}" for s in iso], dtype=object),
            "compact": np.array([s.replace("-", "") for s in iso], dtype=object),
        }

    def __call__(self, days: np.ndarray, fmt: str, missing: np.ndarray | None = None) -> np.ndarray:
        out: np.ndarray = self.tables[fmt][days - self.lo]
        if missing is not None and missing.any():
            out = out.copy()
            out[missing] = None
        return out


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

STYLES: tuple[str, ...] = ("spanish", "maya", "portuguese", "haitian", "indian", "chinese")
_SPANISH, _MAYA, _PORTUGUESE, _HAITIAN, _INDIAN, _CHINESE = range(len(STYLES))
#: Style whose given-name lists a style uses.
_GIVEN_STYLE = {"maya": "spanish"}
#: Styles with name lists of their own (the Mayan style takes Spanish given names).
_OWN_STYLES = ("spanish", "portuguese", "haitian", "indian", "chinese")
#: Share of children with (a fixed compound given name, a free pair of given names, one name).
_GIVEN_SHAPE: dict[str, tuple[float, float, float]] = {
    "spanish": (0.25, 0.30, 0.45),
    "maya": (0.25, 0.30, 0.45),
    "portuguese": (0.30, 0.15, 0.55),
    "haitian": (0.30, 0.20, 0.50),
    "indian": (0.0, 0.0, 1.0),
    "chinese": (0.0, 0.0, 1.0),
}
#: Styles with two surnames (Spanish paternal + maternal; Brazilian maternal + paternal).
_TWO_SURNAMES = frozenset({"spanish", "maya", "portuguese"})
#: Mix of surname lists of indigenous Guatemalan families.
_MAYA_SURNAME_MIX = {"maya": 0.45, "saint": 0.25, "spanish": 0.30}
#: The most common full names, given to ``Rates.common_name`` of the children (hard negatives).
COMMON_NAMES: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("M", "Juan", None, "Hernández", "Hernández"),
    ("M", "José", "Luis", "López", "García"),
    ("M", "Juan", "Carlos", "Hernández", "López"),
    ("M", "José", None, "Pérez", "López"),
    ("M", "Carlos", None, "García", "Hernández"),
    ("F", "María", "José", "Hernández", "López"),
    ("F", "María", None, "García", "Pérez"),
    ("F", "Ana", "María", "López", "Hernández"),
)
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "do", "dos", "das", "y"})
_PLACEHOLDERS = ("FNU", "LNU")

#: Spanish phonetic confusions, each applied once to a lower-case name: pattern -> replacement.
PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("v", "b"),
    ("b", "v"),
    ("z", "s"),
    ("s", "z"),
    ("c(?=[eéií])", "s"),
    ("s(?=[eéií])", "c"),
    ("ll", "y"),
    ("y(?=[aeiouáéíóú])", "ll"),
    ("^h", ""),
    ("^(?=[aeiouáéíóú])", "h"),
    ("j(?=[eéií])", "g"),
    ("g(?=[eéií])", "j"),
    ("x", "j"),
    ("qu(?=[eéií])", "k"),
    ("k(?=[eéií])", "qu"),
    ("c(?=[aou])", "k"),
    ("^y", "j"),
    ("^j", "y"),
    ("y$", "i"),
    ("i$", "y"),
    ("th", "t"),
    ("ph", "f"),
)
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_TYPOS_PER_NAME = 6
_TYPO_SEED = 20240917  # fixed: the typo variants of a name are part of the name bank


def _keyboard_neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(_KEY_ROWS):
        for c, ch in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            if r > 0:
                near += [_KEY_ROWS[r - 1][i] for i in (c, c + 1) if i < len(_KEY_ROWS[r - 1])]
            if r < 2:
                near += [_KEY_ROWS[r + 1][i] for i in (c - 1, c) if 0 <= i < len(_KEY_ROWS[r + 1])]
            out[ch] = "".join(sorted(set(near)))
    return out


def _ascii(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _display(lower: str, original: str) -> str:
    """Re-capitalise a lower-case variant the way ``original`` is written."""
    words = lower.split(" ")
    orig = original.split(" ")
    out = []
    for i, word in enumerate(words):
        if i < len(orig) and orig[i] in _PARTICLES and word == orig[i]:
            out.append(word)
        else:
            out.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(out)


def _phonetic_variants(name: str) -> list[str]:
    lower = name.lower()
    found = []
    for pattern, repl in PHONETIC_RULES:
        variant = re.sub(pattern, repl, lower, count=1)
        if variant != lower and len(variant.replace(" ", "")) >= 2:
            found.append(_display(variant, name))
    return sorted(set(found) - {name})


def _typo_variants(name: str, rng: np.random.Generator, near: Mapping[str, str]) -> list[str]:
    lower = name.lower()
    letters = [i for i, ch in enumerate(lower) if ch.isalpha()]
    found: list[str] = []
    for _ in range(_TYPOS_PER_NAME * 6):
        if len(found) >= _TYPOS_PER_NAME or len(letters) < 2:
            break
        kind = int(rng.integers(3))
        p = letters[int(rng.integers(len(letters)))]
        chars = list(lower)
        if kind == 0:  # adjacent key
            keys = near.get(_ascii(chars[p]), "")
            if not keys:
                continue
            chars[p] = keys[int(rng.integers(len(keys)))]
        elif kind == 1:  # deletion
            if len(letters) < 4:
                continue
            del chars[p]
        else:  # transposition of two neighbouring letters
            if p + 1 >= len(chars) or not chars[p + 1].isalpha() or chars[p] == chars[p + 1]:
                continue
            chars[p], chars[p + 1] = chars[p + 1], chars[p]
        variant = _display("".join(chars), name)
        if variant != name and variant not in found:
            found.append(variant)
    return found


@dataclass(frozen=True)
class _Pool:
    codes: np.ndarray  # (k,) or (k, 2) vocabulary codes
    cum: np.ndarray  # cumulative probabilities

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        idx = np.minimum(
            np.searchsorted(self.cum, rng.random(size), side="right"), len(self.cum) - 1
        )
        return self.codes[idx]


def _pool(codes: Sequence[Any], weights: Sequence[float]) -> _Pool:
    w = np.asarray(weights, dtype=np.float64)
    return _Pool(codes=np.asarray(codes, dtype=np.int64), cum=np.cumsum(w) / w.sum())


@dataclass(frozen=True)
class _NameBank:
    vocab: tuple[str, ...]
    display: pa.Array  # as written by HHS: mixed case with accents
    title_ascii: pa.Array
    upper_ascii: pa.Array
    n_base: int
    spellable: np.ndarray  # bool per code: not a placeholder
    fnu: int
    lnu: int
    given: dict[tuple[str, str], _Pool]  # (style, "M"/"F") -> single given names
    compound: dict[tuple[str, str], _Pool]  # (style, sex) -> pairs
    surname: dict[str, _Pool]
    variants: dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (offsets, codes)

    def code(self, name: str) -> int:
        return self.vocab.index(name)

    def variant(self, kind: str, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A misspelling of each code (phonetic falls back to a typo; unchanged if none)."""
        u = rng.random(len(codes))
        out = codes.copy()
        pending = np.ones(len(codes), dtype=bool)
        for table in ("phonetic", "typo") if kind == "phonetic" else ("typo",):
            off, var = self.variants[table]
            start, count = off[codes], off[codes + 1] - off[codes]
            ok = pending & (count > 0)
            out[ok] = var[start[ok] + (u[ok] * count[ok]).astype(np.int64)]
            pending &= ~ok
        return out


@lru_cache(maxsize=1)
def _name_bank() -> _NameBank:
    text = (
        resources.files("linkage.synthetic").joinpath("data/synthetic_names.csv").read_text("utf-8")
    )
    rows = [
        (r["style"], r["kind"], r["name"], float(r["weight"]))
        for r in csv.DictReader(io.StringIO(text))
    ]
    base: set[str] = set(_PLACEHOLDERS)
    for _style, kind, name, _ in rows:
        if kind.endswith("_compound"):
            base.update(name.split(" ", 1))
        else:
            base.add(name)
    for _, g1, g2, s1, s2 in COMMON_NAMES:
        base.update(x for x in (g1, g2, s1, s2) if x)
    vocab = sorted(base)
    index = {name: i for i, name in enumerate(vocab)}
    n_base = len(vocab)

    near = _keyboard_neighbours()
    typo_rng = np.random.default_rng(_TYPO_SEED)
    tables: dict[str, tuple[list[int], list[int]]] = {"phonetic": ([0], []), "typo": ([0], [])}
    for name in vocab[:n_base]:
        for kind, found in (
            ("phonetic", [] if name in _PLACEHOLDERS else _phonetic_variants(name)),
            ("typo", [] if name in _PLACEHOLDERS else _typo_variants(name, typo_rng, near)),
        ):
            off, codes = tables[kind]
            for variant in found:
                if variant not in index:
                    index[variant] = len(vocab)
                    vocab.append(variant)
                codes.append(index[variant])
            off.append(len(codes))
    variants = {}
    for kind, (off, codes) in tables.items():
        off += [off[-1]] * (len(vocab) - n_base)  # variants have no variants of their own
        variants[kind] = (np.asarray(off, dtype=np.int64), np.asarray(codes, dtype=np.int64))

    # (style, kind) -> (codes, weights); a compound given name is a pair of codes
    lists: dict[tuple[str, str], tuple[list[Any], list[float]]] = {}
    for style, kind, name, weight in rows:
        parts = name.split(" ", 1)
        code = (index[parts[0]], index[parts[1]]) if kind.endswith("_compound") else index[name]
        bucket, bucket_weights = lists.setdefault((style, kind), ([], []))
        bucket.append(code)
        bucket_weights.append(weight)
    sexes = (("M", ""), ("F", "fe"))
    given = {(st, sex): _pool(*lists[(st, f"{fe}male")]) for st in _OWN_STYLES for sex, fe in sexes}
    compound = {
        (st, sex): _pool(*lists[(st, f"{fe}male_compound")])
        for st in _OWN_STYLES
        for sex, fe in sexes
        if (st, f"{fe}male_compound") in lists
    }
    surname = {st: _pool(*lists[(st, "surname")]) for st in _OWN_STYLES}
    maya_codes: list[int] = []
    maya_weights: list[float] = []
    for part, share in _MAYA_SURNAME_MIX.items():
        part_codes, part_weights = lists[(part, "surname")]
        total = sum(part_weights)
        maya_codes += part_codes
        maya_weights += [w / total * share for w in part_weights]
    surname["maya"] = _pool(maya_codes, maya_weights)

    spellable = np.ones(len(vocab), dtype=bool)
    spellable[[index[p] for p in _PLACEHOLDERS]] = False
    ascii_title = [_ascii(v) for v in vocab]
    return _NameBank(
        vocab=tuple(vocab),
        display=_strings(vocab),
        title_ascii=_strings(ascii_title),
        upper_ascii=_strings([v.upper() for v in ascii_title]),
        n_base=n_base,
        spellable=spellable,
        fnu=index["FNU"],
        lnu=index["LNU"],
        given=given,
        compound=compound,
        surname=surname,
        variants=variants,
    )


# --------------------------------------------------------------------------------------------
# Countries, calendar, geography
# --------------------------------------------------------------------------------------------

COUNTRIES: tuple[str, ...] = ("GT", "HN", "SV", "MX", *cal.OTHER_COUNTRY_MIX)
_ORR_KEYS = ("GT", "HN", "SV", "MX")
_GROUPS: tuple[str, ...] = ("Guatemala", "Honduras", "El Salvador", "Mexico", "Other")
_STYLE_OF_COUNTRY = {"HT": _HAITIAN, "BR": _PORTUGUESE, "IN": _INDIAN, "CN": _CHINESE}


def _eoir_code(iso2: str) -> str:
    codes = sorted(k for k, v in EOIR_NATIONALITY_CODES.items() if v == iso2)
    if not codes:  # pragma: no cover - guarded by a test over COUNTRIES
        raise KeyError(f"no EOIR nationality code for {iso2}")
    return iso2 if iso2 in codes else codes[0]


#: Ways each source writes a country, with their shares.
COUNTRY_FORMS: dict[str, dict[str, float]] = {
    "cbp": {"english_upper": 0.85, "iso2": 0.15},
    "ice": {"iso3": 0.60, "english": 0.40},
    "hhs": {"spanish": 0.60, "spanish_upper": 0.20, "iso2": 0.10, "english_lower": 0.10},
    "eoir": {"eoir": 1.0},
}
#: Ways each source writes an A-number, with their shares (9 = nine digits, zero-padded).
A_NUMBER_FORMATS: dict[str, dict[str, float]] = {
    "cbp": {"A+9": 0.70, "9": 0.30},
    "ice": {"A+3-3-3": 0.40, "A+digits": 0.40, "digits-dashed": 0.20},
    "hhs": {"9": 0.50, "3-3-3": 0.30, "A+9": 0.20},
    "eoir": {"9": 1.0},
}
#: Ways each source writes sex: (male, female, unknown) per variant, with their shares.
SEX_FORMS: dict[str, tuple[tuple[tuple[str, str, str | None], float], ...]] = {
    "cbp": ((("M", "F", None), 1.0),),
    "ice": ((("Male", "Female", None), 1.0),),
    "hhs": ((("M", "F", None), 0.5), (("Male", "Female", None), 0.5)),
    "eoir": ((("M", "F", "U"), 1.0),),
}


@lru_cache(maxsize=1)
def _country_forms() -> dict[str, pa.Array]:
    names = [cal.COUNTRY_NAMES[c] for c in COUNTRIES]
    return {
        "iso2": _strings(COUNTRIES),
        "iso3": _strings([n[0] for n in names]),
        "english": _strings([n[1] for n in names]),
        "english_upper": _strings([n[1].upper() for n in names]),
        "english_lower": _strings([n[1].lower() for n in names]),
        "spanish": _strings([n[2] for n in names]),
        "spanish_upper": _strings([_ascii(n[2]).upper() for n in names]),
        "eoir": _strings([_eoir_code(c) for c in COUNTRIES]),
    }


@lru_cache(maxsize=1)
def _calendar() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry months Oct 2018 - Sep 2023: (first day, days in month, fiscal year, probability).

    The shape inside each fiscal year follows NYT releases one month later (missing months of
    FY2023 take that year's mean); each fiscal year's total follows ORR's releases that year.
    """
    starts = np.arange(np.datetime64("2018-10"), np.datetime64("2023-10"))
    first = (starts.astype("datetime64[D]") - _EPOCH).astype(np.int64)
    ndays = ((starts + 1).astype("datetime64[D]") - starts.astype("datetime64[D]")).astype(np.int64)
    years = starts.astype("datetime64[Y]").astype(np.int64) + 1970
    months = (starts - starts.astype("datetime64[Y]").astype("datetime64[M]")).astype(np.int64) + 1
    fy = years + (months >= 10)
    shape = np.array(
        [cal.NYT_RELEASES_BY_MONTH.get(str(m + 1), np.nan) for m in starts], dtype=np.float64
    )
    weight = np.zeros(len(starts))
    for year in cal.FISCAL_YEARS:
        sel = fy == year
        s = shape[sel]
        s = np.where(np.isnan(s), np.nanmean(s), s)
        weight[sel] = s / s.sum() * cal.ORR_RELEASED_TOTAL[year]
    return first, ndays, fy, weight / weight.sum()


_STATES: tuple[str, ...] = tuple(cal.ORR_RELEASED_BY_STATE)
_STREETS: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Elm", "Washington", "Park", "Lincoln", "Jefferson", "Cedar", "Pine",
    "Sunset", "Bellaire", "Westheimer", "Broadway", "Church", "Highland", "Lake", "Hill", "Walnut",
    "Chestnut", "Franklin", "Madison", "Jackson", "Spring", "Ridge", "Meadow", "Forest", "River",
    "Central", "Liberty", "University", "Georgia", "Columbia", "Kennedy", "Martin Luther King",
    "Valley", "Cherry", "Willow", "Magnolia", "Mill",
)  # fmt: skip
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("St", "Street"), ("Ave", "Avenue"), ("Rd", "Road"), ("Dr", "Drive"), ("Blvd", "Boulevard"),
    ("Ln", "Lane"), ("Ct", "Court"), ("Way", "Way"), ("Pl", "Place"),
)  # fmt: skip


@lru_cache(maxsize=1)
def _geography() -> dict[str, np.ndarray]:
    lo = np.array([cal.STATE_GEOGRAPHY[s][0] for s in _STATES])
    hi = np.array([cal.STATE_GEOGRAPHY[s][1] for s in _STATES])
    cities = [cal.STATE_GEOGRAPHY[s][2] for s in _STATES]
    count = np.array([len(c) for c in cities])
    offset = np.concatenate([[0], np.cumsum(count)[:-1]])
    probs = np.array([cal.ORR_RELEASED_BY_STATE[s] for s in _STATES], dtype=np.float64).T
    return {
        "zip_lo": lo,
        "zip_hi": hi,
        "city_offset": offset,
        "city_count": count,
        "city": np.array([c for group in cities for c in group], dtype=object),
        "state_probs": probs,  # (fiscal year, state)
    }


# --------------------------------------------------------------------------------------------
# The population: families (units) and children
# --------------------------------------------------------------------------------------------

_NT, _NO_NTA, _NTA_NOT_FILED, _FTA, _IN_PROC = range(len(STATUSES))
_SIBLING_SIZES = (2, 3, 4)
_SIBLING_SIZE_P = (0.60, 0.30, 0.10)
_MIN_SIBLING_GAP_DAYS = 300


@dataclass
class _Population:
    """Arrays per child (length n) and per family unit (length U)."""

    n: int
    unit: np.ndarray
    pos: np.ndarray
    unit_size: np.ndarray
    appr: np.ndarray  # per child (shared in a family)
    fy: np.ndarray
    country: np.ndarray
    style: np.ndarray
    status: np.ndarray
    sex: np.ndarray  # 0 male, 1 female
    dob: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    single: np.ndarray
    common: np.ndarray
    twin: np.ndarray
    a1: np.ndarray
    a2: np.ndarray  # -1 when none
    hhs_uses_a2: np.ndarray
    referral: np.ndarray
    release: np.ndarray
    days_in_care: np.ndarray
    state: np.ndarray  # per child, -1 when not handed
    sponsor_cat: np.ndarray
    sponsor_rel: np.ndarray
    sponsor_name: dict[str, np.ndarray]  # code arrays per child
    address: dict[str, np.ndarray]  # sponsor address components per child


def _relation_rules() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Relations, their category, sponsor sex (0 M, 1 F, 2 either) and surname rule."""
    names, cats, sexes, rules = [], [], [], []
    male = ("Father", "Brother", "Uncle", "Nephew", "Grandfather", "Godfather", "Stepbrother")
    female = ("Mother", "Sister", "Aunt", "Niece", "Grandmother", "Godmother", "Stepsister")
    for cat, rel, _ in cal.NYT_SPONSOR_RELATIONS:
        names.append(rel)
        cats.append(cat)
        head = rel.split(" (")[0]
        sex = 2
        if any(head.endswith(w) or head.startswith(w) for w in female):
            sex = 1
        elif any(head.endswith(w) or head.startswith(w) for w in male):
            sex = 0
        sexes.append(sex)
        if head == "Mother":
            rules.append(1)  # shares the child's maternal surname
        elif head == "Father":
            rules.append(2)  # shares the child's paternal surname
        elif head in ("Brother", "Sister", "Half-Sibling"):
            rules.append(3)  # same surnames as the child
        elif any(
            k in head
            for k in ("Uncle", "Aunt", "Grand", "First Cousin", "Nephew", "Niece", "Other Cousin")
        ):
            rules.append(4)  # one of the child's surnames
        else:
            rules.append(0)  # unrelated surnames
    return names, np.array(cats), np.array(sexes), np.array(rules)


_RELATIONS, _RELATION_CAT, _RELATION_SEX, _RELATION_RULE = _relation_rules()
_RELATION_N = np.array([n for _, _, n in cal.NYT_SPONSOR_RELATIONS], dtype=np.float64)


def _given_names(
    rng: np.random.Generator, bank: _NameBank, style: np.ndarray, sex: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(style)
    g1 = np.full(n, -1, dtype=np.int64)
    g2 = np.full(n, -1, dtype=np.int64)
    shape_u = rng.random(n)
    for s, style_name in enumerate(STYLES):
        src = _GIVEN_STYLE.get(style_name, style_name)
        p_compound, p_pair, _ = _GIVEN_SHAPE[style_name]
        for x, sex_code in enumerate(("M", "F")):
            sel = np.flatnonzero((style == s) & (sex == x))
            if not len(sel):
                continue
            g1[sel] = bank.given[(src, sex_code)].draw(rng, len(sel))
            second = bank.given[(src, sex_code)].draw(rng, len(sel))
            u = shape_u[sel]
            pair = (u >= p_compound) & (u < p_compound + p_pair) & (second != g1[sel])
            g2[sel[pair]] = second[pair]
            if p_compound > 0:
                comp = u < p_compound
                drawn = bank.compound[(src, sex_code)].draw(rng, int(comp.sum()))
                g1[sel[comp]] = drawn[:, 0]
                g2[sel[comp]] = drawn[:, 1]
    return g1, g2


def _surnames(
    rng: np.random.Generator, bank: _NameBank, style: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(style)
    s1 = np.full(n, -1, dtype=np.int64)
    s2 = np.full(n, -1, dtype=np.int64)
    for s, style_name in enumerate(STYLES):
        sel = np.flatnonzero(style == s)
        if not len(sel):
            continue
        s1[sel] = bank.surname[style_name].draw(rng, len(sel))
        if style_name in _TWO_SURNAMES:
            s2[sel] = bank.surname[style_name].draw(rng, len(sel))
    return s1, s2


def _population(n: int, rates: Rates, rng: np.random.Generator, bank: _NameBank) -> _Population:
    # -- family units: singles and sibling groups of 2-4 -----------------------------------------
    mean_size = float(np.dot(_SIBLING_SIZES, _SIBLING_SIZE_P))
    n_groups = int(round(n * rates.sibling / mean_size))
    sizes = np.asarray(_SIBLING_SIZES)[_categorical(rng, _SIBLING_SIZE_P, n_groups)]
    sizes = sizes[np.cumsum(sizes) <= n]
    unit_size = np.concatenate([sizes, np.ones(n - int(sizes.sum()), dtype=np.int64)])
    unit_size = unit_size[rng.permutation(len(unit_size))]
    n_units = len(unit_size)

    first, ndays, month_fy, month_p = _calendar()
    month = _categorical(rng, month_p, n_units)
    appr_u = first[month] + (rng.random(n_units) * ndays[month]).astype(np.int64)
    order = np.lexsort((rng.random(n_units), appr_u))  # families in order of apprehension
    unit_size, appr_u, month = unit_size[order], appr_u[order], month[order]
    fy_u = month_fy[month]
    fy_idx = fy_u - cal.FISCAL_YEARS[0]

    handed_u = rng.random(n_units) >= rates.not_transferred
    # country: ORR's referral mix per fiscal year; the not-transferred are mostly Mexican
    orr = np.zeros((len(cal.FISCAL_YEARS), len(COUNTRIES)))
    for i, year in enumerate(cal.FISCAL_YEARS):
        share = cal.ORR_COUNTRY_SHARE[year]
        total = sum(share.values())
        for j, iso in enumerate(COUNTRIES):
            orr[i, j] = (
                share[iso] / total
                if iso in _ORR_KEYS
                else share["other"] / total * cal.OTHER_COUNTRY_MIX[iso]
            )
    not_handed = rates.not_transferred_mexican * np.eye(len(COUNTRIES))[COUNTRIES.index("MX")]
    table = np.vstack([orr, not_handed + (1 - rates.not_transferred_mexican) * orr])
    country_u = _categorical_rows(
        rng, table, np.where(handed_u, fy_idx, fy_idx + len(cal.FISCAL_YEARS))
    )
    iso_u = np.asarray(COUNTRIES, dtype=object)[country_u]
    style_u = np.full(n_units, _SPANISH, dtype=np.int64)
    for iso, style_code in _STYLE_OF_COUNTRY.items():
        style_u[iso_u == iso] = style_code
    indigenous = (iso_u == "GT") & (rng.random(n_units) < rates.indigenous_guatemalan)
    style_u[indigenous] = _MAYA

    # status per family: siblings share their journey
    u = rng.random(n_units)
    never, fta = rates.never_in_proceedings, rates.failed_to_appear
    status_u = np.select(
        [~handed_u, u < never * (1 - rates.nta_not_filed), u < never, u < never + fta],
        [_NT, _NO_NTA, _NTA_NOT_FILED, _FTA],
        _IN_PROC,
    )

    # ORR: referral 1-3 days after apprehension; days in care log-normal with the NYT median and
    # mean of the country group and calendar year of entry (stays of a year or more excluded)
    referral_u = appr_u + rng.integers(1, 4, n_units)
    group_u = np.array([_GROUPS.index(cal.COUNTRY_GROUP.get(c, "Other")) for c in COUNTRIES])[
        country_u
    ]
    year_u = _ymd(appr_u)[0]
    mu = np.zeros((len(_GROUPS), 6))
    sigma = np.zeros((len(_GROUPS), 6))
    for (group, year), (_, median, _, mean) in cal.NYT_DAYS_IN_CARE.items():
        g, y = _GROUPS.index(group), year - 2018
        mu[g, y] = np.log(median)
        sigma[g, y] = np.sqrt(2 * np.log(max(mean, median) / median))
    yi = np.clip(year_u - 2018, 0, 5)
    days_u = np.clip(
        np.rint(np.exp(mu[group_u, yi] + sigma[group_u, yi] * rng.standard_normal(n_units))), 1, 364
    ).astype(np.int64)
    release_u = referral_u + days_u

    geo = _geography()
    state_u = _categorical_rows(rng, geo["state_probs"], fy_idx)
    cat_table = np.array(
        [[cal.NYT_SPONSOR_CATEGORY_BY_COUNTRY[g].get(c, 0) for c in (0, 1, 2, 3)] for g in _GROUPS],
        dtype=np.float64,
    )
    cat_u = _categorical_rows(rng, cat_table, group_u)
    rel_table = np.array([np.where(c == _RELATION_CAT, _RELATION_N, 0.0) for c in (0, 1, 2, 3)])
    rel_u = _categorical_rows(rng, rel_table, cat_u)
    s1_u, s2_u = _surnames(rng, bank, style_u)

    # -- children ---------------------------------------------------------------------------------
    unit = np.repeat(np.arange(n_units), unit_size)
    start = np.concatenate([[0], np.cumsum(unit_size)[:-1]])
    pos = np.arange(n) - start[unit]
    appr, fy = appr_u[unit], fy_u[unit]
    fyc = fy - cal.FISCAL_YEARS[0]
    male = np.array(
        [cal.ORR_SEX_SHARE[y]["M"] / sum(cal.ORR_SEX_SHARE[y].values()) for y in cal.FISCAL_YEARS]
    )
    sex = (rng.random(n) >= male[fyc]).astype(np.int64)
    band_p = np.array([[cal.ORR_AGE_BAND_SHARE[y][b] for b in AGE_BANDS] for y in cal.FISCAL_YEARS])
    band = _categorical_rows(rng, band_p, fyc)
    young = np.asarray(cal.AGE_WEIGHTS_0_12, dtype=np.float64)
    age = np.select(
        [band == 0, band == 1, band == 2],
        [_categorical(rng, young, n), 13 + rng.integers(0, 2, n), 15 + rng.integers(0, 2, n)],
        17,
    )
    hi = _minus_years(appr, age)  # last dob giving this age
    lo = _minus_years(appr, age + 1)  # first dob not giving it
    dob = lo + 1 + (rng.random(n) * (hi - lo)).astype(np.int64)

    # siblings at least ~10 months apart (the younger moves later), then twins share the dob
    groups = unit_size[unit] > 1
    order = np.lexsort((dob, unit))
    sorted_pos = np.empty(n, dtype=np.int64)
    sorted_pos[order] = pos  # rank by dob inside the family (pos is 0..size-1 per unit)
    d_sorted = dob[order]
    for p in range(1, max(_SIBLING_SIZES)):
        at = np.flatnonzero(sorted_pos[order] == p)
        need = d_sorted[at - 1] + _MIN_SIBLING_GAP_DAYS
        late = d_sorted[at] < need
        d_sorted[at[late]] = need[late] + rng.integers(0, 400, int(late.sum()))
    dob[order] = d_sorted
    dob = np.minimum(dob, appr - 30)
    twin = np.zeros(n, dtype=bool)
    group_units = np.flatnonzero(unit_size > 1)
    n_twins = min(int(round(n * rates.twin / 2)), len(group_units))
    if n_twins:
        twin_units = np.sort(rng.choice(group_units, n_twins, replace=False))
        is_twin_unit = np.zeros(n_units, dtype=bool)
        is_twin_unit[twin_units] = True
        older = np.flatnonzero(is_twin_unit[unit] & (sorted_pos == 0))
        younger = np.flatnonzero(is_twin_unit[unit] & (sorted_pos == 1))
        older = older[np.argsort(unit[older], kind="stable")]
        younger = younger[np.argsort(unit[younger], kind="stable")]
        dob[younger] = dob[older]
        same_sex = rng.random(n_twins) < 0.65
        sex[younger[same_sex]] = sex[older[same_sex]]
        twin[older] = twin[younger] = True

    style = style_u[unit]
    g1, g2 = _given_names(rng, bank, style, sex)
    s1, s2 = s1_u[unit].copy(), s2_u[unit].copy()
    # siblings never share the whole given name
    dup = groups & (pos > 0)
    redraw_g1, _ = _given_names(rng, bank, style[dup], sex[dup])
    clash = np.zeros(n, dtype=bool)
    clash[dup] = (g1[dup] == g1[np.flatnonzero(dup) - 1]) & (g2[dup] == g2[np.flatnonzero(dup) - 1])
    g1[clash] = redraw_g1[clash[dup]]

    singles = ~groups
    single_name = singles & (rng.random(n) < rates.single_name)
    g2[single_name], s1[single_name], s2[single_name] = -1, -1, -1

    # hard negatives: the most common names, with dobs close to others of the same name
    eligible = singles & ~single_name & (style == _SPANISH)
    p_common = min(1.0, rates.common_name * n / max(int(eligible.sum()), 1))
    common = eligible & (rng.random(n) < p_common)
    if common.any():
        combos = np.array(
            [
                [bank.code(g1_), bank.code(g2_) if g2_ else -1, bank.code(a), bank.code(b)]
                for _, g1_, g2_, a, b in COMMON_NAMES
            ]
        )
        combo_sex = np.array([0 if s == "M" else 1 for s, *_ in COMMON_NAMES])
        idx = np.flatnonzero(common)
        options = [np.flatnonzero(combo_sex == x) for x in (0, 1)]
        pick = np.where(
            sex[idx] == 0,
            options[0][rng.integers(0, len(options[0]), len(idx))],
            options[1][rng.integers(0, len(options[1]), len(idx))],
        )
        g1[idx], g2[idx], s1[idx], s2[idx] = combos[pick].T
        anchors = _day("2005-01-01") + rng.integers(0, 5 * 365, (len(COMMON_NAMES), 3))
        near = anchors[pick, rng.integers(0, 3, len(idx))] + rng.integers(-45, 46, len(idx))
        oldest = _minus_years(appr[idx], np.full(len(idx), 18)) + 1
        dob[idx] = np.clip(near, oldest, appr[idx] - 30)

    # -- A-numbers: issued in order of apprehension, siblings often consecutive ------------------
    gaps = rng.integers(2, 40, n)
    consecutive = (pos > 0) & (rng.random(n) < 0.8)
    gaps[consecutive] = 1
    a1 = 201_000_000 + np.cumsum(gaps)  # children are already in apprehension order
    old = singles & (rng.random(n) < rates.a_number_8_digit)
    k = int(old.sum())
    a1[old] = (np.sort(rng.integers(10_000_000, 99_000_000 - k, k)) + np.arange(k))[
        rng.permutation(k)
    ]
    second = rng.random(n) < rates.second_a_number
    k = int(second.sum())
    a2 = np.full(n, -1, dtype=np.int64)
    a2[second] = (a1.max() + np.cumsum(rng.integers(1, 40, k)))[rng.permutation(k)]
    hhs_uses_a2 = second & (rng.random(n) < 0.5)

    # -- sponsors (per family) -------------------------------------------------------------------
    sponsor_name = _sponsor_names(rng, bank, style_u, s1_u, s2_u, rel_u)
    address = _addresses(rng, state_u)
    for part in (sponsor_name, address):
        for key in part:
            part[key] = part[key][unit]
    not_handed = status_u[unit] == _NT
    state = np.where(not_handed, -1, state_u[unit])
    return _Population(
        n=n,
        unit=unit,
        pos=pos,
        unit_size=unit_size,
        appr=appr,
        fy=fy,
        country=country_u[unit],
        style=style,
        status=status_u[unit],
        sex=sex,
        dob=dob,
        g1=g1,
        g2=g2,
        s1=s1,
        s2=s2,
        single=single_name,
        common=common,
        twin=twin,
        a1=a1,
        a2=a2,
        hhs_uses_a2=hhs_uses_a2,
        referral=referral_u[unit],
        release=release_u[unit],
        days_in_care=days_u[unit],
        state=state,
        sponsor_cat=np.where(not_handed, -1, cat_u[unit]),
        sponsor_rel=np.where(not_handed, -1, rel_u[unit]),
        sponsor_name=sponsor_name,
        address=address,
    )


def _sponsor_names(
    rng: np.random.Generator,
    bank: _NameBank,
    style: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    rel: np.ndarray,
) -> dict[str, np.ndarray]:
    n = len(style)
    sex = np.where(_RELATION_SEX[rel] == 2, rng.integers(0, 2, n), _RELATION_SEX[rel])
    g1, g2 = _given_names(rng, bank, style, sex)
    r1, r2 = _surnames(rng, bank, style)
    rule = _RELATION_RULE[rel]
    brazil = style == _PORTUGUESE
    two = s2 >= 0
    maternal = np.where(brazil, s1, np.where(two, s2, -1))
    paternal = np.where(brazil & two, s2, s1)
    one = np.where(rng.random(n) < 0.5, paternal, np.where(maternal >= 0, maternal, paternal))
    inherited = np.select([rule == 1, rule == 2, rule == 4], [maternal, paternal, one], -1)
    # the inherited surname is the sponsor's own first surname (last for Brazilians)
    has = inherited >= 0
    a = np.where(has & ~brazil, inherited, r1)
    b = np.where(has & brazil & two, inherited, r2)
    b = np.where(two, b, -1)
    same = rule == 3
    a, b = np.where(same, s1, a), np.where(same, s2, b)
    return {"g1": g1, "g2": g2, "s1": a, "s2": b}


def _addresses(rng: np.random.Generator, state: np.ndarray) -> dict[str, np.ndarray]:
    geo = _geography()
    n = len(state)
    zip3 = geo["zip_lo"][state] + (
        rng.random(n) * (geo["zip_hi"][state] - geo["zip_lo"][state] + 1)
    ).astype(np.int64)
    return {
        "number": rng.integers(100, 9999, n),
        "street": rng.integers(0, len(_STREETS), n),
        "suffix": rng.integers(0, len(_SUFFIXES), n),
        "apt": np.where(rng.random(n) < 0.35, rng.integers(1, 40, n), 0),
        "city": geo["city_offset"][state]
        + (rng.random(n) * geo["city_count"][state]).astype(np.int64),
        "state": state,
        "zip": zip3 * 100 + rng.integers(0, 100, n),
        "plus4": rng.integers(1000, 10000, n),
    }


def _format_address(
    parts: Mapping[str, np.ndarray], *, upper: bool, long_suffix: np.ndarray
) -> pa.Array:
    geo = _geography()
    streets = _strings([s.upper() for s in _STREETS] if upper else _STREETS)
    short = _strings([s[0].upper() if upper else s[0] for s in _SUFFIXES])
    long = _strings([s[1].upper() if upper else s[1] for s in _SUFFIXES])
    suffix = _select(long_suffix, _take(long, parts["suffix"]), _take(short, parts["suffix"]))
    apt_word = "APT" if upper else "Apt"
    apt = _join(
        [
            pa.array(np.full(len(parts["apt"]), apt_word, dtype=object), type=pa.string()),
            pa.array(parts["apt"]).cast(pa.string()),
        ]
    )
    apt = pc.if_else(pa.array(parts["apt"] == 0), pa.nulls(len(apt), pa.string()), apt)
    street = _join(
        [pa.array(parts["number"]).cast(pa.string()), _take(streets, parts["street"]), suffix, apt]
    )
    cities = [c.upper() for c in geo["city"]] if upper else list(geo["city"])
    city = _take(_strings(cities), parts["city"])
    state = _take(_strings(_STATES), parts["state"])
    if upper:
        return _join([street, city, state])
    return _join([street, city, state], ", ")


# --------------------------------------------------------------------------------------------
# Records: journeys per source
# --------------------------------------------------------------------------------------------


@dataclass
class _Records:
    """One source's records before rendering: child index, event date, extra fields."""

    child: np.ndarray
    seq: np.ndarray
    event: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    child = np.repeat(np.arange(len(counts)), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return child, np.arange(len(child)) - start[child]


def _journeys(pop: _Population, rates: Rates, rng: np.random.Generator) -> dict[str, _Records]:
    n = pop.n
    status = pop.status
    handed = status != _NT
    nt = ~handed
    has_eoir = np.isin(status, (_FTA, _IN_PROC)) | (
        nt & (rng.random(n) < rates.not_transferred_eoir)
    )
    has_nta = (status == _NTA_NOT_FILED) | has_eoir
    has_ice = np.where(
        status == _NTA_NOT_FILED,
        True,
        rng.random(n) < np.where(nt, rates.not_transferred_ice, rates.ice_record),
    )
    n_ice = has_ice * (1 + (rng.random(n) < rates.ice_second_record))
    n_hhs = handed * (1 + (rng.random(n) < rates.hhs_second_record))
    n_eoir = has_eoir * (1 + (rng.random(n) < rates.eoir_second_record))
    n_cbp = 1 + (rng.random(n) < rates.cbp_duplicate)

    book_in = pop.appr + rng.integers(0, 4, n)
    transfer = book_in + rng.integers(1, 11, n)
    nta = book_in + rng.integers(0, 31, n)
    filing = nta + 30 + np.rint(rng.gamma(2.0, 45.0, n)).astype(np.int64)
    hearing = filing + 60 + np.rint(rng.gamma(2.0, 150.0, n)).astype(np.int64)

    out: dict[str, _Records] = {}
    # CBP: the apprehension; a duplicate is entered the same day or the next
    child, seq = _expand(n_cbp)
    out["cbp"] = _Records(child, seq, pop.appr[child] + seq * rng.integers(0, 2, len(child)))

    # ICE: book-in, then a transfer record; the NTA shows on the last record (and on the first too
    # half the time) when ICE issued one, always for nta_not_filed
    child, seq = _expand(n_ice)
    last = seq == n_ice[child] - 1
    shows = np.where(status[child] == _NTA_NOT_FILED, 1.0, rates.nta_in_ice)
    shows = np.where(last, shows, shows * 0.5)
    nta_ok = has_nta[child] & (rng.random(len(child)) < shows)
    nta_ok |= (status[child] == _NTA_NOT_FILED) & last
    out["ice"] = _Records(
        child,
        seq,
        np.where(seq == 0, book_in[child], transfer[child]),
        {"nta": nta[child], "nta_ok": nta_ok},
    )

    # HHS: referral; a shelter transfer part-way through the stay; release to the sponsor
    child, seq = _expand(n_hhs)
    two = n_hhs[child] == 2
    stay = pop.days_in_care[child]
    into_stay = (rng.uniform(0.2, 0.8, len(child)) * stay).astype(np.int64)
    moved = pop.referral[child] + np.clip(into_stay, 0, stay - 1)  # always before the release
    released = ~two | (seq == 1)
    sponsor_ok = released | (rng.random(len(child)) >= rates.sponsor_missing_on_transfer)
    out["hhs"] = _Records(
        child,
        seq,
        np.where(seq == 0, pop.referral[child], moved),
        {"release": pop.release[child], "release_ok": released, "sponsor_ok": sponsor_ok},
    )

    # EOIR: the NTA filed months later, the latest hearing later still; a change of venue opens a
    # second record after a hearing, with a new address
    child, seq = _expand(n_eoir)
    m = len(child)
    two = n_eoir[child] == 2
    first_hearing = filing[child] + 30 + rng.integers(0, 150, m)
    venue = first_hearing + rng.integers(10, 90, m)
    event = np.where(seq == 0, filing[child], venue)
    hearing_date = np.where(
        two & (seq == 0),
        first_hearing,
        np.where(two, venue + (hearing[child] - filing[child]), hearing[child]),
    )
    last = seq == n_eoir[child] - 1
    p_absentia = rates.failed_to_appear / max(1.0 - rates.never_in_proceedings, 1e-9)
    absentia = last & (
        (status[child] == _FTA) | ((status[child] == _NT) & (rng.random(m) < p_absentia))
    )
    own_address = nt[child] | (seq == 1) | (rng.random(m) < rates.eoir_address_moved)
    out["eoir"] = _Records(
        child,
        seq,
        event,
        {"hearing": hearing_date, "absentia": absentia, "own_address": own_address},
    )
    return out


# --------------------------------------------------------------------------------------------
# Rendering: each source's habits and errors
# --------------------------------------------------------------------------------------------


def _render_names(
    source: str,
    child: np.ndarray,
    pop: _Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: _NameBank,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    m = len(child)
    g1, g2 = pop.g1[child].copy(), pop.g2[child].copy()
    s1, s2 = pop.s1[child].copy(), pop.s2[child].copy()
    brazil = pop.style[child] == _PORTUGUESE
    two = (s1 >= 0) & (s2 >= 0)
    g2[(g2 >= 0) & (rng.random(m) < rates.given_dropped)] = -1

    maternal = np.where(brazil, s1, s2)
    paternal = np.where(brazil, s2, s1)
    u = rng.random(m)
    dropped = two & (u < rates.maternal_dropped)
    has_middle = source in ("cbp", "ice")
    in_middle = (
        two & ~dropped & (u < rates.maternal_dropped + rates.maternal_in_middle) & has_middle
    )
    moved = dropped | in_middle
    sa, sb = np.where(moved, paternal, s1), np.where(moved, -1, s2)
    flip = brazil & (sb >= 0) & (rng.random(m) < rates.brazilian_order)
    sa, sb = np.where(flip, sb, sa), np.where(flip, sa, sb)

    if source == "cbp":
        in_first = in_middle | (rng.random(m) < rates.cbp_given_names_in_first)
        fa, fb = g1, np.where(in_first, g2, -1)
        mid = np.where(in_middle, maternal, np.where(in_first, -1, g2))
    elif source == "ice":
        fa, fb, mid = g1, g2, np.where(in_middle, maternal, -1)
    else:
        fa, fb, mid = g1, g2, np.full(m, -1)

    swap = rng.random(m) < rates.name_swapped
    fa, fb, sa, sb = (
        np.where(swap, sa, fa),
        np.where(swap, sb, fb),
        np.where(swap, fa, sa),
        np.where(swap, fb, sb),
    )

    single = pop.single[child]
    fnu = rng.random(m) < 0.5
    fa = np.where(single, np.where(fnu, bank.fnu, g1), fa)
    sa = np.where(single, np.where(fnu, g1, bank.lnu), sa)
    fb, mid, sb = (np.where(single, -1, x) for x in (fb, mid, sb))

    slots = np.stack([fa, fb, mid, sa, sb], axis=1).astype(np.int64)
    for kind, rate in (("phonetic", rates.phonetic), ("typo", rates.typo)):
        rows = np.flatnonzero(rng.random(m) < rate)
        valid = slots[rows] >= 0
        valid &= bank.spellable[np.where(valid, slots[rows], 0)]
        col = np.argmax(rng.random(valid.shape) * valid, axis=1)
        ok = valid[np.arange(len(rows)), col]
        rows, col = rows[ok], col[ok]
        slots[rows, col] = bank.variant(kind, slots[rows, col], rng)
    fa, fb, mid, sa, sb = slots.T

    j = rng.random(m)
    sep = _take(
        _strings([" ", "-", ""]),
        np.where(
            j < rates.surname_hyphenated,
            1,
            np.where(j < rates.surname_hyphenated + rates.surname_joined, 2, 0),
        ),
    )

    accents = np.zeros(m, dtype=bool)
    if source == "hhs":
        accents = rng.random(m) >= rates.accents_lost_hhs
    out: dict[str, np.ndarray] = {}

    def parts(table: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
        first = _join([_take(table, fa), _take(table, fb)])
        last = _join([_take(table, sa), _take(table, sb)], sep)
        return first, _take(table, mid), last

    if source == "hhs":
        f_acc, _, l_acc = parts(bank.display)
        f_asc, _, l_asc = parts(bank.title_ascii)
        first, last = _select(accents, f_acc, f_asc), _select(accents, l_acc, l_asc)
        out["first_name"], out["last_name"] = first, last
    elif source == "ice":
        first, middle, last = parts(bank.upper_ascii)
        ordered = _join([last, _join([first, middle])], ", ")
        t_first, t_middle, t_last = parts(bank.title_ascii)
        natural = _join([t_first, t_middle, t_last])
        out["full_name"] = _select(rng.random(m) < rates.ice_first_last_order, natural, ordered)
    else:
        first, middle, last = parts(bank.upper_ascii)
        out["first_name"], out["last_name"] = first, last
        if source == "cbp":
            out["middle_name"] = middle

    # stray spaces in the last name (the full name for ICE)
    target = "full_name" if source == "ice" else "last_name"
    stray = rng.random(m) < rates.stray_space
    if stray.any():
        value = out[target]
        where = rng.integers(0, 3, m)
        lead = pc.binary_join_element_wise("", value, " ")
        trail = pc.binary_join_element_wise(value, "", " ")
        double = pc.replace_substring(value, " ", "  ", max_replacements=1)
        spaced = _select(where == 0, lead, _select(where == 1, trail, double))
        out[target] = _select(stray, spaced, value)
    return {k: _objects(v) for k, v in out.items()}, accents


def _render_a_numbers(
    source: str, child: np.ndarray, pop: _Population, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    m = len(child)
    a2 = pop.a2[child]
    later = {"eoir": a2 >= 0, "hhs": pop.hhs_uses_a2[child]}.get(source, np.zeros(m, dtype=bool))
    value = np.where(later & (a2 >= 0), a2, pop.a1[child])
    dup = rng.random(m) < rates.a_number_duplicate
    value[dup] = pop.a1[rng.integers(0, pop.n, int(dup.sum()))]
    typo = np.flatnonzero(rng.random(m) < rates.a_number_typo)
    if len(typo):
        digits = (value[typo, None] // 10 ** np.arange(8, -1, -1)) % 10
        p = rng.integers(0, 8, len(typo))
        rows = np.arange(len(typo))
        transpose = (rng.random(len(typo)) < 0.5) & (digits[rows, p] != digits[rows, p + 1])
        a, b = digits[rows, p].copy(), digits[rows, p + 1].copy()
        digits[rows[transpose], p[transpose]] = b[transpose]
        digits[rows[transpose], p[transpose] + 1] = a[transpose]
        change = ~transpose
        q = rng.integers(0, 9, len(typo))
        digits[rows[change], q[change]] = (
            digits[rows[change], q[change]] + rng.integers(1, 10, int(change.sum()))
        ) % 10
        value[typo] = (digits * 10 ** np.arange(8, -1, -1)).sum(axis=1)
    nine = _digits(value, 9)
    bare = pc.utf8_ltrim(nine, characters="0")
    dashed = _join(
        [
            pc.utf8_slice_codeunits(nine, 0, 3),
            pc.utf8_slice_codeunits(nine, 3, 6),
            pc.utf8_slice_codeunits(nine, 6, 9),
        ],
        "-",
    )
    forms = {
        "9": nine,
        "A+9": pc.binary_join_element_wise("A", nine, ""),
        "3-3-3": dashed,
        "A+3-3-3": pc.binary_join_element_wise("A", dashed, ""),
        "A+digits": pc.binary_join_element_wise("A", bare, ""),
        "digits-dashed": pc.utf8_ltrim(pc.utf8_ltrim(dashed, characters="0"), characters="-"),
    }
    names = list(A_NUMBER_FORMATS[source])
    pick = _categorical(rng, list(A_NUMBER_FORMATS[source].values()), m)
    out = forms[names[0]]
    for i, name in enumerate(names[1:], 1):
        out = _select(pick == i, forms[name], out)
    missing = rng.random(m) < getattr(rates, f"a_number_missing_{source}")
    out = _select(missing, pa.nulls(m, pa.string()), out)
    return _objects(out)


def _render_dob(
    child: np.ndarray, pop: _Population, rates: Rates, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    m = len(child)
    y, mo, d = _ymd(pop.dob[child])
    shift = rng.random(m) < rates.dob_year_shift
    y = y + np.where(shift, rng.choice(np.array([-2, -1, 1, 2]), m), 0)
    swap = (rng.random(m) < rates.dob_day_month_swap) & (d <= 12) & (d != mo)
    mo, d = np.where(swap, d, mo), np.where(swap, mo, d)
    placeholder = rng.random(m) < rates.dob_placeholder
    mo, d = np.where(placeholder, 1, mo), np.where(placeholder, 1, d)
    missing = rng.random(m) < rates.dob_missing
    return _from_ymd(y, mo, d), missing


def _render_sex(
    source: str, child: np.ndarray, pop: _Population, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    m = len(child)
    sex = pop.sex[child].copy()
    wrong = rng.random(m) < rates.sex_wrong
    sex[wrong] = 1 - sex[wrong]
    sex[rng.random(m) < rates.sex_missing] = 2
    variants = SEX_FORMS[source]
    pick = _categorical(rng, [p for _, p in variants], m)
    out = np.empty(m, dtype=object)
    for i, (labels, _) in enumerate(variants):
        sel = pick == i
        out[sel] = np.asarray(labels, dtype=object)[sex[sel]]
    return out


def _render_country(
    source: str, child: np.ndarray, pop: _Population, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    m = len(child)
    tables = _country_forms()
    names = list(COUNTRY_FORMS[source])
    pick = _categorical(rng, list(COUNTRY_FORMS[source].values()), m)
    codes = pop.country[child]
    out = _take(tables[names[0]], codes)
    for i, name in enumerate(names[1:], 1):
        out = _select(pick == i, _take(tables[name], codes), out)
    out = _select(rng.random(m) < rates.country_missing, pa.nulls(m, pa.string()), out)
    return _objects(out)


def _render_source(
    source: str,
    recs: _Records,
    pop: _Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: _NameBank,
    dates: _DateFormatter,
) -> tuple[pd.DataFrame, np.ndarray]:
    # extracts come in event order; the record_id says nothing about the child
    order = np.lexsort((rng.random(len(recs.child)), recs.event))
    child, seq, event = recs.child[order], recs.seq[order], recs.event[order]
    extra = {k: v[order] for k, v in recs.extra.items()}
    m = len(child)
    fmt = SOURCE_DATE_FORMAT[source]
    columns: dict[str, Any] = {}
    width = max(6, len(str(m)))
    columns["record_id"] = _objects(
        pc.binary_join_element_wise(
            RECORD_ID_PREFIX[source], _digits(np.arange(1, m + 1), width), "-"
        )
    )
    names, accents = _render_names(source, child, pop, rates, rng, bank)
    columns.update(names)
    columns["a_number"] = _render_a_numbers(source, child, pop, rates, rng)
    dob, dob_missing = _render_dob(child, pop, rates, rng)
    columns["dob"] = dates(dob, fmt, dob_missing)
    columns["sex"] = _render_sex(source, child, pop, rates, rng)
    columns["country"] = _render_country(source, child, pop, rates, rng)
    columns["event_date"] = dates(event, fmt)
    if source == "ice":
        columns["nta_issued_date"] = dates(extra["nta"], fmt, ~extra["nta_ok"])
    elif source == "hhs":
        columns["release_date"] = dates(extra["release"], fmt, ~extra["release_ok"])
        sp = pop.sponsor_name
        cols = [sp["g1"][child], sp["g2"][child], sp["s1"][child], sp["s2"][child]]
        with_acc = _join([_take(bank.display, c) for c in cols])
        without = _join([_take(bank.title_ascii, c) for c in cols])
        missing = ~extra["sponsor_ok"]
        columns["sponsor_name"] = _objects(
            _select(missing, pa.nulls(m, pa.string()), _select(accents, with_acc, without))
        )
        parts = {k: v[child] for k, v in pop.address.items()}
        address = _format_address(parts, upper=False, long_suffix=np.zeros(m, dtype=bool))
        columns["sponsor_address"] = _objects(_select(missing, pa.nulls(m, pa.string()), address))
        zip5 = _digits(parts["zip"], 5)
        plus4 = _join([zip5, pa.array(parts["plus4"]).cast(pa.string())], "-")
        zips = _select(rng.random(m) < 0.10, plus4, zip5)
        columns["sponsor_zip"] = _objects(_select(missing, pa.nulls(m, pa.string()), zips))
    elif source == "eoir":
        columns["hearing_date"] = dates(extra["hearing"], fmt)
        columns["absentia"] = np.where(extra["absentia"], "Y", "N").astype(object)
        parts = {k: v[child] for k, v in pop.address.items()}
        own = extra["own_address"]
        state = np.where(
            pop.state[child] >= 0,
            pop.state[child],
            _categorical(rng, _geography()["state_probs"].sum(axis=0), m),
        )
        # a move stays in the state; a change of venue (second record) goes anywhere
        state = np.where(
            (seq == 1) & (rng.random(m) < 0.5),
            _categorical(rng, _geography()["state_probs"].sum(axis=0), m),
            state,
        )
        fresh = _addresses(rng, state)
        parts = {k: np.where(own, fresh[k], parts[k]) for k in parts}
        long_suffix = rng.random(m) < 0.5
        columns["address"] = _objects(_format_address(parts, upper=True, long_suffix=long_suffix))
        columns["zip"] = _objects(_digits(parts["zip"], 5))
    frame = pd.DataFrame({c: pd.Series(columns[c], dtype=object) for c in LAYOUT[source]})
    return frame, child


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

_STAGES = ("population", "journeys", "cbp", "ice", "hhs", "eoir")
_CHILD_ID_PREFIX = "C"
_GROUP_ID_PREFIX = "G"

#: dtypes of ``SyntheticData.children`` (read back by :func:`read_truth`).
CHILDREN_DTYPES: dict[str, str] = {
    "child_id": "object",
    "status": "object",
    "handed_to_hhs": "bool",
    "country": "object",
    "sex": "object",
    "dob": "datetime64[ns]",
    "age_at_entry": "int64",
    "age_band": "object",
    "fiscal_year": "int64",
    "sibling_group": "object",
    "is_twin": "bool",
    "a_number": "object",
    "a_number_2": "object",
    "given_name_1": "object",
    "given_name_2": "object",
    "surname_1": "object",
    "surname_2": "object",
    "name_style": "object",
    "single_name": "bool",
    "common_name": "bool",
    "apprehension_date": "datetime64[ns]",
    "referral_date": "datetime64[ns]",
    "release_date": "datetime64[ns]",
    "days_in_care": "Int64",
    "state": "object",
    "sponsor_category": "Int64",
    "sponsor_relation": "object",
}
TRUTH_DTYPES: dict[str, str] = {"source": "object", "record_id": "object", "child_id": "object"}


def _check_generate_args(n_children: object, seed: object) -> None:
    problems = []
    if (
        isinstance(n_children, bool)
        or not isinstance(n_children, (int, np.integer))
        or n_children < 1
    ):
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"n_children must be a positive integer, got {n_children!r}",
                fix="pass e.g. n_children=10_000",
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"seed must be a non-negative integer, got {seed!r}",
                fix="pass e.g. seed=0",
            )
        )
    if problems:
        raise InputError(problems)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return _objects(pc.binary_join_element_wise(prefix, _digits(numbers, width), ""))


def _children_frame(pop: _Population, child_ids: np.ndarray, bank: _NameBank) -> pd.DataFrame:
    n = pop.n
    y_a, m_a, d_a = _ymd(pop.appr)
    y_d, m_d, d_d = _ymd(pop.dob)
    age = y_a - y_d - ((m_a < m_d) | ((m_a == m_d) & (d_a < d_d)))
    band = np.select([age <= 12, age <= 14, age <= 16], [0, 1, 2], 3)
    grouped = pop.unit_size[pop.unit] > 1
    first_of_group = grouped & (pop.pos == 0)
    group_number = np.cumsum(first_of_group)
    group_ids = _ids(_GROUP_ID_PREFIX, group_number, max(5, len(str(n))))
    handed = pop.status != _NT
    vocab = np.asarray(bank.vocab, dtype=object)

    def names(codes: np.ndarray) -> np.ndarray:
        out = vocab[np.where(codes < 0, 0, codes)]
        out[codes < 0] = None
        return out

    def dates(days: np.ndarray, ok: np.ndarray | None = None) -> pd.Series:
        values = pd.Series(days.astype("datetime64[D]").astype("datetime64[ns]"))
        if ok is not None:
            values[~ok] = pd.NaT
        return values

    a2 = _objects(_digits(np.where(pop.a2 < 0, 0, pop.a2), 9))
    a2[pop.a2 < 0] = None
    frame = pd.DataFrame(
        {
            "child_id": pd.Series(child_ids, dtype=object),
            "status": pd.Series(np.asarray(STATUSES, dtype=object)[pop.status], dtype=object),
            "handed_to_hhs": handed,
            "country": pd.Series(np.asarray(COUNTRIES, dtype=object)[pop.country], dtype=object),
            "sex": pd.Series(np.asarray(["M", "F"], dtype=object)[pop.sex], dtype=object),
            "dob": dates(pop.dob),
            "age_at_entry": age.astype(np.int64),
            "age_band": pd.Series(np.asarray(AGE_BANDS, dtype=object)[band], dtype=object),
            "fiscal_year": pop.fy.astype(np.int64),
            "sibling_group": pd.Series(np.where(grouped, group_ids, np.array(None)), dtype=object),
            "is_twin": pop.twin,
            "a_number": pd.Series(_objects(_digits(pop.a1, 9)), dtype=object),
            "a_number_2": pd.Series(a2, dtype=object),
            "given_name_1": pd.Series(names(pop.g1), dtype=object),
            "given_name_2": pd.Series(names(pop.g2), dtype=object),
            "surname_1": pd.Series(names(pop.s1), dtype=object),
            "surname_2": pd.Series(names(pop.s2), dtype=object),
            "name_style": pd.Series(np.asarray(STYLES, dtype=object)[pop.style], dtype=object),
            "single_name": pop.single,
            "common_name": pop.common,
            "apprehension_date": dates(pop.appr),
            "referral_date": dates(pop.referral, handed),
            "release_date": dates(pop.release, handed),
            "days_in_care": pd.array(np.where(handed, pop.days_in_care, 0), dtype="Int64"),
            "state": pd.Series(
                np.where(handed, np.asarray(_STATES, dtype=object)[pop.state], None), dtype=object
            ),
            "sponsor_category": pd.array(np.where(handed, pop.sponsor_cat, 0), dtype="Int64"),
            "sponsor_relation": pd.Series(
                np.where(handed, np.asarray(_RELATIONS, dtype=object)[pop.sponsor_rel], None),
                dtype=object,
            ),
        }
    )
    frame.loc[~handed, ["days_in_care", "sponsor_category"]] = pd.NA
    return frame.astype(CHILDREN_DTYPES)


def generate(n_children: int, *, seed: int = 0, rates: Rates | None = None) -> SyntheticData:
    """Generate ``n_children`` synthetic children and their records in the four sources.

    Args:
        n_children: Number of children (about 3.5-4 records each).
        seed: Seed of every random draw; the same seed gives identical frames.
        rates: Population, journey and error rates; :class:`Rates` defaults when ``None``.

    Returns:
        The four source tables, the record -> child truth and the children.

    Raises:
        InputError: ``n_children`` is not a positive integer or ``seed`` a non-negative one.

    Example:
        >>> data = generate(100, seed=1)
        >>> len(data.children)
        100
        >>> list(data.sources["cbp"].columns[:4])
        ['record_id', 'first_name', 'middle_name', 'last_name']
    """
    _check_generate_args(n_children, seed)
    rates = Rates() if rates is None else rates
    started = time.perf_counter()
    seeds = np.random.SeedSequence(int(seed)).spawn(len(_STAGES))
    rngs = {stage: np.random.default_rng(s) for stage, s in zip(_STAGES, seeds, strict=True)}
    bank = _name_bank()
    pop = _population(int(n_children), rates, rngs["population"], bank)
    records = _journeys(pop, rates, rngs["journeys"])
    child_ids = _ids(_CHILD_ID_PREFIX, np.arange(1, pop.n + 1), max(6, len(str(pop.n))))
    lo = int(min(pop.dob.min(), pop.appr.min()) - 3 * 366)
    hi = int(max(r.event.max() for r in records.values() if len(r.event)) + 3 * 366)
    if len(records["eoir"].event):
        hi = max(hi, int(records["eoir"].extra["hearing"].max()) + 1)
    dates = _DateFormatter(lo, max(hi, int(pop.release.max()) + 1))
    sources: dict[str, pd.DataFrame] = {}
    truth_parts = []
    for source in SOURCES:
        frame, child = _render_source(
            source, records[source], pop, rates, rngs[source], bank, dates
        )
        sources[source] = frame
        truth_parts.append(
            pd.DataFrame(
                {
                    "source": pd.Series(np.full(len(frame), source, dtype=object), dtype=object),
                    "record_id": frame["record_id"],
                    "child_id": pd.Series(child_ids[child], dtype=object),
                }
            )
        )
        logger.debug("synthetic: %s rendered, %d records", source, len(frame))
    truth = pd.concat(truth_parts, ignore_index=True).astype(TRUTH_DTYPES)
    children = _children_frame(pop, child_ids, bank)
    data = SyntheticData(
        sources=sources, truth=truth, children=children, seed=int(seed), rates=rates
    )
    logger.info(
        "synthetic: %d children, %d records in %.2f s (seed %d)",
        pop.n,
        data.n_records,
        time.perf_counter() - started,
        seed,
    )
    return data


def write(data: SyntheticData, out_dir: str | Path, *, format: OutputFormat = "csv") -> Path:
    """Write the four sources and the two truth tables to ``out_dir``.

    Writes ``cbp``, ``ice``, ``hhs``, ``eoir``, ``truth_records`` and ``truth_children`` as
    ``.csv`` (UTF-8, header, blank for missing) or ``.parquet`` files. The folder is created.

    Args:
        data: What :func:`generate` returned.
        out_dir: The folder to write into.
        format: ``"csv"`` or ``"parquet"``.

    Returns:
        The folder, as a :class:`~pathlib.Path`.

    Raises:
        InputError: An unknown ``format``.
    """
    if format not in ("csv", "parquet"):
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"unknown format {format!r}",
                fix="use format='csv' or format='parquet'",
            )
        )
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {**data.sources, TRUTH_RECORDS_FILE: data.truth, TRUTH_CHILDREN_FILE: data.children}
    for name, frame in tables.items():
        path = folder / f"{name}.{format}"
        if format == "csv":
            _write_csv(frame, path)
        else:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    logger.info("synthetic: wrote %d tables to %s", len(tables), folder)
    return folder


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8 CSV with a header, blank for missing, dates as ``YYYY-MM-DD`` (Arrow's writer)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            text = frame[column].dt.strftime("%Y-%m-%d")
            frame[column] = text.astype(object).where(frame[column].notna(), None)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table, path, write_options=pa_csv.WriteOptions(quoting_style="needed"))


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    for ext in ("csv", "parquet"):
        path = folder / f"{name}.{ext}"
        if path.is_file():
            if ext == "csv":
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            else:
                frame = pq.read_table(path).to_pandas()
            return frame
    raise SourceError(
        Problem(
            source=name,
            column=None,
            message=f"no {name}.csv or {name}.parquet in {folder}",
            fix="point read_truth at a folder written by linkage.synthetic.write",
            kind="source",
        )
    )


def _as_objects(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    return values.where(values.notna(), None)


def read_truth(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read back the truth written by :func:`write`: ``(records, children)``.

    Args:
        folder: A folder holding ``truth_records`` and ``truth_children`` (``.csv`` or
            ``.parquet``).

    Returns:
        The record -> child table and the children table, with the dtypes of
        :attr:`SyntheticData.truth` and :attr:`SyntheticData.children`.

    Raises:
        SourceError: A truth file is missing.
    """
    path = Path(folder)
    records = _read_table(path, TRUTH_RECORDS_FILE)
    children = _read_table(path, TRUTH_CHILDREN_FILE)
    records = pd.DataFrame({c: _as_objects(records[c]) for c in TRUTH_DTYPES})
    out = {}
    for column, dtype in CHILDREN_DTYPES.items():
        values = children[column]
        if dtype == "object":
            out[column] = _as_objects(values)
        elif dtype == "bool":
            out[column] = (
                values.astype(str).str.lower().isin(["true", "1"])
                if values.dtype != bool
                else values
            )
        elif dtype.startswith("datetime"):
            out[column] = pd.to_datetime(values, format="ISO8601").astype(dtype)
        else:
            out[column] = pd.to_numeric(values).astype(dtype)
    return records, pd.DataFrame(out)
