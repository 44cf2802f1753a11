"""Writing a child's name the way each source does, with its habits and errors.

CBP writes first, middle and last name in upper case; ICE one ``full_name``; HHS mixed case with
accents; the court upper case. Errors (a dropped maternal surname, swapped names, misspellings,
hyphens, stray spaces) are drawn per record at :class:`~linkage.synthetic.Rates` rates.

Until it is written, a record's name is five slots of name codes (first and second given name,
middle name, first and second surname; -1 for none), one row per record, with what each slot
holds (its role). The later habits (:mod:`linkage.synthetic._name_habits`: initials, nicknames,
words run together, OCR slips, fields cut short, ...) act on those slots and on the written
columns, each from a stream of its own.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.synthetic._arrays import if_else, join_strings, string_array, take_codes, to_objects
from linkage.synthetic._name_bank import PORTUGUESE, NameBank
from linkage.synthetic._name_habits import (
    GIVEN_1,
    GIVEN_2,
    MATERNAL,
    NONE,
    OTHER,
    PATERNAL,
    Name,
    misread,
    name_habits,
    truncated,
    whole_name_in_one_field,
)
from linkage.synthetic._population import Population
from linkage.synthetic._rates import Rates
from linkage.synthetic._streams import Streams

#: The five name slots as separate arrays.
_Slots = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def render_names(
    source: str,
    child: np.ndarray,
    pop: Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
    streams: Streams,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The name columns of ``source``'s records of ``child``.

    The first habits draw from ``rng`` in a fixed order; the later ones
    (:mod:`linkage.synthetic._name_habits`) each from their own stream of ``streams``.

    Returns:
        Column -> values (``str`` or ``None``), and per record whether the names keep their
        accents (some HHS records; the sponsor's name is written the same way).
    """
    m = len(child)
    slots, roles = _name_slots(source, child, pop, rates, rng, bank)
    slots = _misspell(slots, rates, rng, bank)
    sep = _surname_separators(m, rates, rng)
    accents = np.zeros(m, dtype=bool)
    if source == "hhs":
        accents = rng.random(m) >= rates.accents_lost_hhs
    name = name_habits(source, slots, roles, rates, streams, bank)
    out = _write_names(source, name, sep, accents, rates, rng, bank)
    out = whole_name_in_one_field(out, name.wrong_field)
    out = _stray_spaces(source, out, rates, rng)
    out = misread(out, rates.ocr_name, streams.rng("ocr_name"))
    out = truncated(source, out, rates.truncated, streams.rng("truncated"))
    return {k: to_objects(v) for k, v in out.items()}, accents


def _name_slots(
    source: str,
    child: np.ndarray,
    pop: Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
) -> tuple[np.ndarray, np.ndarray]:
    """The true name placed in the source's slots, with dropped, moved and swapped names.

    Returns:
        The five slots of each record, and what each slot holds (``_name_habits`` roles).
    """
    m = len(child)
    g1, g2 = pop.g1[child].copy(), pop.g2[child].copy()
    g2[(g2 >= 0) & (rng.random(m) < rates.given_dropped)] = -1
    sa, sb, maternal, in_middle, (ra, rb) = _written_surnames(source, child, pop, rates, rng)
    fa, fb, mid = _written_given_names(source, g1, g2, maternal, in_middle, rates, rng)
    r_fa, r_fb = np.full(m, GIVEN_1), np.full(m, GIVEN_2)
    r_mid = np.where(in_middle, MATERNAL, GIVEN_2)
    swap = rng.random(m) < rates.name_swapped
    fa, fb, sa, sb = (
        np.where(swap, sa, fa),
        np.where(swap, sb, fb),
        np.where(swap, fa, sa),
        np.where(swap, fb, sb),
    )
    r_fa, r_fb, ra, rb = (
        np.where(swap, ra, r_fa),
        np.where(swap, rb, r_fb),
        np.where(swap, r_fa, ra),
        np.where(swap, r_fb, rb),
    )
    single = pop.single[child]
    fa, fb, mid, sa, sb = _single_name_placeholders(single, g1, (fa, fb, mid, sa, sb), rng, bank)
    slots = np.stack([fa, fb, mid, sa, sb], axis=1).astype(np.int64)
    roles = np.stack([r_fa, r_fb, r_mid, ra, rb], axis=1)
    roles[single] = (OTHER, NONE, NONE, OTHER, NONE)
    return slots, np.where(slots >= 0, roles, NONE)


