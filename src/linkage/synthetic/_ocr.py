"""What a scanner misreads: letters and digits that look alike, in names and in A-numbers.

Names lose one character to a look-alike (O as 0, I as 1 or l, L as 1 or I, S as 5, B as 8) or
have "M" read as "RN" and "RN" as "M"; A-numbers have digits read as letters (0 as O, 1 as I or l,
5 as S, 8 as B). The strings are worked on as arrays of code points, a row per string, so no step
loops over records.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: A character of a name -> the characters a scanner reads it as.
NAME_CONFUSIONS: dict[str, str] = {
    "O": "0",
    "o": "0",
    "I": "1l",
    "i": "l1",
    "L": "1I",
    "l": "1I",
    "S": "5",
    "s": "5",
    "B": "8",
}
#: A digit of an A-number -> the letters a scanner reads it as.
A_NUMBER_CONFUSIONS: dict[str, str] = {"0": "O", "1": "Il", "5": "S", "8": "B"}
#: Share of misread names whose "M" becomes "RN" (or "RN" "M") when they have one.
_M_RN_SHARE = 0.2
#: Share of the other look-alike digits of a misread A-number that are misread too.
_MORE_DIGITS = 0.5

_KEEP, _SUBSTITUTE, _M_TO_RN, _RN_TO_M = range(4)


def _code_points(strings: np.ndarray) -> np.ndarray:
    """``(k, width)`` Unicode code points of ``k`` strings (0 past each string's end)."""
    fixed = np.asarray(strings.tolist(), dtype=str)
    width = max(fixed.dtype.itemsize // 4, 1)
    return np.ascontiguousarray(fixed).view(np.uint32).reshape(len(strings), width).copy()


def _strings(points: np.ndarray) -> np.ndarray:
    """The strings of a code-point matrix (trailing zeros dropped), as an object array."""
    width = points.shape[1]
    fixed = np.ascontiguousarray(points).view(f"<U{width}").ravel()
    return fixed.astype(object)


def _substitute(
    points: np.ndarray, chosen: np.ndarray, table: dict[str, str], rng: np.random.Generator
) -> np.ndarray:
    """Each chosen character replaced by one of its look-alikes in ``table``."""
    pick = rng.random(points.shape)
    out = points.copy()
    for char, looks in table.items():
        here = chosen & (points == ord(char))
        options = np.array([ord(c) for c in looks], dtype=np.uint32)
        out[here] = options[(pick[here] * len(options)).astype(np.int64)]
    return out


def misread_names(values: pa.Array, rows: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """``values`` with one misreading in each of ``rows`` (which hold a name).

    A look-alike character is replaced; or, in some names with one (and in names with no
    look-alike), the first "M" is read as "RN" or the first "RN" as "M" (lower case first).
    """
    if not len(rows):
        return values
    text = values.take(pa.array(rows))
    strings = text.to_numpy(zero_copy_only=False)
    points = _code_points(strings)
    lookalike = np.isin(points, [ord(c) for c in NAME_CONFUSIONS])
    has_m, has_rn = _contains(text, "[Mm]"), _contains(text, "RN|rn")
    t = rng.random(len(rows))
    kind = np.select(
        [has_m & (t < _M_RN_SHARE), has_rn & (t < 2 * _M_RN_SHARE), lookalike.any(axis=1)],
        [_M_TO_RN, _RN_TO_M, _SUBSTITUTE],
        np.select([has_m, has_rn], [_M_TO_RN, _RN_TO_M], _KEEP),
    )
    position = np.argmax(rng.random(points.shape) * lookalike, axis=1)
    chosen = np.zeros(points.shape, dtype=bool)
    chosen[np.arange(len(rows)), position] = kind == _SUBSTITUTE
    out = _strings(_substitute(points, chosen & lookalike, NAME_CONFUSIONS, rng))
    for code, lower, upper in (
        (_M_TO_RN, ("m", "rn"), ("M", "RN")),
        (_RN_TO_M, ("rn", "m"), ("RN", "M")),
    ):
        replaced = pc.if_else(
            pa.array(_contains(text, lower[0])),
            pc.replace_substring(text, *lower, max_replacements=1),
            pc.replace_substring(text, *upper, max_replacements=1),
        )
        out[kind == code] = replaced.to_numpy(zero_copy_only=False)[kind == code]
    written = values.to_numpy(zero_copy_only=False).astype(object)
    written[rows] = out
    return pa.array(written, type=pa.string())


def _contains(text: pa.Array, pattern: str) -> np.ndarray:
    """Whether each string holds a match of the regular expression ``pattern``."""
    found: np.ndarray = pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    return found.astype(bool)


def misread_a_numbers(values: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """A-numbers (``str`` or ``None``) with digits read as letters in some of them (``rate``).

    One look-alike digit of each misread number is always taken for a letter, each other one
    half the time.
    """
    u = rng.random(len(values))
    written = pa.array(values, type=pa.string()).is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(written & (u < rate))
    if not len(rows):
        return values
    points = _code_points(values[rows])
    lookalike = np.isin(points, [ord(c) for c in A_NUMBER_CONFUSIONS])
    sure = np.argmax(rng.random(points.shape) * lookalike, axis=1)
    chosen = lookalike & (rng.random(points.shape) < _MORE_DIGITS)
    chosen[np.arange(len(rows)), sure] |= lookalike[np.arange(len(rows)), sure]
    out = values.copy()
    out[rows] = _strings(_substitute(points, chosen, A_NUMBER_CONFUSIONS, rng))
    return out
