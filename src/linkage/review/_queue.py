"""What a reviewer should look at first, and what each decision would change.

The queue holds two kinds of items, both record pairs:

- ``weak_link``: the weakest link of an identity, when it is below the review threshold
  (``Thresholds.review_probability``): the pair whose record's best link to the identity is the
  weakest. Decided *different*, that record would stand alone.
- ``refused_link``: the strongest link between two identities that clustering kept apart (a
  conflict, or the size cap): the model called them one child, a rule did not. Decided *same*,
  the two identities would be one.

For each item the statuses under both decisions are computed (the identities each decision
would make, through the same status query the report uses), and the queue is ordered by what a
mistake would change: first the items whose decision moves a child between lost and not lost,
then those whose decision changes a status at all, then by uncertainty (probability nearest
0.5). Items already decided are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from linkage.handoff._sql import identities_sql
from linkage.schema import CANONICAL_COLUMNS, LOST_STATUSES
from linkage.store._schema import T
from linkage.tables import scratch

if TYPE_CHECKING:
    from linkage.store import Store

__all__ = ["QUEUE_COLUMNS", "review_queue", "sample_links"]

QUEUE_COLUMNS = [
    "item_id", "kind", "unique_id_l", "unique_id_r", "source_l", "record_id_l", "source_r",
    "record_id_r", "match_probability", "identity_l", "identity_r", "status_now",
    "status_if_same", "status_if_different", "changes_lost", "changes_status",
]  # fmt: skip


def _links_sql(threshold: float) -> str:
    """The stored links (pairs at or above the match threshold) with both records' identities."""
    return f"""SELECT p.unique_id_l, p.unique_id_r, p.match_probability AS p,
                      cl.identity_id AS il, cr.identity_id AS ir
               FROM {T.pairs} p
               JOIN {T.clusters} cl ON cl.unique_id = p.unique_id_l
               JOIN {T.clusters} cr ON cr.unique_id = p.unique_id_r
               WHERE p.match_probability >= {threshold}"""


def _decided_sql(mode: str | None) -> str:
    where = "" if mode is None else f"WHERE mode = '{mode}'"
    return f"""SELECT least(source_l || ':' || record_id_l, source_r || ':' || record_id_r) AS a,
                      greatest(source_l || ':' || record_id_l, source_r || ':' || record_id_r) AS b
               FROM {T.decisions} {where}"""


def _items(con: duckdb.DuckDBPyConnection, threshold: float, review: float) -> pd.DataFrame:
    """The weak and refused links (kind, pair, probability, identities), undecided."""
    return con.execute(
        f"""WITH links AS MATERIALIZED ({_links_sql(threshold)}),
        inside AS MATERIALIZED (SELECT unique_id_l, unique_id_r, p, il FROM links WHERE il = ir),
        -- An identity's weak item is a record whose every link inside it is below the review
        -- threshold: only the records with such a link can be it, so only their links are
        -- ranked (not the million links of a store: the same items in half the time).
        low AS (SELECT unique_id_l AS u FROM inside WHERE p < {review}
                UNION SELECT unique_id_r FROM inside WHERE p < {review}),
        ends AS (
            SELECT unique_id_l AS u, unique_id_r AS o, p, il FROM inside
            WHERE unique_id_l IN (SELECT u FROM low)
            UNION ALL SELECT unique_id_r, unique_id_l, p, il FROM inside
            WHERE unique_id_r IN (SELECT u FROM low)),
        -- Ties (many links at p = 1.0) are broken by the ids, and both ends of an item come
        -- from one row: the queue is the same on every call.
        best AS (SELECT u, il, arg_max(o, (p, o)) AS o, max(p) AS p FROM ends GROUP BY u, il),
        weak AS (
            SELECT 'weak_link' AS kind, w.o AS keep, w.u AS alone, p, il, il AS ir FROM (
                SELECT arg_min({{'o': o, 'u': u}}, (p, u, o)) AS w, min(p) AS p, il
                FROM best GROUP BY il HAVING min(p) < {review})),
        refused AS (
            SELECT 'refused_link' AS kind, w.l AS keep, w.r AS alone, p, il, ir FROM (
                SELECT arg_max({{'l': unique_id_l, 'r': unique_id_r}},
                               (p, unique_id_l, unique_id_r)) AS w,
                       max(p) AS p, least(il, ir) AS il, greatest(il, ir) AS ir
                FROM links WHERE il <> ir GROUP BY least(il, ir), greatest(il, ir))),
        items AS (SELECT * FROM weak UNION ALL SELECT * FROM refused)
        SELECT kind, least(keep, alone) AS unique_id_l, greatest(keep, alone) AS unique_id_r,
               alone, p AS match_probability, il AS identity_l, ir AS identity_r
        FROM items
        WHERE NOT EXISTS (
            SELECT 1 FROM ({_decided_sql(None)}) d
            WHERE d.a = least(keep, alone) AND d.b = greatest(keep, alone))"""
    ).df()


