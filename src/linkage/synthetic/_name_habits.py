"""Name habits of real extracts: initials, nicknames, reordered and moved names, run-together and
split words, transliterations, names in the wrong field, OCR slips and fields cut short.

They act on a record's name after the first habits (:mod:`linkage.synthetic._render_names`): on
its slots of name codes, which know what each slot holds (``roles``), and then on the written
columns. Each habit draws from a stream of its own (:class:`~linkage.synthetic._streams.Streams`),
the same number of draws whatever the rates: at rate 0 a habit changes nothing, and raising one
changes only the records it touches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linkage.synthetic._arrays import draw_categorical, if_else, join_strings
from linkage.synthetic._name_bank import NameBank
from linkage.synthetic._ocr import misread_names
from linkage.synthetic._rates import Rates
from linkage.synthetic._streams import Streams

#: What a name slot holds: nothing, the first or second given name, the paternal or maternal
#: surname, or something else (a single name, FNU / LNU).
NONE, GIVEN_1, GIVEN_2, PATERNAL, MATERNAL, OTHER = range(6)
#: The slots of a record's name: first and second given name and an extra word of the first
#: name, the middle name, the first and second surname written.
FA, FB, FC, MID, SA, SB = range(6)
#: Fixed length of each name field, per source (``Rates.truncated``).
FIELD_LENGTHS: dict[str, dict[str, int]] = {
    "cbp": {"first_name": 15, "middle_name": 15, "last_name": 20},
    "ice": {"full_name": 25},
    "hhs": {"first_name": 20, "last_name": 20},
    "eoir": {"first_name": 15, "last_name": 20},
}
#: Shares of the ways a name lands in the wrong field, per source: (the whole name in
#: ``first_name``, the whole name in ``last_name``, the first surname in ``middle_name``).
WRONG_FIELD_KINDS: dict[str, tuple[float, float, float]] = {
    "cbp": (0.4, 0.2, 0.4),
    "hhs": (0.67, 0.33, 0.0),
    "eoir": (0.67, 0.33, 0.0),
}
ALL_IN_FIRST, ALL_IN_LAST, SURNAME_IN_MIDDLE = range(3)
_DOTTED = 1 / 3  # share of initials written with a dot


@dataclass
class Name:
    """A record's name between the habits: six slots of codes (-1 for none) and their roles.

    Attributes:
        slots: ``(m, 6)`` name codes in the order ``FA, FB, FC, MID, SA, SB``.
        roles: ``(m, 6)`` what each slot holds (``GIVEN_1``, ``PATERNAL``, ...).
        given_joined: Records whose given names are written without a space between them.
        wrong_field: ``ALL_IN_FIRST`` or ``ALL_IN_LAST`` for records whose whole name goes in
            one field, else -1.
    """

    slots: np.ndarray
    roles: np.ndarray
    given_joined: np.ndarray
    wrong_field: np.ndarray

    def find(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """Per record, whether a slot holds ``role`` and which (the first one)."""
        is_role = self.roles == role
        return is_role.any(axis=1), np.argmax(is_role, axis=1)

    def move(self, rows: np.ndarray, src: np.ndarray | int, dst: np.ndarray | int) -> None:
        """Move the names of ``rows`` from slot ``src`` to slot ``dst``, leaving ``src`` empty."""
        self.slots[rows, dst] = self.slots[rows, src]
        self.roles[rows, dst] = self.roles[rows, src]
        self.slots[rows, src] = -1
        self.roles[rows, src] = NONE


def name_habits(
    source: str,
    slots: np.ndarray,
    roles: np.ndarray,
    rates: Rates,
    streams: Streams,
    bank: NameBank,
) -> Name:
    """The habits that change which names are written where, and how each is spelled.

    Args:
        slots: ``(m, 5)`` name codes: first and second given name, middle name, surnames.
        roles: What each of those slots holds.
        streams: This source's streams (one per habit).

    Returns:
        The name in six slots (an extra word of the first name added) with the habits applied.
    """
    m = len(slots)
    extra = np.full((m, 1), -1, dtype=np.int64)
    name = Name(
        slots=np.hstack([slots[:, :2], extra, slots[:, 2:]]),
        roles=np.hstack([roles[:, :2], np.full((m, 1), NONE), roles[:, 2:]]),
        given_joined=np.zeros(m, dtype=bool),
        wrong_field=np.full(m, -1, dtype=np.int64),
    )
    _reduced_to_second(name, rates.given_reduced_to_second, streams.rng("given_reduced_to_second"))
    _reordered(name, rates.given_reordered, streams.rng("given_reordered"))
    _nickname(name, rates.nickname, streams.rng("nickname"), bank)
    _initial(name, rates.given_initial, streams.rng("given_initial"), bank)
    _maternal_in_given(name, rates.maternal_in_given, streams.rng("maternal_in_given"))
    _wrong_field(source, name, rates.wrong_field, streams.rng("wrong_field"))
    _split(name, rates.tokens_split, streams.rng("tokens_split"), bank)
    _joined(name, rates.tokens_joined, streams.rng("tokens_joined"), bank)
    _transliterated(name, rates.transliteration, streams.rng("transliteration"), bank)
    return name


def _reduced_to_second(name: Name, rate: float, rng: np.random.Generator) -> None:
    """Only the second given name written, in the place of the first: "JOSE" for "MARIA JOSE"."""
    u = rng.random(len(name.slots))
    has_1, at_1 = name.find(GIVEN_1)
    has_2, at_2 = name.find(GIVEN_2)
    rows = np.flatnonzero(has_1 & has_2 & (u < rate))
    name.slots[rows, at_1[rows]] = name.slots[rows, at_2[rows]]
    name.slots[rows, at_2[rows]] = -1
    name.roles[rows, at_2[rows]] = NONE


def _reordered(name: Name, rate: float, rng: np.random.Generator) -> None:
    """The two given names swapped: "JOSE MARIA" for "MARIA JOSE" (roles stay with the places)."""
    u = rng.random(len(name.slots))
    has_1, at_1 = name.find(GIVEN_1)
    has_2, at_2 = name.find(GIVEN_2)
    rows = np.flatnonzero(has_1 & has_2 & (u < rate))
    first, second = name.slots[rows, at_1[rows]], name.slots[rows, at_2[rows]]
    name.slots[rows, at_1[rows]], name.slots[rows, at_2[rows]] = second, first


def _nickname(name: Name, rate: float, rng: np.random.Generator, bank: NameBank) -> None:
    """The given names written as one nickname: the second name's when it has one ("LUPE" for
    María Guadalupe, "TONO" for José Antonio), else the first's ("CHEPE" for José)."""
    m = len(name.slots)
    u, pick = rng.random(m), rng.random(m)
    rows = np.arange(m)
    has_1, at_1 = name.find(GIVEN_1)
    has_2, at_2 = name.find(GIVEN_2)
    ok_1 = has_1 & bank.has_form("nickname", name.slots[rows, at_1])
    ok_2 = has_2 & bank.has_form("nickname", name.slots[rows, at_2])
    hit = np.flatnonzero((ok_1 | ok_2) & (u < rate))
    source = np.where(ok_2, at_2, at_1)[hit]
    nick = bank.form("nickname", name.slots[hit, source], pick[hit])
    name.slots[hit, at_1[hit]] = nick
    two = hit[has_2[hit]]
    name.slots[two, at_2[two]] = -1
    name.roles[two, at_2[two]] = NONE