def _written_surnames(
    source: str, child: np.ndarray, pop: Population, rates: Rates, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The surname slots, with the maternal surname dropped or moved and Brazilian order flipped.

    The maternal surname may be dropped, or (CBP, ICE) moved to the middle name; a Brazilian
    child's surnames (mother's first) may be written in the Spanish order, father's first.

    Returns:
        The first and second surname written, the maternal surname, the records whose
        maternal surname goes in the middle name, and which surname (``PATERNAL`` or
        ``MATERNAL``) each of the two written is.
    """
    m = len(child)
    s1, s2 = pop.s1[child], pop.s2[child]
    brazil = pop.style[child] == PORTUGUESE
    two = (s1 >= 0) & (s2 >= 0)
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
    ra = np.where(moved | ~brazil, PATERNAL, MATERNAL)  # the first written surname
    rb = np.where(brazil, PATERNAL, MATERNAL)
    roles = (np.where(flip, rb, ra), np.where(flip, ra, rb))
    return np.where(flip, sb, sa), np.where(flip, sa, sb), maternal, in_middle, roles


def _written_given_names(
    source: str,
    g1: np.ndarray,
    g2: np.ndarray,
    maternal: np.ndarray,
    in_middle: np.ndarray,
    rates: Rates,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first name slots and the middle name.

    CBP writes the second given name as the middle name, unless both given names go in
    ``first_name``; CBP and ICE write a moved maternal surname as the middle name.
    """
    m = len(g1)
    if source == "cbp":
        in_first = in_middle | (rng.random(m) < rates.cbp_given_names_in_first)
        middle = np.where(in_middle, maternal, np.where(in_first, -1, g2))
        return g1, np.where(in_first, g2, -1), middle
    if source == "ice":
        return g1, g2, np.where(in_middle, maternal, -1)
    return g1, g2, np.full(m, -1)


def _single_name_placeholders(
    single: np.ndarray, g1: np.ndarray, slots: _Slots, rng: np.random.Generator, bank: NameBank
) -> _Slots:
    """A child known by one name: that name and LNU, or FNU and that name as the surname."""
    fa, fb, mid, sa, sb = slots
    fnu = rng.random(len(single)) < 0.5
    fa = np.where(single, np.where(fnu, bank.fnu, g1), fa)
    sa = np.where(single, np.where(fnu, g1, bank.lnu), sa)
    fb, mid, sb = (np.where(single, -1, x) for x in (fb, mid, sb))
    return fa, fb, mid, sa, sb


def _misspell(
    slots: np.ndarray, rates: Rates, rng: np.random.Generator, bank: NameBank
) -> np.ndarray:
    """Phonetic misspellings, then keyboard typos, each in one name of some records."""
    slots = slots.copy()
    m = len(slots)
    for kind, rate in (("phonetic", rates.phonetic), ("typo", rates.typo)):
        rows = np.flatnonzero(rng.random(m) < rate)
        valid = slots[rows] >= 0
        valid &= bank.spellable[np.where(valid, slots[rows], 0)]
        col = np.argmax(rng.random(valid.shape) * valid, axis=1)
        ok = valid[np.arange(len(rows)), col]
        rows, col = rows[ok], col[ok]
        slots[rows, col] = bank.variant(kind, slots[rows, col], rng)
    return slots


def _surname_separators(m: int, rates: Rates, rng: np.random.Generator) -> pa.Array:
    """What joins two surnames: a space, a hyphen ("LOPEZ-CHUB") or nothing ("LOPEZCHUB")."""
    j = rng.random(m)
    return take_codes(
        string_array([" ", "-", ""]),
        np.where(
            j < rates.surname_hyphenated,
            1,
            np.where(j < rates.surname_hyphenated + rates.surname_joined, 2, 0),
        ),
    )


def _write_names(
    source: str,
    name: Name,
    sep: pa.Array,
    accents: np.ndarray,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
) -> dict[str, pa.Array]:
    """The slots written as the source's name columns, in its case and with or without accents."""
    fa, fb, fc, mid, sa, sb = name.slots.T
    given_sep = take_codes(string_array([" ", ""]), name.given_joined.astype(np.int64))

    def parts(table: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
        given = join_strings([take_codes(table, fa), take_codes(table, fb)], given_sep)
        first = join_strings([given, take_codes(table, fc)])
        last = join_strings([take_codes(table, sa), take_codes(table, sb)], sep)
        return first, take_codes(table, mid), last

    if source == "hhs":
        f_acc, _, l_acc = parts(bank.display)
        f_asc, _, l_asc = parts(bank.title_ascii)
        return {
            "first_name": if_else(accents, f_acc, f_asc),
            "last_name": if_else(accents, l_acc, l_asc),
        }
    if source == "ice":
        first, middle, last = parts(bank.upper_ascii)
        ordered = join_strings([last, join_strings([first, middle])], ", ")
        t_first, t_middle, t_last = parts(bank.title_ascii)
        natural = join_strings([t_first, t_middle, t_last])
        m = len(name.slots)
        return {"full_name": if_else(rng.random(m) < rates.ice_first_last_order, natural, ordered)}
    first, middle, last = parts(bank.upper_ascii)
    out = {"first_name": first, "last_name": last}
    if source == "cbp":
        out["middle_name"] = middle
    return out


def _stray_spaces(
    source: str, out: dict[str, pa.Array], rates: Rates, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """A leading, trailing or doubled space in the last name (the full name for ICE)."""
    target = "full_name" if source == "ice" else "last_name"
    value = out[target]
    m = len(value)
    stray = rng.random(m) < rates.stray_space
    if not stray.any():
        return out
    where = rng.integers(0, 3, m)
    lead = pc.binary_join_element_wise("", value, " ")
    trail = pc.binary_join_element_wise(value, "", " ")
    double = pc.replace_substring(value, " ", "  ", max_replacements=1)
    spaced = if_else(where == 0, lead, if_else(where == 1, trail, double))
    return {**out, target: if_else(stray, spaced, value)}
