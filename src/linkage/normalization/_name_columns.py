"""A record's name columns, picked and concatenated from the name lookups (``_names``).

In general a record's given names are its first name's tokens (or its full name's part after the
comma), then the given names found in its middle name, then the given names of a "First Middle
Last" full name; its surnames likewise; each form of a whole list is the concatenation of its
parts' forms. A source with a full name and no other name column takes every list whole from the
full-name lookup; a source without a full name concatenates its first (last) and middle names'
lists; only a source with both kinds decides record by record. All three give what the general
rule gives (a column a source lacks is NULL in every record).
"""

from __future__ import annotations

from typing import Literal

from linkage.normalization._names import FIRST, FULL, FULL_PARTS, LAST, MIDDLE

#: The name columns of a record, each computed from the name lookups as ``nm_<name>``.
_NAME_OUTPUTS = (
    "first_name", "middle_name", "last_name", "given_names", "surnames", "surname_joined",
    "cores_sorted", "whole_tokens", "given_phonetic", "surname_phonetic", "had_placeholder",
    "surname_in_middle",
)  # fmt: skip
#: A record's name shape, when its source has both a full name and other name columns: ``s1``
#: has no full name and no middle name, ``s2`` has only a full name.
_SHAPE_1 = "st.full_name IS NULL AND st.middle_name IS NULL"
_SHAPE_2 = (
    "st.full_name IS NOT NULL AND st.first_name IS NULL AND st.middle_name IS NULL "
    "AND st.last_name IS NULL"
)
_NAME_COLUMNS = ("first_name", "middle_name", "last_name", "full_name")
#: The lookup each raw name column joins to the staged rows ``st``.
_JOINS = {
    "first_name": f"LEFT JOIN {FIRST} f ON f.raw = st.first_name",
    "middle_name": f"LEFT JOIN {MIDDLE} m ON m.raw = st.middle_name",
    "last_name": f"LEFT JOIN {LAST} l ON l.raw = st.last_name",
    "full_name": f"LEFT JOIN {FULL} u ON u.raw = st.full_name",
}
#: A full name's parts, joined only to the records that need them (``mixed`` sources).
_PARTS_JOIN = (
    f"LEFT JOIN {FULL_PARTS} up ON up.raw = "
    f"CASE WHEN NOT ({_SHAPE_1}) AND NOT ({_SHAPE_2}) THEN st.full_name END"
)
_EMPTY = "[]::VARCHAR[]"


def name_shape(present: frozenset[str]) -> Literal["whole", "parts", "mixed"]:
    """``"whole"`` (a full name only), ``"parts"`` (no full name) or ``"mixed"`` (both kinds).

    Example:
        >>> name_shape(frozenset({"full_name"})), name_shape(frozenset({"first_name"}))
        ('whole', 'parts')
    """
    if "full_name" not in present:
        return "parts"
    return "mixed" if any(c in present for c in _NAME_COLUMNS[:3]) else "whole"


def name_sql(present: frozenset[str]) -> tuple[str, str]:
    """The name columns of a source's records (``nm_*``) and the lookups they join to ``st``.

    ``present`` holds the staged columns the source has; see the module docstring for the rule.
    """
    shape = name_shape(present)
    if shape == "whole":
        columns = _whole_name_columns()
    elif shape == "parts":
        columns = _parts_name_columns(present)
    else:
        columns = _mixed_name_columns()
    if shape == "mixed":
        joins = [*_JOINS.values(), _PARTS_JOIN]
    else:
        joins = [_JOINS[c] for c in _NAME_COLUMNS if c in present]
    select = ",\n                ".join(f"{columns[name]} AS nm_{name}" for name in _NAME_OUTPUTS)
    return select, "\n            ".join(joins)


def _whole_name_columns() -> dict[str, str]:
    """The name columns of a source with a full name only: every list whole from the lookup."""
    return {
        "first_name": "coalesce(u.given_clean, u.p_given)",
        "middle_name": "NULL::VARCHAR",
        "last_name": "coalesce(u.last_clean, u.p_surnames)",
        "given_names": f"coalesce(u.g_all_names, {_EMPTY})",
        "surnames": f"coalesce(u.s_all_names, {_EMPTY})",
        "surname_joined": "nullif(u.s_all_joined, '')",
        "cores_sorted": "NULL::VARCHAR[]",
        "whole_tokens": f"coalesce(u.tokens, {_EMPTY})",
        "given_phonetic": f"coalesce(u.g_all_keys, {_EMPTY})",
        "surname_phonetic": f"coalesce(u.s_all_keys, {_EMPTY})",
        "had_placeholder": "coalesce(u.hp, FALSE)",
        "surname_in_middle": "FALSE",
    }