def _initial(name: Name, rate: float, rng: np.random.Generator, bank: NameBank) -> None:
    """The second given name kept as its initial, "JUAN C" (a third of the time "JUAN C.")."""
    m = len(name.slots)
    u, dot = rng.random(m), rng.random(m) < _DOTTED
    has_2, at_2 = name.find(GIVEN_2)
    hit = np.flatnonzero(has_2 & (u < rate))
    codes = name.slots[hit, at_2[hit]]
    plain = bank.form("initial", codes, np.zeros(len(hit)))
    dotted = bank.form("initial_dot", codes, np.zeros(len(hit)))
    name.slots[hit, at_2[hit]] = np.where(dot[hit], dotted, plain)


def _maternal_in_given(name: Name, rate: float, rng: np.random.Generator) -> None:
    """The maternal surname appended to the given names: "MARIA JOSE CHUB" / "LOPEZ".

    Only where both surnames are written in the surname slots and the given names in theirs; a
    CBP second given name in the middle name moves to the first name with it.
    """
    u = rng.random(len(name.slots))
    has_1, at_1 = name.find(GIVEN_1)
    has_mat, at_mat = name.find(MATERNAL)
    both = (name.slots[:, SA] >= 0) & (name.slots[:, SB] >= 0)
    ok = has_1 & (at_1 == FA) & has_mat & (at_mat >= SA) & both
    rows = np.flatnonzero(ok & (u < rate))
    name.move(rows, at_mat[rows], FC)
    first = rows[at_mat[rows] == SA]  # the maternal surname was written first (Brazilian)
    name.move(first, SB, SA)
    in_middle = rows[(name.roles[rows, MID] == GIVEN_2) & (name.slots[rows, FB] < 0)]
    name.move(in_middle, MID, FB)


def _wrong_field(source: str, name: Name, rate: float, rng: np.random.Generator) -> None:
    """A name in the wrong field: the whole name in one field, or (CBP) a surname as middle name.

    The whole-name kinds are marked for the writer (``Name.wrong_field``); the CBP kind moves the
    first surname to the middle name (only with two surnames and no maternal surname there).
    """
    m = len(name.slots)
    u = rng.random(m)
    shares = WRONG_FIELD_KINDS.get(source)
    kind = draw_categorical(rng, shares or (1.0,), m)
    if shares is None:
        return  # ICE writes one full name: there is no wrong field
    hit = (u < rate) & (name.slots >= 0).any(axis=1)
    both = (name.slots[:, SA] >= 0) & (name.slots[:, SB] >= 0)
    free = (name.roles[:, MID] == NONE) | (
        (name.roles[:, MID] == GIVEN_2) & (name.slots[:, FB] < 0)
    )
    to_middle = hit & (kind == SURNAME_IN_MIDDLE) & both & free
    rows = np.flatnonzero(to_middle & (name.roles[:, MID] == GIVEN_2))
    name.move(rows, MID, FB)
    rows = np.flatnonzero(to_middle)
    name.move(rows, SA, MID)
    name.move(rows, SB, SA)
    whole = hit & ~to_middle
    name.wrong_field[whole] = np.where(kind[whole] == ALL_IN_LAST, ALL_IN_LAST, ALL_IN_FIRST)


