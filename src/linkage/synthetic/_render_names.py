"""Writing a child's name the way each source does, with its habits and errors.

CBP writes first, middle and last name in upper case; ICE one ``full_name``; HHS mixed case with
accents; the court upper case. Errors (a dropped maternal surname, swapped names, misspellings,
hyphens, stray spaces) are drawn per record at :class:`~linkage.synthetic.Rates` rates.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.synthetic._arrays import if_else, join_strings, string_array, take_codes, to_objects
from linkage.synthetic._name_bank import PORTUGUESE, NameBank
from linkage.synthetic._population import Population
from linkage.synthetic._rates import Rates


def render_names(
    source: str,
    child: np.ndarray,
    pop: Population,
    rates: Rates,
    rng: np.random.Generator,
    bank: NameBank,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    m = len(child)
    g1, g2 = pop.g1[child].copy(), pop.g2[child].copy()
    s1, s2 = pop.s1[child].copy(), pop.s2[child].copy()
    brazil = pop.style[child] == PORTUGUESE
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
    sep = take_codes(
        string_array([" ", "-", ""]),
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
        first = join_strings([take_codes(table, fa), take_codes(table, fb)])
        last = join_strings([take_codes(table, sa), take_codes(table, sb)], sep)
        return first, take_codes(table, mid), last

    if source == "hhs":
        f_acc, _, l_acc = parts(bank.display)
        f_asc, _, l_asc = parts(bank.title_ascii)
        first, last = if_else(accents, f_acc, f_asc), if_else(accents, l_acc, l_asc)
        out["first_name"], out["last_name"] = first, last
    elif source == "ice":
        first, middle, last = parts(bank.upper_ascii)
        ordered = join_strings([last, join_strings([first, middle])], ", ")
        t_first, t_middle, t_last = parts(bank.title_ascii)
        natural = join_strings([t_first, t_middle, t_last])
        out["full_name"] = if_else(rng.random(m) < rates.ice_first_last_order, natural, ordered)
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
        spaced = if_else(where == 0, lead, if_else(where == 1, trail, double))
        out[target] = if_else(stray, spaced, value)
    return {k: to_objects(v) for k, v in out.items()}, accents
