"""Nicknames and short forms of given names, common in Central America ("Chepe" for José).

The table is ``linkage/data/nicknames.csv``: one ``nickname,name`` pair per row, written with
accents and in title case; a nickname may stand for several names ("Beto": Alberto, Roberto,
Gilberto) and a name have several nicknames. The synthetic generator writes these nicknames
(``Rates.nickname``); linking may read the same table.

Example:
    >>> sorted(nicknames()["CHEPE"])
    ['JOSE']
    >>> sorted(nicknames()["BETO"])
    ['ALBERTO', 'GILBERTO', 'ROBERTO']
    >>> ("Toño", "Antonio") in nickname_pairs()
    True
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import lru_cache
from importlib import resources

__all__ = ["nickname_pairs", "nicknames"]

_TABLE = "data/nicknames.csv"


def _folded(name: str) -> str:
    """Upper case without accents, as normalisation writes a name token ("Toño" -> "TONO")."""
    text = unicodedata.normalize("NFKD", name)
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


@lru_cache(maxsize=1)
def nickname_pairs() -> tuple[tuple[str, str], ...]:
    """Every ``(nickname, name)`` pair of the table, as written there ("Toño", "Antonio")."""
    text = resources.files("linkage").joinpath(_TABLE).read_text(encoding="utf-8")
    return tuple((row["nickname"], row["name"]) for row in csv.DictReader(io.StringIO(text)))


def nicknames() -> dict[str, frozenset[str]]:
    """Each nickname -> the given names it stands for, upper case without accents.

    Returns:
        A new dict on every call, e.g. ``{"CHEPE": frozenset({"JOSE"}), "TONO":
        frozenset({"ANTONIO"}), ...}``.
    """
    out: dict[str, set[str]] = {}
    for nickname, name in nickname_pairs():
        out.setdefault(_folded(nickname), set()).add(_folded(name))
    return {nickname: frozenset(names) for nickname, names in out.items()}
