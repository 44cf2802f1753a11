"""Name lookups: each distinct raw name -> its tokens, their roles and their phonetic keys.

Names repeat heavily, so each raw value of a name column is folded, cleared of placeholders and
split into given names and surnames once, into a lookup table keyed by that value; each token list
comes with every form a record needs (the names, their cores, their phonetic keys, the tokens run
together), so that a record only picks and concatenates lists (see ``_name_columns``).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from linkage.normalization._name_priors import COMMON_GIVEN_NAMES, COMMON_SURNAMES
from linkage.normalization._phonetic import spanish_key

#: Given-name share above which an ambiguous token is read as a given name.
GIVEN_SHARE_THRESHOLD = 0.5


def _cleaned(column: str) -> str:
    """SQL: each distinct raw value of a name column, folded (``folded``), whether it holds a
    placeholder (``hp``) and cleared of placeholders (``clean``)."""
    return f"""SELECT raw, folded, hp, lk_clean(folded, hp) AS clean FROM (
                SELECT raw, folded, lk_has_place(folded) AS hp FROM (
                    SELECT raw, lk_fold(raw) AS folded FROM (
                        SELECT DISTINCT {column} AS raw FROM _stage WHERE {column} IS NOT NULL)))"""


def build_name_lookups(con: duckdb.DuckDBPyConnection, *, parts: bool) -> None:
    """Fold, de-placeholder and split the names, once per distinct raw value of each name column.

    Builds one lookup table per raw name column, keyed by the raw text (``raw``): ``_nm_first``,
    ``_nm_middle``, ``_nm_last`` and ``_nm_full``/``_nm_full_parts`` (a full name's comma parts and
    its "First Middle Last" split; ``_nm_full_parts`` only when ``parts``: a source has both a
    full name and other name columns). Each token list in them comes with the forms a record needs
    (``*build_name_lookups``, ``*_cores``, ``*_keys``, ``*_joined``; see :func:`_token_forms`), so that per
    record :func:`_name_sql` only picks and concatenates lists.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _nm_first0 AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("first_name")});
        CREATE OR REPLACE TEMP TABLE _nm_last0 AS
        SELECT raw, folded, hp, clean, lk_tokens(clean) AS tok FROM ({_cleaned("last_name")});
        CREATE OR REPLACE TEMP TABLE _nm_middle0 AS
        SELECT raw, hp, clean, lk_particles(clean) AS key FROM ({_cleaned("middle_name")});
        CREATE OR REPLACE TEMP TABLE _nm_full0 AS
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
                    FROM (SELECT DISTINCT full_name AS raw FROM _stage WHERE full_name IS NOT NULL))));
        """
    )
    # How often each token is written as a given name or a surname in the structured columns
    # (the first name, else a full name's part after the comma; the last name, else the part
    # before it), over records: each distinct pair of raw columns counts its number of records.
    counts = con.execute(
        """
        WITH fc AS (SELECT first_name, full_name, count(*) AS n FROM _stage GROUP BY ALL),
             lc AS (SELECT last_name, full_name, count(*) AS n FROM _stage GROUP BY ALL),
             g AS (
                SELECT unnest(CASE WHEN f.folded IS NOT NULL THEN f.tok ELSE u.given_tok END) AS t, fc.n
                FROM fc LEFT JOIN _nm_first0 f ON f.raw = fc.first_name
                LEFT JOIN _nm_full0 u ON u.raw = fc.full_name),
             s AS (
                SELECT unnest(CASE WHEN l.folded IS NOT NULL THEN l.tok ELSE u.last_tok END) AS t, lc.n
                FROM lc LEFT JOIN _nm_last0 l ON l.raw = lc.last_name
                LEFT JOIN _nm_full0 u ON u.raw = lc.full_name)
        SELECT t, sum(g) AS g, sum(s) AS s FROM (
            SELECT lk_core(t) AS t, n AS g, 0 AS s FROM (SELECT t, sum(n) AS n FROM g GROUP BY t)
            UNION ALL
            SELECT lk_core(t), 0, n FROM (SELECT t, sum(n) AS n FROM s GROUP BY t))
        WHERE t <> '' GROUP BY t
        """
    ).fetchall()
    given_n: dict[str, float] = {}
    surname_n: dict[str, float] = {}
    for token, g, s in counts:
        given_n[token] = float(g)
        surname_n[token] = float(s)

    def given_share(token: str) -> float:
        core = token.rsplit("_", 1)[-1]
        g = given_n.get(core, 0.0) + (5.0 if core in COMMON_GIVEN_NAMES else 0.0)
        s = surname_n.get(core, 0.0) + (5.0 if core in COMMON_SURNAMES else 0.0)
        return (g + 0.5) / (g + s + 1.0)

    # "First Middle Last" full names: given names are the leading tokens that read as given names,
    # always leaving at least one surname.
    plain = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT plain_key FROM _nm_full0 WHERE plain_key IS NOT NULL"
        ).fetchall()
        if r[0]
    ]
    split_rows = []
    for text in plain:
        tokens = text.split()
        if len(tokens) == 1:
            given, surnames = (
                (tokens, []) if given_share(tokens[0]) > GIVEN_SHARE_THRESHOLD else ([], tokens)
            )
        else:
            k = 1
            while k < len(tokens) - 1 and given_share(tokens[k]) > GIVEN_SHARE_THRESHOLD:
                k += 1
            if len(tokens) >= 4 and k == 1 and given_share(tokens[1]) > 0.3:
                k = 2
            given, surnames = tokens[:k], tokens[k:]
        split_rows.append((text, " ".join(given) or None, " ".join(surnames) or None))
    # Middle names: tokens that read as surnames are a maternal surname pushed into the middle.
    middles = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT key FROM _nm_middle0 WHERE key IS NOT NULL"
        ).fetchall()
        if r[0]
    ]
    middle_rows = []
    for text in middles:
        tokens = text.split()
        # A middle name is a given name unless the data says the token is mostly a surname.
        given = [t for t in tokens if given_share(t) >= GIVEN_SHARE_THRESHOLD]
        surnames = [t for t in tokens if given_share(t) < GIVEN_SHARE_THRESHOLD]
        middle_rows.append((text, " ".join(given) or None, " ".join(surnames) or None))
    _split_table(con, "_plain_split", split_rows)
    _split_table(con, "_middle_split", middle_rows)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _nm_middle1 AS
        SELECT m.raw, m.hp, m.clean, ms.surnames IS NOT NULL AS in_middle,
            lk_tokens(ms.given) AS g_tok, lk_tokens(ms.surnames) AS s_tok
        FROM _nm_middle0 m LEFT JOIN _middle_split ms ON ms.text = m.key;
        CREATE OR REPLACE TEMP TABLE _nm_full1 AS
        SELECT *, list_concat(given_tok, pg_tok) AS g_all, list_concat(last_tok, ps_tok) AS s_all
        FROM (
            SELECT u.raw, u.hp, u.given_clean, u.given_tok, u.last_clean, u.last_tok,
                ps.given AS p_given, ps.surnames AS p_surnames,
                lk_tokens(ps.given) AS pg_tok, lk_tokens(ps.surnames) AS ps_tok
            FROM _nm_full0 u LEFT JOIN _plain_split ps ON ps.text = u.plain_key);
        """
    )
    _token_forms(con, parts=parts)


