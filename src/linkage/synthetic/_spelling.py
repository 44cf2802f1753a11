"""Misspellings of a name: Spanish phonetic confusions and keyboard typos.

The name bank (:mod:`linkage.synthetic._name_bank`) keeps, for every name, the variants these
functions find; rendering picks one when a record carries a misspelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

import numpy as np

_PARTICLES = frozenset({"de", "del", "la", "las", "los", "da", "do", "dos", "das", "y"})

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


def keyboard_neighbours() -> dict[str, str]:
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


def without_accents(text: str) -> str:
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


def phonetic_variants(name: str) -> list[str]:
    lower = name.lower()
    found = []
    for pattern, repl in PHONETIC_RULES:
        variant = re.sub(pattern, repl, lower, count=1)
        if variant != lower and len(variant.replace(" ", "")) >= 2:
            found.append(_display(variant, name))
    return sorted(set(found) - {name})


def typo_variants(name: str, rng: np.random.Generator, near: Mapping[str, str]) -> list[str]:
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
            keys = near.get(without_accents(chars[p]), "")
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
