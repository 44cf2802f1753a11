"""Name lookups: each distinct raw name -> its tokens, their roles and their phonetic keys.

Names repeat heavily, so each raw value of a name column is worked out once, into a lookup table
keyed by that value (``raw``), in these steps:

1. folded (accents, case, punctuation), placeholders ("FNU", "LNU", ...) removed, particles joined
   to the word they precede ("DE LA CRUZ"), a full name split at its comma ("LAST, FIRST MIDDLE");
2. counted: how often each token is written as a given name or a surname in the data;
3. split: a "First Middle Last" full name and a middle name, by those counts (``_split``);
4. each token list given every form a record needs (the names, their cores, their phonetic keys,
   the tokens run together), so that a record only picks and concatenates lists (see
   ``_name_columns``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import duckdb
import pyarrow as pa

from linkage import tables
from linkage._nicknames import nicknames
from linkage.normalization._phonetic import spanish_key
from linkage.normalization._split import NameCounts, split_full_name, split_middle_name
from linkage.normalization._stage import STAGE

#: The name lookups a record joins to, one per raw name column (``_nm_full_parts``: a full
#: name's parts, for the sources that also have other name columns).
FIRST = tables.scratch("nm_first")
MIDDLE = tables.scratch("nm_middle")
LAST = tables.scratch("nm_last")
FULL = tables.scratch("nm_full")
FULL_PARTS = tables.scratch("nm_full_parts")

# The steps before them: each raw name folded and cleared (0), then with its split applied (1).
_FIRST0 = tables.scratch("nm_first0")
_LAST0 = tables.scratch("nm_last0")
_MIDDLE0 = tables.scratch("nm_middle0")
_FULL0 = tables.scratch("nm_full0")
_MIDDLE1 = tables.scratch("nm_middle1")
_FULL1 = tables.scratch("nm_full1")
# The splits (text -> given, surnames) and the token lists with their forms.
_PLAIN_SPLIT = tables.scratch("plain_split")
_MIDDLE_SPLIT = tables.scratch("middle_split")
_TOK_LISTS = tables.scratch("tok_lists")
_TOK_KEYS = tables.scratch("tok_keys")
_TOK_FORMS = tables.scratch("tok_forms")
# Python rows handed to DuckDB: registered, copied into a table, unregistered.
_SPLIT_FRAME = tables.scratch("split_frame")
_TOKEN_KEY_FRAME = tables.scratch("token_key_frame")

#: Every table the name lookups make (``normalize`` drops them).
SCRATCH = (
    *(FIRST, MIDDLE, LAST, FULL, FULL_PARTS),
    *(_FIRST0, _LAST0, _MIDDLE0, _FULL0, _MIDDLE1, _FULL1),
    *(_PLAIN_SPLIT, _MIDDLE_SPLIT, _TOK_LISTS, _TOK_KEYS, _TOK_FORMS),
)


class _Lookup(NamedTuple):
    """How a name lookup is built from the table of an earlier step."""

    source: str  # the table it is built from
    kept: tuple[str, ...]  # the columns it keeps
    lists: tuple[str, ...]  # its token-list columns, each given its forms
    extra: tuple[str, ...] = ()  # columns computed over the token lists' forms


#: The name lookups, by table.
NAME_LOOKUPS: dict[str, _Lookup] = {
    FIRST: _Lookup(_FIRST0, ("raw", "folded", "hp", "clean"), ("tok",)),
    LAST: _Lookup(_LAST0, ("raw", "folded", "hp", "clean"), ("tok",)),
    MIDDLE: _Lookup(_MIDDLE1, ("raw", "hp", "clean", "in_middle"), ("g_tok", "s_tok")),
    # A full name whole: all its given names, all its surnames, and its name tokens.
    FULL: _Lookup(
        _FULL1,
        ("raw", "hp", "given_clean", "last_clean", "p_given", "p_surnames"),
        ("g_all", "s_all"),
        ("list_filter(cores, lambda t, i: i = 1 OR cores[i - 1] <> t) AS tokens",),
    ),
    # A full name's parts, for the records that also have other name columns.
    FULL_PARTS: _Lookup(_FULL1, ("raw",), ("given_tok", "last_tok", "pg_tok", "ps_tok")),
}
#: What a record needs of a token list: the tokens as written (particles joined by a space),
#: their cores (the word after the particles), their phonetic keys, and the tokens run together.
TOKEN_FORMS = ("names", "cores", "keys", "joined")


def build_name_lookups(con: duckdb.DuckDBPyConnection, *, parts: bool) -> None:
    """Fold, de-placeholder and split the names, once per distinct raw value of each name column.

    Builds the lookup tables of :data:`NAME_LOOKUPS`, keyed by the raw text (``raw``): one per
    name column, and :data:`FULL_PARTS` (a full name's comma parts and its "First Middle Last"
    split) only when ``parts``: a source has both a full name and other name columns. Each token
    list in them comes with the forms a record needs (``*_names``, ``*_cores``, ``*_keys``,
    ``*_joined``; see :data:`TOKEN_FORMS`).
    """
    _fold_names(con)
    counts = _token_counts(con)
    _split_names(con, counts)
    _apply_splits(con)
    lookups = {t: spec for t, spec in NAME_LOOKUPS.items() if parts or t != FULL_PARTS}
    _token_forms(con, lookups)
    for table, lookup in lookups.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {_lookup_query(lookup)}")


def _cleaned(column: str) -> str:
    """SQL: each distinct raw value of a name column, folded (``folded``), whether it holds a
    placeholder (``hp``) and cleared of placeholders (``clean``)."""
    return f"""SELECT raw, folded, hp, lk_clean(folded, hp) AS clean FROM (
                SELECT raw, folded, lk_has_place(folded) AS hp FROM (
                    SELECT raw, lk_fold(raw) AS folded FROM (
                        SELECT DISTINCT {column} AS raw FROM {STAGE} WHERE {column} IS NOT NULL)))"""


def _fold_names(con: duckdb.DuckDBPyConnection) -> None:
    """Step 1: each raw name folded, cleared of placeholders and cut into tokens.

    A full name is split at its comma (surnames before it); one without a comma keeps its text
    (``plain_key``) for the "First Middle Last" split.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_FIRST0} AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("first_name")});
        CREATE OR REPLACE TEMP TABLE {_LAST0} AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("last_name")});
        CREATE OR REPLACE TEMP TABLE {_MIDDLE0} AS
        SELECT raw, hp, clean, lk_particles(clean) AS key FROM ({_cleaned("middle_name")});
        CREATE OR REPLACE TEMP TABLE {_FULL0} AS
        SELECT raw, hp, given_clean, lk_tokens(given_clean) AS given_tok,
            last_clean, lk_tokens(last_clean) AS last_tok, lk_particles(plain_clean) AS plain_key
        FROM (
            SELECT raw, hp_last OR hp_given OR hp_plain AS hp,
                lk_clean(fl_given, hp_given) AS given_clean,
                lk_clean(fl_last, hp_last) AS last_clean,
                lk_clean(fl_plain, hp_plain) AS plain_clean
            FROM (
                SELECT raw, fl_last, fl_given, fl_plain, lk_has_place(fl_last) AS hp_last,
                    lk_has_place(fl_given) AS hp_given, lk_has_place(fl_plain) AS hp_plain
                FROM (
                    SELECT raw,
                        lk_fold(CASE WHEN contains(raw, ',') THEN split_part(raw, ',', 1) END) AS fl_last,
                        lk_fold(CASE WHEN contains(raw, ',') THEN substr(raw, strpos(raw, ',') + 1) END) AS fl_given,
                        lk_fold(CASE WHEN NOT contains(raw, ',') THEN raw END) AS fl_plain
                    FROM (SELECT DISTINCT full_name AS raw FROM {STAGE} WHERE full_name IS NOT NULL))));
        """
    )


def _token_counts(con: duckdb.DuckDBPyConnection) -> NameCounts:
    """Step 2: how often each token core is written as a given name and as a surname.

    Counted in the structured columns (the first name, else a full name's part after the comma;
    the last name, else the part before it), over records: each distinct pair of raw columns
    counts its number of records.
    """
    rows = con.execute(
        f"""
        WITH fc AS (SELECT first_name, full_name, count(*) AS n FROM {STAGE} GROUP BY ALL),
             lc AS (SELECT last_name, full_name, count(*) AS n FROM {STAGE} GROUP BY ALL),
             g AS (
                SELECT unnest(CASE WHEN f.folded IS NOT NULL THEN f.tok ELSE u.given_tok END) AS t, fc.n
                FROM fc LEFT JOIN {_FIRST0} f ON f.raw = fc.first_name
                LEFT JOIN {_FULL0} u ON u.raw = fc.full_name),
             s AS (
                SELECT unnest(CASE WHEN l.folded IS NOT NULL THEN l.tok ELSE u.last_tok END) AS t, lc.n
                FROM lc LEFT JOIN {_LAST0} l ON l.raw = lc.last_name
                LEFT JOIN {_FULL0} u ON u.raw = lc.full_name)
        SELECT t, sum(g) AS g, sum(s) AS s FROM (
            SELECT lk_core(t) AS t, n AS g, 0 AS s FROM (SELECT t, sum(n) AS n FROM g GROUP BY t)
            UNION ALL
            SELECT lk_core(t), 0, n FROM (SELECT t, sum(n) AS n FROM s GROUP BY t))
        WHERE t <> '' GROUP BY t
        """
    ).fetchall()
    given: dict[str, float] = {}
    surname: dict[str, float] = {}
    for token, g, s in rows:
        given[token] = float(g)
        surname[token] = float(s)
    return NameCounts(given=given, surname=surname)


def _split_names(con: duckdb.DuckDBPyConnection, counts: NameCounts) -> None:
    """Step 3: split each distinct "First Middle Last" full name and middle name (in Python).

    Writes the tables ``text -> given, surnames`` of the full names (``_plain_split``) and of the
    middle names (``_middle_split``).
    """
    splits = {
        _PLAIN_SPLIT: (_distinct_texts(con, "plain_key", _FULL0), split_full_name),
        _MIDDLE_SPLIT: (_distinct_texts(con, "key", _MIDDLE0), split_middle_name),
    }
    for table, (texts, split) in splits.items():
        rows = []
        for text in texts:
            given, surnames = split(text.split(), counts)
            rows.append((text, " ".join(given) or None, " ".join(surnames) or None))
        _split_table(con, table, rows)


def _distinct_texts(con: duckdb.DuckDBPyConnection, column: str, table: str) -> list[str]:
    """The distinct non-empty values of ``column`` in ``table``."""
    rows = con.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
    return [r[0] for r in rows.fetchall() if r[0]]


def _split_table(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """``table(text, given, surnames)`` from Python rows."""
    frame = pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(("text", "given", "surnames"))
        }
    )
    con.register(_SPLIT_FRAME, frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {_SPLIT_FRAME}")
    finally:
        con.unregister(_SPLIT_FRAME)


def _apply_splits(con: duckdb.DuckDBPyConnection) -> None:
    """Step 3, joined back: each middle name's and full name's given-name and surname tokens."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_MIDDLE1} AS
        SELECT m.raw, m.hp, m.clean, ms.surnames IS NOT NULL AS in_middle,
            lk_tokens(ms.given) AS g_tok, lk_tokens(ms.surnames) AS s_tok
        FROM {_MIDDLE0} m LEFT JOIN {_MIDDLE_SPLIT} ms ON ms.text = m.key;
        CREATE OR REPLACE TEMP TABLE {_FULL1} AS
        SELECT *, list_concat(given_tok, pg_tok) AS g_all, list_concat(last_tok, ps_tok) AS s_all
        FROM (
            SELECT u.raw, u.hp, u.given_clean, u.given_tok, u.last_clean, u.last_tok,
                ps.given AS p_given, ps.surnames AS p_surnames,
                lk_tokens(ps.given) AS pg_tok, lk_tokens(ps.surnames) AS ps_tok
            FROM {_FULL0} u LEFT JOIN {_PLAIN_SPLIT} ps ON ps.text = u.plain_key);
        """
    )


def _token_forms(con: duckdb.DuckDBPyConnection, lookups: dict[str, _Lookup]) -> None:
    """Step 4: the table ``_tok_forms``, every token list of ``lookups`` with its forms.

    The forms are computed once per distinct token list. A token list's text (its tokens joined
    by a space) identifies it: tokens never hold a space.
    """
    lists = " UNION ".join(
        f"SELECT {column} AS tok FROM {lookup.source}"
        for lookup in lookups.values()
        for column in lookup.lists
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_TOK_LISTS} AS
        SELECT array_to_string(tok, ' ') AS text, tok FROM ({lists}) WHERE len(tok) > 0
        """
    )
    _token_keys(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {_TOK_FORMS} AS
        SELECT t.text,
            list_transform(t.tok, lambda x: replace(x, '_', ' ')) AS names,
            list_transform(t.tok, lambda x: lk_core(x)) AS cores,
            k.keys,
            array_to_string(list_transform(t.tok, lambda x: replace(x, '_', '')), '') AS joined
        FROM {_TOK_LISTS} t JOIN {_TOK_KEYS} k USING (text)
        """
    )


def _token_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The table ``_tok_keys``: each token list's phonetic keys, computed in Python."""
    texts = [r[0] for r in con.execute(f"SELECT text FROM {_TOK_LISTS}").fetchall()]
    frame = pa.table(
        {
            "text": pa.array(texts, pa.string()),
            "keys": pa.array(_phonetic_keys(texts), pa.list_(pa.string())),
        }
    )
    con.register(_TOKEN_KEY_FRAME, frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_TOK_KEYS} AS "
            f"SELECT text, CAST(keys AS VARCHAR[]) AS keys FROM {_TOKEN_KEY_FRAME}"
        )
    finally:
        con.unregister(_TOKEN_KEY_FRAME)


