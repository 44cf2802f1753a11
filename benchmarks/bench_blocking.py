"""Blocking benchmark: candidate pairs per record, and the true pairs they keep, bounded or not.

For each number of children (``--children``, default 60,000 125,000 250,000 500,000), on the
extracts ``bench_scale.py`` caches (generated here when absent, same layout and seed):

1. read and normalise the extracts and build the model input, as ``link`` does;
2. for the default blocking rules (each bounded at its own ``max_block``, or every bounded rule
   at ``--max-block``) and for the same rules unbounded (every pair of a block: the rules before
   bounded blocks), count the distinct candidate pairs (as Splink forms them: a pair is counted
   by the first rule that makes it) in all and per record;
3. against the truth: the true pairs (two records of one child) that are candidates
   (*direct*), and those whose records are connected by true candidate pairs (*connected*: what
   clustering can reach, since an identity is a connected component of links);
4. with ``--top-k K ...``, the same for the candidate pairs pruned to each record's K best by a
   cheap score (a pair is kept when it is among the K best of either of its records): the
   cardinality node pruning of meta-blocking, measured as another way to bound the pairs per
   record (docs/performance.md; not what ``link`` does).

No model is trained and nothing is scored: this measures what blocking hands to predict. Run::

    .venv/bin/python benchmarks/bench_blocking.py --children 60000 500000 --cache-dir /tmp/b

The figures are in ``docs/performance.md`` (bounded blocks: pairs per record and recall).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import DEFAULT_CACHE, DEFAULT_CHILDREN, prepare  # noqa: E402

logger = logging.getLogger("bench_blocking")


#: The default rules with their own bounds (:data:`linkage.blocking.DEFAULT_BLOCKING_RULES`).
OWN_BOUNDS = "own"


def measure(
    folder: Path, bounds: Sequence[int | str | None], top_k: Sequence[int] = ()
) -> list[dict[str, Any]]:
    """The candidate pairs and the true pairs kept by the default rules bounded at each of
    ``bounds`` (one bound for every bounded rule; :data:`OWN_BOUNDS`: each rule's own; None:
    unbounded) on the extracts of ``folder``, read and normalised once; with ``top_k``, also
    those pruned to each record's best ``k`` (:func:`_pruned`)."""
    from linkage import normalize, read_sources
    from linkage.model import prepare_input
    from linkage.synthetic import read_truth

    con = normalize(read_sources(folder / "data")).con
    prepare_input(con)
    truth, _ = read_truth(folder / "truth")
    con.register("bench_truth_frame", truth)
    try:
        return [_measure_rules(con, max_block, folder, top_k) for max_block in bounds]
    finally:
        con.close()