#: The name lookups: table -> (built from, columns kept, token-list columns, extra columns over
#: the token lists' forms).
NAME_LOOKUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "_nm_first": ("_nm_first0", ("raw", "folded", "hp", "clean"), ("tok",), ()),
    "_nm_last": ("_nm_last0", ("raw", "folded", "hp", "clean"), ("tok",), ()),
    "_nm_middle": ("_nm_middle1", ("raw", "hp", "clean", "in_middle"), ("g_tok", "s_tok"), ()),
    # A full name whole: all its given names, all its surnames, and its name tokens.
    "_nm_full": (
        "_nm_full1",
        ("raw", "hp", "given_clean", "last_clean", "p_given", "p_surnames"),
        ("g_all", "s_all"),
        ("list_filter(cores, lambda t, i: i = 1 OR cores[i - 1] <> t) AS tokens",),
    ),
    # A full name's parts, for the records that also have other name columns.
    "_nm_full_parts": (
        "_nm_full1",
        ("raw",),
        ("given_tok", "last_tok", "pg_tok", "ps_tok"),
        (),
    ),
}
#: What a record needs of a token list: the tokens as written (particles joined by a space),
#: their cores (the word after the particles), their phonetic keys, and the tokens run together.
_TOKEN_FORMS = ("names", "cores", "keys", "joined")