def _parts_name_columns(present: frozenset[str]) -> dict[str, str]:
    """The name columns of a source without a full name: first (last) and middle names' lists."""
    return {
        "first_name": _part(present, "f", "first_name", "clean", joined=True),
        "middle_name": _part(present, "m", "middle_name", "clean", joined=True),
        "last_name": _part(present, "l", "last_name", "clean", joined=True),
        "given_names": f"coalesce({_with_middle(present, 'f', 'g', 'names')}, {_EMPTY})",
        "surnames": f"coalesce({_with_middle(present, 'l', 's', 'names')}, {_EMPTY})",
        "surname_joined": f"nullif({_with_middle(present, 'l', 's', 'joined')}, '')",
        "cores_sorted": (
            f"list_sort(list_concat({_with_middle(present, 'f', 'g', 'cores')}, "
            f"{_with_middle(present, 'l', 's', 'cores')}))"
        ),
        "whole_tokens": "NULL::VARCHAR[]",
        "given_phonetic": f"coalesce({_with_middle(present, 'f', 'g', 'keys')}, {_EMPTY})",
        "surname_phonetic": f"coalesce({_with_middle(present, 'l', 's', 'keys')}, {_EMPTY})",
        "had_placeholder": " OR ".join(
            [
                f"coalesce({a}.hp, FALSE)"
                for a, c in zip("fml", _NAME_COLUMNS[:3], strict=True)
                if c in present
            ]
            or ["FALSE"]
        ),
        "surname_in_middle": (
            "coalesce(m.in_middle, FALSE)" if "middle_name" in present else "FALSE"
        ),
    }


def _part(present: frozenset[str], alias: str, column: str, name: str, *, joined: bool) -> str:
    """Column ``name`` of the lookup of ``column`` (joined as ``alias``); NULL if it is absent."""
    if column not in present:
        return "NULL::VARCHAR" if joined else "NULL::VARCHAR[]"
    return f"{alias}.{name}"


def _with_middle(present: frozenset[str], first: str, middle: str, form: str) -> str:
    """A form of the first (``f``) or last (``l``) name's tokens, then the middle name's given
    (``g``) or surname (``s``) tokens."""
    column = "first_name" if first == "f" else "last_name"
    joined = form == "joined"
    a = _part(present, first, column, f"tok_{form}", joined=joined)
    b = _part(present, "m", "middle_name", f"{middle}_tok_{form}", joined=joined)
    if "middle_name" not in present:
        return a
    if column not in present:
        return b
    return f"concat({a}, {b})" if joined else f"list_concat({a}, {b})"


def _mixed_name_columns() -> dict[str, str]:
    """The name columns of a source with both a full name and other name columns."""

    def general(side: str, form: str) -> str:
        if side == "given":
            first = f"CASE WHEN f.folded IS NOT NULL THEN f.tok_{form} ELSE up.given_tok_{form} END"
            parts = f"{first}, m.g_tok_{form}, up.pg_tok_{form}"
        else:
            last = f"CASE WHEN l.folded IS NOT NULL THEN l.tok_{form} ELSE up.last_tok_{form} END"
            parts = f"{last}, m.s_tok_{form}, up.ps_tok_{form}"
        return f"concat({parts})" if form == "joined" else f"list_concat({parts})"

    def pick(side: str, form: str) -> str:
        plain = f"f.tok_{form}" if side == "given" else f"l.tok_{form}"
        whole = f"u.{'g_all' if side == 'given' else 's_all'}_{form}"
        return (
            f"CASE WHEN {_SHAPE_1} THEN {plain} WHEN {_SHAPE_2} THEN {whole} "
            f"ELSE {general(side, form)} END"
        )

    return {
        "first_name": (
            "coalesce(CASE WHEN f.folded IS NOT NULL THEN f.clean ELSE u.given_clean END, "
            "u.p_given)"
        ),
        "middle_name": "m.clean",
        "last_name": (
            "coalesce(CASE WHEN l.folded IS NOT NULL THEN l.clean ELSE u.last_clean END, "
            "u.p_surnames)"
        ),
        "given_names": f"coalesce({pick('given', 'names')}, []::VARCHAR[])",
        "surnames": f"coalesce({pick('surname', 'names')}, []::VARCHAR[])",
        "surname_joined": f"nullif({pick('surname', 'joined')}, '')",
        "cores_sorted": (
            f"CASE WHEN {_SHAPE_2} THEN NULL "
            f"WHEN {_SHAPE_1} THEN list_sort(list_concat(f.tok_cores, l.tok_cores)) "
            f"ELSE list_sort(list_concat({general('given', 'cores')}, "
            f"{general('surname', 'cores')})) END"
        ),
        "whole_tokens": f"CASE WHEN {_SHAPE_2} THEN u.tokens END",
        "given_phonetic": f"coalesce({pick('given', 'keys')}, []::VARCHAR[])",
        "surname_phonetic": f"coalesce({pick('surname', 'keys')}, []::VARCHAR[])",
        "had_placeholder": (
            "coalesce(f.hp, FALSE) OR coalesce(m.hp, FALSE) OR coalesce(l.hp, FALSE) "
            "OR coalesce(u.hp, FALSE)"
        ),
        "surname_in_middle": "coalesce(m.in_middle, FALSE)",
    }
