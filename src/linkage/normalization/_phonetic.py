"""Spanish-aware phonetic keys for name tokens.

Clerks who hear a Spanish name write it the way it sounds to them: B/V, S/Z/C(e,i), LL/Y, a silent
H, J/G(e,i)/X, QU/K and C(a,o,u)/K are spelled interchangeably. :func:`spanish_key` folds those
spellings onto one form so that "YEIMI" and "JEIMY", "VASQUEZ" and "BASQUEZ", "HERNANDEZ" and
"ERNANDEZ" meet, and :func:`phonetic_key` passes the folded form through jellyfish's Metaphone for a
looser key. Both run over distinct tokens (a few thousand), never over every record.
"""

from __future__ import annotations

import jellyfish

__all__ = ["phonetic_key", "spanish_key"]

_VOWELS = frozenset("AEIOU")


def spanish_key(token: str | None) -> str | None:
    """Fold the Spanish spelling equivalences of one upper-case, accent-free name token.

    Examples:
        >>> spanish_key("YEIMI") == spanish_key("JEIMY")
        True
        >>> spanish_key("VASQUEZ") == spanish_key("BASQUEZ") == spanish_key("VAZQUEZ")
        True
        >>> spanish_key("HERNANDEZ") == spanish_key("ERNANDES")
        True
        >>> spanish_key("GUILLERMO") == spanish_key("GUIYERMO")
        True
    """
    if not token:
        return None
    s = "".join(ch for ch in token.upper() if "A" <= ch <= "Z")
    if not s:
        return None
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        nxt = s[i + 1] if i + 1 < n else ""
        nxt2 = s[i + 2] if i + 2 < n else ""
        if c == "C" and nxt == "H":  # CH is its own sound
            out.append("C")
            i += 2
            continue
        if c == "H":  # silent H
            i += 1
            continue
        if c == "Q" and nxt == "U" and nxt2 in ("E", "I"):  # QUE, QUI -> KE, KI
            out.append("K")
            i += 2
            continue
        if c == "G" and nxt == "U" and nxt2 in ("E", "I"):  # GUE, GUI: hard G, silent U
            out.append("G")
            i += 2
            continue
        if c == "L" and nxt == "L":  # LL sounds as Y
            out.append("Y")
            i += 2
            continue
        if c == "P" and nxt == "H":
            out.append("F")
            i += 2
            continue
        if c == "C":
            out.append("S" if nxt in ("E", "I", "Y") else "K")
        elif c == "Q":
            out.append("K")
        elif c in ("Z", "S"):
            out.append("S")
        elif c in ("V", "W"):
            out.append("B")
        elif c == "G":
            out.append("J" if nxt in ("E", "I", "Y") else "G")
        elif c == "X":
            out.append("J" if i == 0 or nxt in _VOWELS else "KS")
        else:
            out.append(c)
        i += 1
    folded = "".join(out)
    # Y before a vowel is a consonant heard as J ("YEIMI"/"JEIMY"); elsewhere a vowel I.
    chars = list(folded)
    for j, ch in enumerate(chars):
        if ch == "Y":
            chars[j] = "J" if j + 1 < len(chars) and chars[j + 1] in _VOWELS else "I"
    # Collapse doubled letters (RR, SS, NN, II).
    collapsed: list[str] = []
    for ch in chars:
        if not collapsed or collapsed[-1] != ch:
            collapsed.append(ch)
    return "".join(collapsed) or None


def phonetic_key(token: str | None) -> str | None:
    """A looser key: Metaphone (jellyfish) of the Spanish-folded token.

    Examples:
        >>> phonetic_key("YEIMI") == phonetic_key("JEIMY")
        True
    """
    folded = spanish_key(token)
    if folded is None:
        return None
    return jellyfish.metaphone(folded) or folded