def _token_forms(con: duckdb.DuckDBPyConnection, *, parts: bool) -> None:
    """Build the name lookups of :data:`NAME_LOOKUPS`, each token list with its forms.

    The forms are computed once per distinct token list. A token list's text (its tokens joined
    by a space) identifies it: tokens never hold a space. Phonetic keys are computed in Python
    (once per distinct token, cached).
    """
    lookups = {t: spec for t, spec in NAME_LOOKUPS.items() if parts or t != "_nm_full_parts"}
    lists = " UNION ".join(
        f"SELECT {column} AS tok FROM {source}"
        for source, _, columns, _ in lookups.values()
        for column in columns
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _tok_lists AS
        SELECT array_to_string(tok, ' ') AS text, tok FROM ({lists}) WHERE len(tok) > 0
        """
    )
    texts = [r[0] for r in con.execute("SELECT text FROM _tok_lists").fetchall()]
    cache: dict[str, str | None] = {}

    def key(token: str) -> str | None:
        core = token.rsplit("_", 1)[-1]
        if core not in cache:
            cache[core] = spanish_key(core)
        return cache[core]

    keys = [[k for k in map(key, text.split(" ")) if k is not None] for text in texts]
    frame = pa.table(
        {"text": pa.array(texts, pa.string()), "keys": pa.array(keys, pa.list_(pa.string()))}
    )
    con.register("_token_key_frame", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _tok_keys AS "
            "SELECT text, CAST(keys AS VARCHAR[]) AS keys FROM _token_key_frame"
        )
    finally:
        con.unregister("_token_key_frame")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _tok_forms AS
        SELECT t.text,
            list_transform(t.tok, lambda x: replace(x, '_', ' ')) AS names,
            list_transform(t.tok, lambda x: lk_core(x)) AS cores,
            k.keys,
            array_to_string(list_transform(t.tok, lambda x: replace(x, '_', '')), '') AS joined
        FROM _tok_lists t JOIN _tok_keys k USING (text)
        """
    )
    # The forms of an empty token list (which has no row in _tok_forms).
    empty = {"names": "[]::VARCHAR[]", "cores": "[]::VARCHAR[]", "keys": "[]::VARCHAR[]"}
    empty["joined"] = "''"
    for table, (source, kept, columns, extra) in lookups.items():
        select = [f"s.{c}" for c in kept]
        joins = []
        for i, column in enumerate(columns):
            alias = f"x{i}"
            select += [
                f"coalesce({alias}.{form}, {empty[form]}) AS {column}_{form}"
                for form in _TOKEN_FORMS
            ]
            joins.append(
                f"LEFT JOIN _tok_forms {alias} ON {alias}.text = array_to_string(s.{column}, ' ')"
            )
        query = f"SELECT {', '.join(select)} FROM {source} s {' '.join(joins)}"
        if extra:
            cores = " , ".join(f"{column}_cores" for column in columns)
            query = (
                f"SELECT * EXCLUDE (cores), {', '.join(extra)} FROM ("
                f"SELECT *, list_sort(list_concat({cores})) AS cores FROM ({query}))"
            )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}")


def _split_table(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """``table(text, given, surnames)`` from Python rows."""
    frame = pa.table(
        {
            name: pa.array([row[i] for row in rows], pa.string())
            for i, name in enumerate(("text", "given", "surnames"))
        }
    )
    con.register("_split_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _split_frame")
    finally:
        con.unregister("_split_frame")