def _measure_rules(
    con: Any, max_block: int | str | None, folder: Path, top_k: Sequence[int] = ()
) -> dict[str, Any]:
    """:func:`measure` for one bound, on the model input of ``con``."""
    from linkage.blocking import DEFAULT_BLOCKING_RULES, add_block_keys, drop_block_keys
    from linkage.tables import MODEL_INPUT

    rules = [
        r
        if max_block == OWN_BOUNDS
        else dataclasses.replace(r, max_block=max_block if r.bounded else None)
        for r in DEFAULT_BLOCKING_RULES
    ]
    start = time.perf_counter()
    table = add_block_keys(con, rules, MODEL_INPUT, "bench_blocked")
    keys_seconds = time.perf_counter() - start
    # integer ids for the joins, and each record's child
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bench_input AS
        SELECT row_number() OVER (ORDER BY t.unique_id) - 1 AS rid, c.child_id, t.*
        FROM {table} t JOIN (SELECT source || ':' || record_id AS unique_id, child_id
                             FROM bench_truth_frame) c USING (unique_id)"""
    )
    n = int(con.execute("SELECT count(*) FROM bench_input").fetchall()[0][0])
    n_model = int(con.execute(f"SELECT count(*) FROM {MODEL_INPUT}").fetchall()[0][0])
    if n != n_model:
        raise SystemExit(f"{n_model - n} records of the model input have no truth in {folder}")
    rows, earlier, true_parts = [], [], []
    start = time.perf_counter()
    for i, rule in enumerate(rules):
        condition = rule.sql()
        new = " AND ".join(
            ["l.rid < r.rid", condition, *(f"NOT coalesce({e}, false)" for e in earlier)]
        )
        count = int(
            con.execute(
                f"SELECT count(*) FROM bench_input l JOIN bench_input r ON {new}"
            ).fetchall()[0][0]
        )
        rows.append({"rule": rule.name, "pairs": count})
        true_parts.append(
            f"SELECT l.rid AS l, r.rid AS r FROM bench_input l JOIN bench_input r "
            f"ON l.child_id = r.child_id AND l.rid < r.rid AND {condition}"
        )
        earlier.append(f"({condition})")
        logger.info("rule %d: %s new pairs", i + 1, f"{count:,}")
    pairs_seconds = time.perf_counter() - start
    true_pairs = con.execute("SELECT l, r FROM (" + " UNION ".join(true_parts) + ")").fetchnumpy()
    all_true = int(
        con.execute(
            "SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
            "(SELECT count(*) AS n FROM bench_input GROUP BY child_id)"
        ).fetchall()[0][0]
    )
    child = con.execute("SELECT child_id FROM bench_input ORDER BY rid").fetchnumpy()["child_id"]
    child_code = np.unique(child, return_inverse=True)[1].ravel()
    connected = _connected(child_code, true_pairs)
    candidates = sum(r["pairs"] for r in rows)
    pruned = _pruned(con, rules, top_k, child_code, all_true) if top_k else []
    con.execute("DROP TABLE bench_input")
    drop_block_keys(con, "bench_blocked")
    return {
        "max_block": max_block,
        "records": n,
        "candidate_pairs": candidates,
        "pairs_per_record": candidates / n,
        "true_pairs": all_true,
        "true_pairs_direct": len(true_pairs["l"]),
        "direct": len(true_pairs["l"]) / all_true,
        "connected": connected / all_true,
        "keys_seconds": keys_seconds,
        "pairs_seconds": pairs_seconds,
        "by_rule": rows,
        "top_k": pruned,
    }


def _connected(child_code: np.ndarray, true_pairs: dict[str, np.ndarray]) -> int:
    """How many true pairs (two records of one child; ``child_code`` is each record's child, by
    ``rid``) have their records joined through ``true_pairs`` (``l``, ``r``: the true candidate
    pairs), with the same union-find clustering uses."""
    from linkage.clustering import _components  # the same union-find clustering uses

    left, right = true_pairs["l"].astype(np.int64), true_pairs["r"].astype(np.int64)
    labels = _components(len(child_code), left, right)
    groups = np.unique(np.stack([child_code, labels]), axis=1, return_counts=True)[1]
    return int((groups.astype(np.int64) * (groups - 1) // 2).sum())


#: The cheap score of :func:`_pruned`: equalities of the narrow columns (no name lists),
#: weighted by hand. Not the model: what a pruning step before predict could afford.
CHEAP_SCORE = """
    8 * coalesce(a.a_number = b.a_number, FALSE)::INT - 6 * coalesce(a.a_number <> b.a_number, FALSE)::INT
    + 4 * coalesce(a.dob = b.dob, FALSE)::INT + 2 * coalesce(a.dob_year = b.dob_year, FALSE)::INT
    + 3 * coalesce(a.given_key = b.given_key, FALSE)::INT + 3 * coalesce(a.surname_key = b.surname_key, FALSE)::INT
    + coalesce(a.given_phon_1 = b.given_phon_1, FALSE)::INT + coalesce(a.surname_phon_1 = b.surname_phon_1, FALSE)::INT
    + coalesce(a.sex = b.sex, FALSE)::INT + coalesce(a.country = b.country, FALSE)::INT
    + 2 * coalesce(abs(date_diff('day', a.event_date, b.event_date)) <= 14, FALSE)::INT"""


def _pruned(
    con: Any, rules: Sequence[Any], top_k: Sequence[int], child_code: np.ndarray, all_true: int
) -> list[dict[str, Any]]:
    """Meta-blocking's cardinality node pruning: every distinct candidate pair of ``rules`` on
    ``bench_input``, scored by the number of rules that form it plus :data:`CHEAP_SCORE`; each
    record's pairs ranked by that score (ties: the nearer events, then the other record); for
    each ``k`` of ``top_k``, the pairs among the ``k`` best of either record, with the true
    pairs they keep direct and connected (``child_code``: each record's child, by ``rid``)."""
    n = len(child_code)
    forms = " UNION ALL ".join(
        f"SELECT l.rid AS l, r.rid AS r FROM bench_input l JOIN bench_input r "
        f"ON l.rid < r.rid AND {rule.sql()}"
        for rule in rules
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE bench_pairs AS
        SELECT p.l, p.r, (a.child_id = b.child_id) AS same_child, p.rules + {CHEAP_SCORE} AS s,
            abs(date_diff('day', a.event_date, b.event_date)) AS days
        FROM (SELECT l, r, count(*) AS rules FROM ({forms}) GROUP BY l, r) p
        JOIN bench_input a ON a.rid = p.l JOIN bench_input b ON b.rid = p.r"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE bench_ranked AS
        SELECT l, r, any_value(same_child) AS same_child, min(rank) AS rank FROM (
            SELECT l, r, same_child,
                row_number() OVER (PARTITION BY rec ORDER BY s DESC, days, other) AS rank
            FROM (SELECT l AS rec, r AS other, * FROM bench_pairs
                  UNION ALL SELECT r, l, * FROM bench_pairs))
        GROUP BY l, r"""
    )
    out = []
    for k in top_k:
        kept = con.execute(
            f"SELECT l, r FROM bench_ranked WHERE rank <= {int(k)} AND same_child"
        ).fetchnumpy()
        counted = con.execute(f"SELECT count(*) FROM bench_ranked WHERE rank <= {int(k)}")
        pairs = int(counted.fetchall()[0][0])
        connected = _connected(child_code, kept)
        out.append(
            {
                "k": int(k),
                "candidate_pairs": pairs,
                "pairs_per_record": pairs / n,
                "true_pairs_direct": len(kept["l"]),
                "direct": len(kept["l"]) / all_true,
                "connected": connected / all_true,
            }
        )
        logger.info("top %d: %s", k, out[-1])
    con.execute("DROP TABLE bench_pairs")
    con.execute("DROP TABLE bench_ranked")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, nargs="+", default=list(DEFAULT_CHILDREN))
    parser.add_argument("--seed", type=int, default=0, help="seed of the data (0)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--max-block",
        type=int,
        default=None,
        help="one bound for every bounded rule (default: each rule's own)",
    )
    parser.add_argument("--no-unbounded", action="store_true", help="skip the unbounded rules")
    parser.add_argument(
        "--top-k",
        type=int,
        nargs="+",
        default=[],
        help="also prune the pairs to each record's K best by a cheap score (meta-blocking)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S"
    )
    bound = args.max_block or OWN_BOUNDS
    results = []
    for children in args.children:
        folder = prepare(args.cache_dir, children, args.seed)
        bounds = (bound,) if args.no_unbounded else (bound, None)
        for figures in measure(folder, bounds, args.top_k):
            figures["children"] = children
            results.append(figures)
            logger.info("%s", {k: v for k, v in figures.items() if k != "by_rule"})
    print()
    print(
        "| children | records | blocks | candidate pairs | per record | true pairs direct | connected |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for f in results:
        blocks = (
            "each rule's own bound"
            if f["max_block"] == OWN_BOUNDS
            else f"bounded at {f['max_block']}"
            if f["max_block"]
            else "unbounded"
        )
        print(
            f"| {f['children']:,} | {f['records']:,} | {blocks} | {f['candidate_pairs']:,} "
            f"| {f['pairs_per_record']:.1f} | {f['direct']:.5f} | {f['connected']:.5f} |"
        )
        for t in f["top_k"]:
            print(
                f"| {f['children']:,} | {f['records']:,} | {blocks}, each record's {t['k']} best "
                f"| {t['candidate_pairs']:,} | {t['pairs_per_record']:.1f} | {t['direct']:.5f} "
                f"| {t['connected']:.5f} |"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
