"""Rendering: one source's records as its extract, in the standard input layout.

:func:`render_source` puts the records in event order, numbers them, and writes each field the way
the source does (its date format, A-number, sex and country forms), with its errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from linkage.schema import COMMON_COLUMNS, SOURCE_COLUMNS, SOURCE_DATE_FORMAT, SOURCES
from linkage.synthetic._arrays import (
    draw_categorical,
    if_else,
    join_strings,
    take_codes,
    to_objects,
    zero_padded,
)
from linkage.synthetic._calendar import DateFormatter, from_year_month_day, year_month_day
from linkage.synthetic._journeys import Records
from linkage.synthetic._name_bank import NameBank
from linkage.synthetic._ocr import misread_a_numbers
from linkage.synthetic._places import country_forms, draw_addresses, format_address, geography
from linkage.synthetic._population import Population
from linkage.synthetic._rates import Rates
from linkage.synthetic._render_names import render_names
from linkage.synthetic._streams import Streams

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


def render_source(
    source: str,
    recs: Records,
    pop: Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
    dates: DateFormatter,
    streams: Streams,
) -> tuple[pd.DataFrame, Records]:
    """``source``'s extract of the records ``recs``, in the standard input layout.

    Args:
        rng: The source's stream: the first habits draw from it in turn.
        streams: The source's streams of the later habits, one per habit.

    Returns:
        The extract (every value ``str`` or ``None``) and its records in the same order.
    """
    recs = _in_event_order(recs, rng)
    child, fmt = recs.child, SOURCE_DATE_FORMAT[source]
    columns: dict[str, Any] = {"record_id": _record_ids(source, len(child))}
    names, accents = render_names(source, child, pop, rates, rng, bank, streams)
    columns.update(names)
    a_numbers = _render_a_numbers(source, child, pop, rates, rng, streams)
    columns["a_number"] = misread_a_numbers(
        a_numbers, rates.ocr_a_number, streams.rng("ocr_a_number")
    )
    dob, dob_missing = _render_dob(child, pop, rates, rng)
    dob = _mistype_dob(dob, rates.dob_typo, streams.rng("dob_typo"))
    columns["dob"] = dates(dob, fmt, dob_missing)
    columns["sex"] = _render_sex(source, child, pop, rates, rng)
    columns["country"] = _render_country(source, child, pop, rates, rng)
    columns["event_date"] = dates(recs.event, fmt)
    if source == "ice":
        columns["nta_issued_date"] = dates(recs.extra["nta"], fmt, ~recs.extra["nta_ok"])
    elif source == "hhs":
        columns.update(_hhs_columns(recs, accents, pop, rng, bank, dates))
    elif source == "eoir":
        columns.update(_eoir_columns(recs, pop, rng, dates))
    frame = pd.DataFrame({c: pd.Series(columns[c], dtype=object) for c in LAYOUT[source]})
    return frame, recs


def in_event_order(
    source: str, frames: list[tuple[pd.DataFrame, Records]]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Extracts of one source rendered apart, as one, in event order and numbered again.

    Records of the same day keep the order of ``frames``.

    Returns:
        The extract and the child behind each of its rows.
    """
    if len(frames) == 1:
        frame, recs = frames[0]
        return frame, recs.child
    event = np.concatenate([recs.event for _, recs in frames])
    order = np.argsort(event, kind="stable")
    frame = pd.concat([f for f, _ in frames], ignore_index=True).iloc[order]
    frame = frame.reset_index(drop=True)
    frame["record_id"] = pd.Series(_record_ids(source, len(frame)), dtype=object)
    return frame, np.concatenate([recs.child for _, recs in frames])[order]


def _in_event_order(recs: Records, rng: np.random.Generator) -> Records:
    """The records in event order, ties at random: a record_id says nothing about the child."""
    order = np.lexsort((rng.random(len(recs.child)), recs.event))
    extra = {k: v[order] for k, v in recs.extra.items()}
    return Records(recs.child[order], recs.seq[order], recs.event[order], extra)


def _record_ids(source: str, m: int) -> np.ndarray:
    """``CBP-000001``, ``CBP-000002``, ... for ``m`` records."""
    width = max(6, len(str(m)))
    numbers = zero_padded(np.arange(1, m + 1), width)
    return to_objects(pc.binary_join_element_wise(RECORD_ID_PREFIX[source], numbers, "-"))