def _split(name: Name, rate: float, rng: np.random.Generator, bank: NameBank) -> None:
    """A compound-looking surname written as two words: "VILLA NUEVA", "JEAN BAPTISTE"."""
    _one_slot_form(name, "split", rate, rng, bank)


def _transliterated(name: Name, rate: float, rng: np.random.Generator, bank: NameBank) -> None:
    """One name in another orthography: Ñ as NI/NY/GN, Mayan x/sh/j, Indian ee/i."""
    _one_slot_form(name, "transliteration", rate, rng, bank)


def _one_slot_form(
    name: Name, kind: str, rate: float, rng: np.random.Generator, bank: NameBank
) -> None:
    """In some records with a name that has a form of ``kind``, one such name in that form."""
    m = len(name.slots)
    u, which, pick = rng.random(m), rng.random((m, name.slots.shape[1])), rng.random(m)
    valid = bank.has_form(kind, name.slots)
    col = np.argmax(which * valid, axis=1)
    rows = np.flatnonzero(valid.any(axis=1) & (u < rate))
    name.slots[rows, col[rows]] = bank.form(kind, name.slots[rows, col[rows]], pick[rows])


def _joined(name: Name, rate: float, rng: np.random.Generator, bank: NameBank) -> None:
    """Name words run together: the given names ("MARIAJOSE") and particles ("DELACRUZ")."""
    u = rng.random(len(name.slots))
    has_form = bank.has_form("joined", name.slots)
    two_given = (name.slots[:, FA] >= 0) & (name.slots[:, FB] >= 0)
    two_given &= np.isin(name.roles[:, FA], (GIVEN_1, GIVEN_2))
    hit = (has_form.any(axis=1) | two_given) & (u < rate)
    name.given_joined |= hit & two_given
    rows, cols = np.nonzero(has_form & hit[:, None])
    name.slots[rows, cols] = bank.form("joined", name.slots[rows, cols], np.zeros(len(rows)))


# -- on the written columns ----------------------------------------------------------------------


def whole_name_in_one_field(
    out: dict[str, pa.Array], wrong_field: np.ndarray
) -> dict[str, pa.Array]:
    """The whole name ("MARIA JOSE LOPEZ CHUB") in ``first_name`` or ``last_name``, the rest
    empty, for the records marked so."""
    if "first_name" not in out or not (wrong_field >= 0).any():
        return out
    m = len(wrong_field)
    parts = [out["first_name"], *([out["middle_name"]] if "middle_name" in out else [])]
    whole = join_strings([*parts, out["last_name"]])
    empty = pa.nulls(m, pa.string())
    first, last = wrong_field == ALL_IN_FIRST, wrong_field == ALL_IN_LAST
    moved = {
        "first_name": if_else(first, whole, if_else(last, empty, out["first_name"])),
        "last_name": if_else(last, whole, if_else(first, empty, out["last_name"])),
    }
    if "middle_name" in out:
        moved["middle_name"] = if_else(first | last, empty, out["middle_name"])
    return {**out, **moved}


def misread(out: dict[str, pa.Array], rate: float, rng: np.random.Generator) -> dict[str, pa.Array]:
    """One character of one name field misread by a scanner, in some records (``ocr_name``)."""
    columns = list(out)
    m = len(out[columns[0]])
    u, which = rng.random(m), rng.random((m, len(columns)))
    written = np.stack([out[c].is_valid().to_numpy(zero_copy_only=False) for c in columns], axis=1)
    col = np.argmax(which * written, axis=1)
    hit = written.any(axis=1) & (u < rate)
    changed = dict(out)
    for i, column in enumerate(columns):
        rows = np.flatnonzero(hit & (col == i))
        changed[column] = misread_names(out[column], rows, rng)
    return changed


def truncated(
    source: str, out: dict[str, pa.Array], rate: float, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """Name fields cut at the source's field length (``FIELD_LENGTHS``) in some records, trailing
    spaces dropped; a record drawn has each of its fields that is longer cut."""
    m = len(next(iter(out.values())))
    cut = rng.random(m) < rate
    changed = dict(out)
    for column, length in FIELD_LENGTHS[source].items():
        value = out[column]
        longer = pc.fill_null(pc.greater(pc.utf8_length(value), length), False)
        short = pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(value, 0, length))
        changed[column] = if_else(cut & longer.to_numpy(zero_copy_only=False), short, value)
    return changed
