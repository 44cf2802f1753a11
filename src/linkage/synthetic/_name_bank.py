"""The name bank: every name the generator writes, as a code, and the draws of names by style.

Names come from frequency lists in ``data/synthetic_names.csv`` (given names by style and sex,
compound given names, surnames). Each name's misspellings are added to the vocabulary, so records
carry codes and are written through Arrow tables (with accents, ASCII title case, ASCII upper
case). :func:`draw_given_names` and :func:`draw_surnames` draw a person's names for their style.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa

from linkage.synthetic._arrays import string_array
from linkage.synthetic._name_forms import (
    FORM_KINDS,
    initial,
    joined,
    nicknames_of,
    split,
    transliterations,
)
from linkage.synthetic._spelling import (
    keyboard_neighbours,
    phonetic_variants,
    typo_variants,
    without_accents,
)

#: Name styles: which lists a child's names come from (codes are indexes into this tuple).
STYLES: tuple[str, ...] = ("spanish", "maya", "portuguese", "haitian", "indian", "chinese")
SPANISH, MAYA, PORTUGUESE, HAITIAN, INDIAN, CHINESE = range(len(STYLES))
#: Style whose given-name lists a style uses.
_GIVEN_STYLE = {"maya": "spanish"}
#: Styles with name lists of their own (the Mayan style takes Spanish given names).
_OWN_STYLES = ("spanish", "portuguese", "haitian", "indian", "chinese")
#: Share of children with (a fixed compound given name, a free pair of given names, one name).
_GIVEN_SHAPE: dict[str, tuple[float, float, float]] = {
    "spanish": (0.25, 0.30, 0.45),
    "maya": (0.25, 0.30, 0.45),
    "portuguese": (0.30, 0.15, 0.55),
    "haitian": (0.30, 0.20, 0.50),
    "indian": (0.0, 0.0, 1.0),
    "chinese": (0.0, 0.0, 1.0),
}
#: Styles with two surnames (Spanish paternal + maternal; Brazilian maternal + paternal).
_TWO_SURNAMES = frozenset({"spanish", "maya", "portuguese"})
#: Mix of surname lists of indigenous Guatemalan families.
_MAYA_SURNAME_MIX = {"maya": 0.45, "saint": 0.25, "spanish": 0.30}
#: The most common full names, given to ``Rates.common_name`` of the children (hard negatives).
COMMON_NAMES: tuple[tuple[str, str, str | None, str, str], ...] = (
    ("M", "Juan", None, "Hernández", "Hernández"),
    ("M", "José", "Luis", "López", "García"),
    ("M", "Juan", "Carlos", "Hernández", "López"),
    ("M", "José", None, "Pérez", "López"),
    ("M", "Carlos", None, "García", "Hernández"),
    ("F", "María", "José", "Hernández", "López"),
    ("F", "María", None, "García", "Pérez"),
    ("F", "Ana", "María", "López", "Hernández"),
)
_PLACEHOLDERS = ("FNU", "LNU")
_TYPO_SEED = 20240917  # fixed: the typo variants of a name are part of the name bank


@dataclass(frozen=True)
class _Pool:
    codes: np.ndarray  # (k,) or (k, 2) vocabulary codes
    cum: np.ndarray  # cumulative probabilities

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        idx = np.minimum(
            np.searchsorted(self.cum, rng.random(size), side="right"), len(self.cum) - 1
        )
        return self.codes[idx]


def _pool(codes: Sequence[Any], weights: Sequence[float]) -> _Pool:
    w = np.asarray(weights, dtype=np.float64)
    return _Pool(codes=np.asarray(codes, dtype=np.int64), cum=np.cumsum(w) / w.sum())


@dataclass(frozen=True)
class NameBank:
    """Every name as a code into ``vocab``: tables that write codes, pools that draw them.

    Codes below ``n_base`` are listed names; then come their misspellings (``variants``), then
    their other forms (``forms``: initials, nicknames, words run together or split,
    transliterations).
    """

    vocab: tuple[str, ...]
    display: pa.Array  # as written by HHS: mixed case with accents
    title_ascii: pa.Array
    upper_ascii: pa.Array
    n_base: int
    spellable: np.ndarray  # bool per code: not a placeholder
    fnu: int
    lnu: int
    given: dict[tuple[str, str], _Pool]  # (style, "M"/"F") -> single given names
    compound: dict[tuple[str, str], _Pool]  # (style, sex) -> pairs
    surname: dict[str, _Pool]
    variants: dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (offsets, codes)
    forms: dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (offsets, codes)

    def code(self, name: str) -> int:
        """The code of a name of the vocabulary."""
        return self.vocab.index(name)

    def variant(self, kind: str, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A misspelling of each code (phonetic falls back to a typo; unchanged if none)."""
        u = rng.random(len(codes))
        out = codes.copy()
        pending = np.ones(len(codes), dtype=bool)
        for table in ("phonetic", "typo") if kind == "phonetic" else ("typo",):
            off, var = self.variants[table]
            start, count = off[codes], off[codes + 1] - off[codes]
            ok = pending & (count > 0)
            out[ok] = var[start[ok] + (u[ok] * count[ok]).astype(np.int64)]
            pending &= ~ok
        return out

    def has_form(self, kind: str, codes: np.ndarray) -> np.ndarray:
        """Whether each code (-1 for none) has a form of ``kind`` (a key of ``forms``)."""
        off, _ = self.forms[kind]
        safe = np.where(codes >= 0, codes, 0)
        found: np.ndarray = (codes >= 0) & (off[safe + 1] > off[safe])
        return found

    def form(self, kind: str, codes: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A form of ``kind`` of each code, picked by ``u`` in [0, 1); unchanged if it has none."""
        off, forms = self.forms[kind]
        ok = self.has_form(kind, codes)
        out = codes.copy()
        start, count = off[codes[ok]], off[codes[ok] + 1] - off[codes[ok]]
        out[ok] = forms[start + (u[ok] * count).astype(np.int64)]
        return out


#: (style, kind) -> (codes, weights) of a name list; a compound given name is a pair of codes.
_NameLists = dict[tuple[str, str], tuple[list[Any], list[float]]]


@lru_cache(maxsize=1)
def name_bank() -> NameBank:
    """The name bank, built once per process from ``data/synthetic_names.csv``."""
    rows = _read_name_rows()
    base = _base_vocabulary(rows)
    vocab, variants = _with_variants(base)
    n_spelled = len(vocab)
    vocab, forms = _with_forms(vocab, len(base), rows)
    variants = {kind: (_padded(off, len(vocab)), codes) for kind, (off, codes) in variants.items()}
    index = {name: i for i, name in enumerate(vocab)}
    given, compound, surname = _pools(_name_lists(rows, index))
    spellable = np.arange(len(vocab)) < n_spelled  # forms are not misspelled
    spellable[[index[p] for p in _PLACEHOLDERS]] = False
    ascii_title = [without_accents(v) for v in vocab]
    return NameBank(
        vocab=tuple(vocab),
        display=string_array(vocab),
        title_ascii=string_array(ascii_title),
        upper_ascii=string_array([v.upper() for v in ascii_title]),
        n_base=len(base),
        spellable=spellable,
        fnu=index["FNU"],
        lnu=index["LNU"],
        given=given,
        compound=compound,
        surname=surname,
        variants=variants,
        forms=forms,
    )


def _read_name_rows() -> list[tuple[str, str, str, float]]:
    """The rows of ``data/synthetic_names.csv``: (style, kind, name, weight)."""
    data = resources.files("linkage.synthetic").joinpath("data/synthetic_names.csv")
    return [
        (r["style"], r["kind"], r["name"], float(r["weight"]))
        for r in csv.DictReader(io.StringIO(data.read_text("utf-8")))
    ]


def _base_vocabulary(rows: Sequence[tuple[str, str, str, float]]) -> list[str]:
    """Every listed name (both parts of a compound), the common names and placeholders, sorted."""
    base: set[str] = set(_PLACEHOLDERS)
    for _style, kind, name, _ in rows:
        if kind.endswith("_compound"):
            base.update(name.split(" ", 1))
        else:
            base.add(name)
    for _, g1, g2, s1, s2 in COMMON_NAMES:
        base.update(x for x in (g1, g2, s1, s2) if x)
    return sorted(base)


def _with_variants(
    base: list[str],
) -> tuple[list[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The vocabulary: ``base`` then every misspelling of a base name, and where they are.

    Returns:
        ``(vocab, variants)`` where ``variants[kind] = (offsets, codes)`` for ``kind`` in
        ``"phonetic"``, ``"typo"``: the variants of code ``c`` are
        ``codes[offsets[c]:offsets[c + 1]]``. Variants have no variants of their own.
    """
    vocab = list(base)
    index = {name: i for i, name in enumerate(vocab)}
    near = keyboard_neighbours()
    typo_rng = np.random.default_rng(_TYPO_SEED)
    tables: dict[str, tuple[list[int], list[int]]] = {"phonetic": ([0], []), "typo": ([0], [])}
    for name in base:
        for kind, found in (
            ("phonetic", [] if name in _PLACEHOLDERS else phonetic_variants(name)),
            ("typo", [] if name in _PLACEHOLDERS else typo_variants(name, typo_rng, near)),
        ):
            off, codes = tables[kind]
            for variant in found:
                if variant not in index:
                    index[variant] = len(vocab)
                    vocab.append(variant)
                codes.append(index[variant])
            off.append(len(codes))
    variants = {}
    for kind, (off, codes) in tables.items():
        off += [off[-1]] * (len(vocab) - len(base))  # variants have no variants of their own
        variants[kind] = (np.asarray(off, dtype=np.int64), np.asarray(codes, dtype=np.int64))
    return vocab, variants


def _with_forms(
    vocab: list[str], n_base: int, rows: Sequence[tuple[str, str, str, float]]
) -> tuple[list[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The vocabulary with every name's other forms appended, and where they are.

    Initials are made for every name and misspelling; the other forms for listed names only
    (nicknames of given names, transliterations of Mayan surnames, Indian given names and any
    name with an Ñ). New names go after the existing ones, so existing codes keep their meaning.

    Returns:
        ``(vocab, forms)`` where ``forms[kind] = (offsets, codes)`` for each of ``FORM_KINDS``.
    """
    vocab = list(vocab)
    index = {name: i for i, name in enumerate(vocab)}
    n_named = len(vocab)
    mayan = {name for style, kind, name, _ in rows if style == "maya" and kind == "surname"}
    indian = {name for style, kind, name, _ in rows if style == "indian" and kind != "surname"}
    makers: dict[str, Callable[[str], list[str]]] = {
        "initial": lambda name: [initial(name, dot=False)],
        "initial_dot": lambda name: [initial(name, dot=True)],
        "nickname": nicknames_of,
        "joined": joined,
        "split": split,
        "transliteration": lambda name: transliterations(
            name, mayan=name in mayan, indian=name in indian
        ),
    }
    forms = {}
    for kind in FORM_KINDS:
        off, codes = [0], []
        for code in range(n_named):
            name = vocab[code]
            listed = code < n_base and name not in _PLACEHOLDERS
            for form in makers[kind](name) if listed or kind.startswith("initial") else []:
                if form not in index:
                    index[form] = len(vocab)
                    vocab.append(form)
                codes.append(index[form])
            off.append(len(codes))
        forms[kind] = (np.asarray(off, dtype=np.int64), np.asarray(codes, dtype=np.int64))
    return vocab, {k: (_padded(off, len(vocab)), codes) for k, (off, codes) in forms.items()}


def _padded(offsets: np.ndarray, n_codes: int) -> np.ndarray:
    """Offsets extended to ``n_codes`` codes: the codes past the end have no variants."""
    extra = np.full(n_codes + 1 - len(offsets), offsets[-1], dtype=np.int64)
    return np.concatenate([offsets, extra])


def _name_lists(rows: Sequence[tuple[str, str, str, float]], index: dict[str, int]) -> _NameLists:
    """The rows as codes and weights per (style, kind)."""
    lists: _NameLists = {}
    for style, kind, name, weight in rows:
        parts = name.split(" ", 1)
        code = (index[parts[0]], index[parts[1]]) if kind.endswith("_compound") else index[name]
        bucket, bucket_weights = lists.setdefault((style, kind), ([], []))
        bucket.append(code)
        bucket_weights.append(weight)
    return lists


def _pools(
    lists: _NameLists,
) -> tuple[dict[tuple[str, str], _Pool], dict[tuple[str, str], _Pool], dict[str, _Pool]]:
    """Pools of single given names and of compound given names per (style, sex); of surnames."""
    sexes = (("M", ""), ("F", "fe"))
    given = {(st, sex): _pool(*lists[(st, f"{fe}male")]) for st in _OWN_STYLES for sex, fe in sexes}
    compound = {
        (st, sex): _pool(*lists[(st, f"{fe}male_compound")])
        for st in _OWN_STYLES
        for sex, fe in sexes
        if (st, f"{fe}male_compound") in lists
    }
    surname = {st: _pool(*lists[(st, "surname")]) for st in _OWN_STYLES}
    surname["maya"] = _maya_surname_pool(lists)
    return given, compound, surname


def _maya_surname_pool(lists: _NameLists) -> _Pool:
    """Surnames of indigenous Guatemalan families: Mayan, saint-name and Spanish lists mixed."""
    maya_codes: list[int] = []
    maya_weights: list[float] = []
    for part, share in _MAYA_SURNAME_MIX.items():
        part_codes, part_weights = lists[(part, "surname")]
        total = sum(part_weights)
        maya_codes += part_codes
        maya_weights += [w / total * share for w in part_weights]
    return _pool(maya_codes, maya_weights)


def draw_given_names(
    rng: np.random.Generator, bank: NameBank, style: np.ndarray, sex: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(style)
    g1 = np.full(n, -1, dtype=np.int64)
    g2 = np.full(n, -1, dtype=np.int64)
    shape_u = rng.random(n)
    for s, style_name in enumerate(STYLES):
        src = _GIVEN_STYLE.get(style_name, style_name)
        p_compound, p_pair, _ = _GIVEN_SHAPE[style_name]
        for x, sex_code in enumerate(("M", "F")):
            sel = np.flatnonzero((style == s) & (sex == x))
            if not len(sel):
                continue
            g1[sel] = bank.given[(src, sex_code)].draw(rng, len(sel))
            second = bank.given[(src, sex_code)].draw(rng, len(sel))
            u = shape_u[sel]
            pair = (u >= p_compound) & (u < p_compound + p_pair) & (second != g1[sel])
            g2[sel[pair]] = second[pair]
            if p_compound > 0:
                comp = u < p_compound
                drawn = bank.compound[(src, sex_code)].draw(rng, int(comp.sum()))
                g1[sel[comp]] = drawn[:, 0]
                g2[sel[comp]] = drawn[:, 1]
    return g1, g2


def draw_surnames(
    rng: np.random.Generator, bank: NameBank, style: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(style)
    s1 = np.full(n, -1, dtype=np.int64)
    s2 = np.full(n, -1, dtype=np.int64)
    for s, style_name in enumerate(STYLES):
        sel = np.flatnonzero(style == s)
        if not len(sel):
            continue
        s1[sel] = bank.surname[style_name].draw(rng, len(sel))
        if style_name in _TWO_SURNAMES:
            s2[sel] = bank.surname[style_name].draw(rng, len(sel))
    return s1, s2