def _render_a_numbers(
    source: str,
    child: np.ndarray,
    pop: Population,
    rates: Rates,
    rng: np.random.Generator,
    streams: Streams,
) -> np.ndarray:
    """A-numbers in the source's forms, with clerical errors, sometimes blank.

    The court and some HHS records carry a child's later number; a clerical error puts a
    sibling's or another child's number, or mistypes one.
    """
    m = len(child)
    a2 = pop.a2[child]
    later = {"eoir": a2 >= 0, "hhs": pop.hhs_uses_a2[child]}.get(source, np.zeros(m, dtype=bool))
    value = np.where(later & (a2 >= 0), a2, pop.a1[child])
    value = _siblings_numbers(
        value, child, pop, rates.a_number_sibling, streams.rng("a_number_sibling")
    )
    dup = rng.random(m) < rates.a_number_duplicate
    value[dup] = pop.a1[rng.integers(0, pop.n, int(dup.sum()))]
    typo = np.flatnonzero(rng.random(m) < rates.a_number_typo)
    if len(typo):
        value[typo] = _mistyped(value[typo], rng)
    forms = a_number_forms(value)
    names = list(A_NUMBER_FORMATS[source])
    pick = draw_categorical(rng, list(A_NUMBER_FORMATS[source].values()), m)
    out = forms[names[0]]
    for i, name in enumerate(names[1:], 1):
        out = if_else(pick == i, forms[name], out)
    missing = rng.random(m) < getattr(rates, f"a_number_missing_{source}")
    out = if_else(missing, pa.nulls(m, pa.string()), out)
    return to_objects(out)


def _siblings_numbers(
    value: np.ndarray, child: np.ndarray, pop: Population, rate: float, rng: np.random.Generator
) -> np.ndarray:
    """Some records of children with siblings carry a sibling's (first) A-number instead."""
    u, pick = rng.random(len(child)), rng.random(len(child))
    size = pop.unit_size[pop.unit[child]]
    rows = np.flatnonzero((size > 1) & (u < rate))
    if not len(rows):
        return value
    c = child[rows]
    first = c - pop.pos[c]  # siblings are numbered together, eldest in the unit first
    other = (pop.pos[c] + 1 + (pick[rows] * (size[rows] - 1)).astype(np.int64)) % size[rows]
    value = value.copy()
    value[rows] = pop.a1[first + other]
    return value