def _statuses(con: duckdb.DuckDBPyConnection, items: pd.DataFrame, review: float) -> pd.DataFrame:
    """Each item's status now and under each decision (``status_now, status_if_same,
    status_if_different``), from hypothetical identities run through the status query."""
    frame = items.reset_index(drop=True).assign(k=lambda f: f.index.astype(str))
    con.register(scratch("review_items"), frame[["k", "kind", "alone", "identity_l", "identity_r"]])
    records = ", ".join(CANONICAL_COLUMNS)
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {scratch("hypothetical")} AS
            SELECT 'rest:' || i.k AS identity_id, c.unique_id, NULL::DOUBLE AS link_probability
            FROM {scratch("review_items")} i JOIN {T.clusters} c ON c.identity_id = i.identity_l
            WHERE i.kind <> 'refused_link' AND c.unique_id <> i.alone
            UNION ALL
            SELECT 'alone:' || k, alone, NULL FROM {scratch("review_items")}
            WHERE kind <> 'refused_link'
            UNION ALL
            SELECT 'both:' || i.k, c.unique_id, NULL
            FROM {scratch("review_items")} i JOIN {T.clusters} c ON c.identity_id = i.identity_l
            WHERE i.kind = 'refused_link'
            UNION ALL  -- two equality joins, not one join on an OR (a nested loop)
            SELECT 'both:' || i.k, c.unique_id, NULL
            FROM {scratch("review_items")} i JOIN {T.clusters} c ON c.identity_id = i.identity_r
            WHERE i.kind = 'refused_link' AND i.identity_r <> i.identity_l"""
        )
        rows = con.execute(
            f"""WITH r AS (SELECT {records} FROM {T.records})
            SELECT identity_id, status FROM ({
                identities_sql("r", scratch("hypothetical"), review_threshold=review)
            })"""
        ).fetchall()
        # the statuses now of the items' identities only (not every identity of the store)
        now = dict(
            con.execute(
                f"""SELECT identity_id, status FROM {T.identities} WHERE identity_id IN (
                    SELECT identity_l FROM {scratch("review_items")}
                    UNION SELECT identity_r FROM {scratch("review_items")})"""
            ).fetchall()
        )
    finally:
        con.unregister(scratch("review_items"))
        con.execute(f"DROP TABLE IF EXISTS {scratch('hypothetical')}")
    hypothetical = dict(rows)
    out = []
    for row in frame.itertuples():
        a, b = now.get(row.identity_l), now.get(row.identity_r)
        if row.kind == "refused_link":
            both = hypothetical.get(f"both:{row.k}")
            out.append((f"{a} + {b}", both, f"{a} + {b}", _lost(both) != _lost(a) or
                        _lost(both) != _lost(b), both not in (a, b) or a != b))  # fmt: skip
        else:
            rest, alone = hypothetical.get(f"rest:{row.k}"), hypothetical.get(f"alone:{row.k}")
            out.append((a, a, f"{rest} + {alone}", _lost(rest) != _lost(a), rest != a))
    return pd.DataFrame(
        out,
        columns=["status_now", "status_if_same", "status_if_different", "changes_lost",
                 "changes_status"],
    )  # fmt: skip


def _lost(status: object) -> bool:
    return status in LOST_STATUSES


def _finish(frame: pd.DataFrame, statuses: pd.DataFrame) -> pd.DataFrame:
    """The queue's columns, in its order."""
    frame = pd.concat([frame.reset_index(drop=True), statuses], axis=1)
    split_l = frame["unique_id_l"].str.split(":", n=1, expand=True)
    split_r = frame["unique_id_r"].str.split(":", n=1, expand=True)
    frame["source_l"], frame["record_id_l"] = split_l[0], split_l[1]
    frame["source_r"], frame["record_id_r"] = split_r[0], split_r[1]
    frame["item_id"] = frame["unique_id_l"] + "|" + frame["unique_id_r"]
    frame["uncertainty"] = (frame["match_probability"] - 0.5).abs()
    frame = frame.sort_values(
        ["changes_lost", "changes_status", "uncertainty", "item_id"],
        ascending=[False, False, True, True],
        kind="stable",
    )
    return frame[QUEUE_COLUMNS].reset_index(drop=True)


def review_queue(store: Store, *, limit: int | None = None) -> pd.DataFrame:
    """The items to review, most consequential first (see the module's docstring for the
    columns' meaning and the order); decided items are left out.

    Args:
        store: the store to review.
        limit: at most this many items (all by default).
    """
    model = store.model
    if model is None:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    thresholds = model.thresholds
    items = _items(
        store.con, float(thresholds.match_probability), float(thresholds.review_probability)
    )
    if items.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    queue = _finish(items, _statuses(store.con, items, float(thresholds.review_probability)))
    return queue if limit is None else queue.head(limit)


def sample_links(store: Store, n: int = 200, *, seed: int = 0) -> pd.DataFrame:
    """``n`` links drawn at random from the links inside identities (every link alike), not yet
    decided in the sample mode: the items of "check a sample", whose decisions estimate the
    precision of the links (:func:`linkage.review.precision_estimate`)."""
    model = store.model
    if model is None:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    thresholds = model.thresholds
    drawn = store.con.execute(
        f"""WITH links AS ({_links_sql(float(thresholds.match_probability))})
        SELECT 'sample' AS kind, unique_id_l, unique_id_r, unique_id_r AS alone,
               p AS match_probability, il AS identity_l, ir AS identity_r
        FROM links
        WHERE il = ir AND NOT EXISTS (
            SELECT 1 FROM ({_decided_sql("sample")}) d
            WHERE d.a = unique_id_l AND d.b = unique_id_r)
        ORDER BY hash(unique_id_l || '|' || unique_id_r || '|' || {int(seed)})
        LIMIT {int(n)}"""
    ).df()
    if drawn.empty:
        return pd.DataFrame(columns=QUEUE_COLUMNS)
    statuses = _statuses(store.con, drawn, float(thresholds.review_probability))
    frame = _finish(drawn, statuses)
    order = {key: i for i, key in enumerate(drawn["unique_id_l"] + "|" + drawn["unique_id_r"])}
    return frame.sort_values("item_id", key=lambda s: s.map(order)).reset_index(drop=True)
