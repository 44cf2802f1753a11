"""Other forms a clerk writes a name in: initials, nicknames, words run together or split apart,
transliterations.

Each function takes a name as listed (title case, with accents: "De la Cruz", "Zúñiga") and
returns its forms in the same style; the name bank (:mod:`linkage.synthetic._name_bank`) keeps
them for every name, and rendering picks one when a record carries the habit.
"""

from __future__ import annotations

import re

from linkage._nicknames import nickname_pairs
from linkage.synthetic._spelling import _PARTICLES, _display

#: The kinds of form, in the order the name bank builds them.
FORM_KINDS: tuple[str, ...] = (
    "initial",
    "initial_dot",
    "nickname",
    "joined",
    "split",
    "transliteration",
)
#: Starts of a surname that clerks write as a word of its own ("Villa Nueva" for Villanueva).
_SPLIT_PREFIXES = ("villa", "valle", "monte", "santa")
#: Ñ as a keyboard without it writes it (the plain N is every ASCII source's own writing).
_ENYE = ("ni", "ny", "gn")
#: Mayan orthographies: each rule, applied to every occurrence, gives one other spelling.
_MAYAN_RULES: tuple[tuple[str, str], ...] = (
    ("x", "sh"),
    ("x", "j"),
    ("sh", "x"),
    ("tz", "ts"),
    ("ts", "tz"),
    ("c(?=[aouáóú])|c$", "k"),
    ("k(?=[aouáóú])|k$", "c"),
    ("k(?=[eiéí])", "qu"),
    ("qu(?=[eiéí])", "k"),
    ("q(?!u)", "k"),
    ("k", "q"),
)
#: Indian vowel spellings: each rule, applied to the first occurrence, gives one other spelling.
_INDIAN_RULES: tuple[tuple[str, str], ...] = (
    ("ee", "i"),
    ("(?<!e)i(?!e)", "ee"),
    ("oo", "u"),
    ("u", "oo"),
    ("aa", "a"),
    ("(?<=[^a])a(?=[^a])", "aa"),
)


def initial(name: str, *, dot: bool) -> str:
    """The initial of a given name ("Carlos" -> "C"; "de los Ángeles" -> "Á"), maybe dotted."""
    words = [w for w in name.split(" ") if w.lower() not in _PARTICLES] or [name]
    return words[0][:1].upper() + ("." if dot else "")


def nicknames_of(name: str) -> list[str]:
    """The nicknames of a given name in the table ``linkage/data/nicknames.csv``."""
    return [nick for nick, full in nickname_pairs() if full == name]


def joined(name: str) -> list[str]:
    """The words of a name run together ("De la Cruz" -> "DelaCruz"); none for one word."""
    words = [w for w in re.split(r"[\s-]+", name) if w]
    if len(words) < 2:
        return []
    run = "".join(words)
    return [run[:1].upper() + run[1:]]


def split(name: str) -> list[str]:
    """A compound-looking surname as two words ("Villanueva" -> "Villa Nueva",
    "Jean-Baptiste" -> "Jean Baptiste"); none for other names."""
    if " " in name:
        return []
    if "-" in name:
        return [name.replace("-", " ")]
    lower = name.lower()
    for prefix in _SPLIT_PREFIXES:
        rest = name[len(prefix) :]
        if lower.startswith(prefix) and len(rest) >= 4:
            return [f"{name[: len(prefix)]} {rest[:1].upper()}{rest[1:]}"]
    return []


def transliterations(name: str, *, mayan: bool, indian: bool) -> list[str]:
    """Other spellings of a name: its Ñ as NI, NY or GN; a Mayan surname's or an Indian given
    name's other orthography (``mayan`` and ``indian`` say which list the name is from)."""
    lower = name.lower()
    found = [lower.replace("ñ", enye) for enye in _ENYE] if "ñ" in lower else []
    if mayan:
        found += [re.sub(pattern, repl, lower) for pattern, repl in _MAYAN_RULES]
    if indian:
        found += [re.sub(pattern, repl, lower, count=1) for pattern, repl in _INDIAN_RULES]
    spelled = {_display(variant, name) for variant in found if variant != lower}
    return sorted(spelled - {name})