def _phonetic_keys(texts: list[str]) -> list[list[str]]:
    """The phonetic keys of each token list: one per token that has one (its core's key; a
    nickname of one name keys as that name).

    Example:
        >>> _phonetic_keys(["JOSE DE_LA_CRUZ", "CHEPE"])
        [['JOSE', 'KRUS'], ['JOSE']]
    """
    cache: dict[str, str | None] = {}
    # A nickname that stands for one name sounds like it ("CHEPE" keys as "JOSE").
    meant = {nick: next(iter(names)) for nick, names in nicknames().items() if len(names) == 1}

    def key(token: str) -> str | None:
        core = token.rsplit("_", 1)[-1]
        if core not in cache:
            cache[core] = spanish_key(meant.get(core, core))
        return cache[core]

    return [[k for k in map(key, text.split(" ")) if k is not None] for text in texts]


def _lookup_query(lookup: _Lookup) -> str:
    """SQL: a name lookup, each token list joined to its forms (an empty list to empty forms)."""
    # The forms of an empty token list (which has no row in _tok_forms).
    empty = {"names": "[]::VARCHAR[]", "cores": "[]::VARCHAR[]", "keys": "[]::VARCHAR[]"}
    empty["joined"] = "''"
    select = [f"s.{c}" for c in lookup.kept]
    joins = []
    for i, column in enumerate(lookup.lists):
        alias = f"x{i}"
        select += [
            f"coalesce({alias}.{form}, {empty[form]}) AS {column}_{form}" for form in TOKEN_FORMS
        ]
        joins.append(
            f"LEFT JOIN {_TOK_FORMS} {alias} ON {alias}.text = array_to_string(s.{column}, ' ')"
        )
    query = f"SELECT {', '.join(select)} FROM {lookup.source} s {' '.join(joins)}"
    if lookup.extra:
        cores = " , ".join(f"{column}_cores" for column in lookup.lists)
        query = (
            f"SELECT * EXCLUDE (cores), {', '.join(lookup.extra)} FROM ("
            f"SELECT *, list_sort(list_concat({cores})) AS cores FROM ({query}))"
        )
    return query