def _mistyped(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each 9-digit number with two adjacent digits transposed, or else one digit changed."""
    k = len(values)
    digits = (values[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    p = rng.integers(0, 8, k)
    rows = np.arange(k)
    transpose = (rng.random(k) < 0.5) & (digits[rows, p] != digits[rows, p + 1])
    a, b = digits[rows, p].copy(), digits[rows, p + 1].copy()
    digits[rows[transpose], p[transpose]] = b[transpose]
    digits[rows[transpose], p[transpose] + 1] = a[transpose]
    change = ~transpose
    q = rng.integers(0, 9, k)
    digits[rows[change], q[change]] = (
        digits[rows[change], q[change]] + rng.integers(1, 10, int(change.sum()))
    ) % 10
    mistyped: np.ndarray = (digits * 10 ** np.arange(8, -1, -1)).sum(axis=1)
    return mistyped


def a_number_forms(value: np.ndarray) -> dict[str, pa.Array]:
    """Every way an A-number is written (the keys of ``A_NUMBER_FORMATS``)."""
    nine = zero_padded(value, 9)
    bare = pc.utf8_ltrim(nine, characters="0")
    dashed = join_strings(
        [
            pc.utf8_slice_codeunits(nine, 0, 3),
            pc.utf8_slice_codeunits(nine, 3, 6),
            pc.utf8_slice_codeunits(nine, 6, 9),
        ],
        "-",
    )
    return {
        "9": nine,
        "A+9": pc.binary_join_element_wise("A", nine, ""),
        "3-3-3": dashed,
        "A+3-3-3": pc.binary_join_element_wise("A", dashed, ""),
        "A+digits": pc.binary_join_element_wise("A", bare, ""),
        "digits-dashed": pc.utf8_ltrim(pc.utf8_ltrim(dashed, characters="0"), characters="-"),
    }


def _render_dob(
    child: np.ndarray, pop: Population, rates: Rates, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Dates of birth as recorded, and which records leave the dob blank.

    Age determination shifts the year; day and month get swapped; 1 January stands in.
    """
    m = len(child)
    y, mo, d = year_month_day(pop.dob[child])
    shift = rng.random(m) < rates.dob_year_shift
    y = y + np.where(shift, rng.choice(np.array([-2, -1, 1, 2]), m), 0)
    swap = (rng.random(m) < rates.dob_day_month_swap) & (d <= 12) & (d != mo)
    mo, d = np.where(swap, d, mo), np.where(swap, mo, d)
    placeholder = rng.random(m) < rates.dob_placeholder
    mo, d = np.where(placeholder, 1, mo), np.where(placeholder, 1, d)
    missing = rng.random(m) < rates.dob_missing
    return from_year_month_day(y, mo, d), missing


def _mistype_dob(dob: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Dates of birth with one digit mistyped at ``rate``: the last digit of the day or of the
    month typed as another digit, or that of the year as its neighbour on the keyboard (a valid
    date, within the dates of birth there are)."""
    if rate <= 0 or len(dob) == 0:
        return dob
    y, mo, d = year_month_day(dob)
    typed = rng.random(len(dob)) < rate
    part = rng.integers(0, 3, len(dob))  # 0 day, 1 month, 2 year
    digit = rng.integers(0, 10, len(dob))
    step = rng.choice(np.array([-1, 1]), len(dob))
    d = np.where(typed & (part == 0), np.clip((d // 10) * 10 + digit, 1, 28), d)
    mo = np.where(typed & (part == 1), np.clip((mo // 10) * 10 + digit, 1, 12), mo)
    y = np.where(typed & (part == 2), y + step, y)
    out = from_year_month_day(y, mo, d)
    inside = (out >= dob.min()) & (out <= dob.max())
    return np.where(inside, out, dob)


def _render_sex(
    source: str, child: np.ndarray, pop: Population, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    """Sex, sometimes wrong or blank, in the source's labels."""
    m = len(child)
    sex = pop.sex[child].copy()
    wrong = rng.random(m) < rates.sex_wrong
    sex[wrong] = 1 - sex[wrong]
    sex[rng.random(m) < rates.sex_missing] = 2
    variants = SEX_FORMS[source]
    pick = draw_categorical(rng, [p for _, p in variants], m)
    out = np.empty(m, dtype=object)
    for i, (labels, _) in enumerate(variants):
        sel = pick == i
        out[sel] = np.asarray(labels, dtype=object)[sex[sel]]
    return out


def _render_country(
    source: str, child: np.ndarray, pop: Population, rates: Rates, rng: np.random.Generator
) -> np.ndarray:
    """Countries in the source's forms, sometimes blank."""
    m = len(child)
    tables = country_forms()
    names = list(COUNTRY_FORMS[source])
    pick = draw_categorical(rng, list(COUNTRY_FORMS[source].values()), m)
    codes = pop.country[child]
    out = take_codes(tables[names[0]], codes)
    for i, name in enumerate(names[1:], 1):
        out = if_else(pick == i, take_codes(tables[name], codes), out)
    out = if_else(rng.random(m) < rates.country_missing, pa.nulls(m, pa.string()), out)
    return to_objects(out)


def _hhs_columns(
    recs: Records,
    accents: np.ndarray,
    pop: Population,
    rng: np.random.Generator,
    bank: NameBank,
    dates: DateFormatter,
) -> dict[str, np.ndarray]:
    """The release date and the sponsor's name, address and ZIP.

    The sponsor's fields are blank until the sponsor is known; the name keeps its accents where
    the child's does.
    """
    child, m = recs.child, len(recs.child)
    missing = ~recs.extra["sponsor_ok"]

    def unless_missing(values: pa.Array) -> np.ndarray:
        return to_objects(if_else(missing, pa.nulls(m, pa.string()), values))

    sp = pop.sponsor_name
    cols = [sp["g1"][child], sp["g2"][child], sp["s1"][child], sp["s2"][child]]
    with_acc = join_strings([take_codes(bank.display, c) for c in cols])
    without = join_strings([take_codes(bank.title_ascii, c) for c in cols])
    parts = {k: v[child] for k, v in pop.address.items()}
    address = format_address(parts, upper=False, long_suffix=np.zeros(m, dtype=bool))
    zip5 = zero_padded(parts["zip"], 5)
    plus4 = join_strings([zip5, pa.array(parts["plus4"]).cast(pa.string())], "-")
    zips = if_else(rng.random(m) < 0.10, plus4, zip5)
    fmt = SOURCE_DATE_FORMAT["hhs"]
    return {
        "release_date": dates(recs.extra["release"], fmt, ~recs.extra["release_ok"]),
        "sponsor_name": unless_missing(if_else(accents, with_acc, without)),
        "sponsor_address": unless_missing(address),
        "sponsor_zip": unless_missing(zips),
    }


def _eoir_columns(
    recs: Records, pop: Population, rng: np.random.Generator, dates: DateFormatter
) -> dict[str, np.ndarray]:
    """The latest hearing date, the in-absentia flag and the child's address and ZIP."""
    parts = _court_address(recs, pop, rng)
    long_suffix = rng.random(len(recs.child)) < 0.5
    fmt = SOURCE_DATE_FORMAT["eoir"]
    return {
        "hearing_date": dates(recs.extra["hearing"], fmt),
        "absentia": np.where(recs.extra["absentia"], "Y", "N").astype(object),
        "address": to_objects(format_address(parts, upper=True, long_suffix=long_suffix)),
        "zip": to_objects(zero_padded(parts["zip"], 5)),
    }


def _court_address(
    recs: Records, pop: Population, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The sponsor's address, or a new one where the record says the child moved.

    A move stays in the sponsor's state; a change of venue (a second record) may go anywhere;
    a child never handed to HHS lives in a state drawn like the sponsors'.
    """
    child, seq, m = recs.child, recs.seq, len(recs.child)
    state_p = geography()["state_probs"].sum(axis=0)
    state = np.where(pop.state[child] >= 0, pop.state[child], draw_categorical(rng, state_p, m))
    state = np.where((seq == 1) & (rng.random(m) < 0.5), draw_categorical(rng, state_p, m), state)
    fresh = draw_addresses(rng, state)
    own = recs.extra["own_address"]
    return {k: np.where(own, fresh[k], v[child]) for k, v in pop.address.items()}
