"""Spanish-aware phonetic keys for name tokens.

Clerks who hear a Spanish name write it the way it sounds to them: B/V, S/Z/C(e,i), LL/Y, a silent
H, J/G(e,i)/X, QU/K and C(a,o,u)/K are spelled interchangeably; Ñ comes as N, NI, NY or GN, Mayan
X as SH, Indian vowels doubled or not (EE/I, OO/U), and a scanner reads RN for M.
:func:`spanish_key` folds those spellings onto one form so that "YEIMI" and "JEIMY", "VASQUEZ" and
"BASQUEZ", "HERNANDEZ" and "ERNANDEZ", "MUNOZ" and "MUNYOZ", "XOCOP" and "SHOCOP" meet, and :func:`phonetic_key` passes the folded form through jellyfish's Metaphone for a
looser key. Both run over distinct tokens (a few thousand), never over every record.
"""

from __future__ import annotations

import re

import jellyfish

__all__ = ["phonetic_key", "spanish_key"]

_VOWELS = frozenset("AEIOU")
#: Letters that sound alike wherever they stand, and the one that keys them.
_SAME_SOUND = {"Q": "K", "Z": "S", "S": "S", "V": "B", "W": "B"}


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
        >>> len({spanish_key(n) for n in ("MUNOZ", "MUNIOZ", "MUNYOZ", "MUGNOZ")})
        1
        >>> spanish_key("XOCOP") == spanish_key("SHOCOP"), spanish_key("SUNEEL") == spanish_key("SUNIL")
        (True, True)
        >>> spanish_key("CARRNEN") == spanish_key("CARMEN")
        True
    """
    if not token:
        return None
    letters = "".join(ch for ch in token.upper() if "A" <= ch <= "Z")
    if not letters:
        return None
    return _collapse_doubles(_y_as_j_or_i(_fold_sounds(_respell(letters)))) or None


#: Spellings of one sound that other alphabets, keyboards and scanners bring, written the Spanish
#: way before the sounds are folded (order matters: EE and OO before doubled letters collapse).
_RESPELLINGS: tuple[tuple[str, str], ...] = (
    ("RN", "M"),  # a scanner's "rn" for "m" (CARRNEN)
    ("EE", "I"),  # Indian vowel spellings: SUNEEL / SUNIL
    ("OO", "U"),  # ROOPA / RUPA
    ("GN", "N"),  # Ñ written GN (MUGNOZ)
    ("NY", "N"),  # Ñ written NY (MUNYOZ)
    ("SH", "X"),  # Mayan X written SH (SHOCOP / XOCOP)
)


def _respell(letters: str) -> str:
    """``letters`` with the respellings of :data:`_RESPELLINGS`, and Ñ written NI before a vowel
    (MUNIOZ) as N, except at the start of the word."""
    for written, meant in _RESPELLINGS:
        letters = letters.replace(written, meant)
    return letters[:1] + re.sub(r"NI(?=[AEOU])", "N", letters[1:]) if letters else letters


def _fold_sounds(letters: str) -> str:
    """Each sound of ``letters`` written one way (see :func:`_sound_at`)."""
    out: list[str] = []
    i = 0
    while i < len(letters):
        sound, width = _sound_at(letters, i)
        out.append(sound)
        i += width
    return "".join(out)


def _sound_at(s: str, i: int) -> tuple[str, int]:
    """The key of the sound that starts at ``s[i]``, and how many letters it spans."""
    c = s[i]
    nxt = s[i + 1] if i + 1 < len(s) else ""
    nxt2 = s[i + 2] if i + 2 < len(s) else ""
    if c == "C" and nxt == "H":  # CH is its own sound
        return "C", 2
    if c == "H":  # silent H
        return "", 1
    if c == "Q" and nxt == "U" and nxt2 in ("E", "I"):  # QUE, QUI -> KE, KI
        return "K", 2
    if c == "G" and nxt == "U" and nxt2 in ("E", "I"):  # GUE, GUI: hard G, silent U
        return "G", 2
    if c == "L" and nxt == "L":  # LL sounds as Y
        return "Y", 2
    if c == "P" and nxt == "H":
        return "F", 2
    if c == "C":
        return ("S" if nxt in ("E", "I", "Y") else "K"), 1
    if c == "G":
        return ("J" if nxt in ("E", "I", "Y") else "G"), 1
    if c == "X":
        return ("J" if i == 0 or nxt in _VOWELS else "KS"), 1
    return _SAME_SOUND.get(c, c), 1


def _y_as_j_or_i(folded: str) -> str:
    """Y before a vowel is a consonant heard as J ("YEIMI"/"JEIMY"); elsewhere a vowel I."""
    chars = list(folded)
    for j, ch in enumerate(chars):
        if ch == "Y":
            chars[j] = "J" if j + 1 < len(chars) and chars[j + 1] in _VOWELS else "I"
    return "".join(chars)


def _collapse_doubles(text: str) -> str:
    """Doubled letters written once (RR, SS, NN, II)."""
    collapsed: list[str] = []
    for ch in text:
        if not collapsed or collapsed[-1] != ch:
            collapsed.append(ch)
    return "".join(collapsed)


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
