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
   clustering can reach, since an identity is a connected component of links).

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


def measure(folder: Path, bounds: Sequence[int | str | None]) -> list[dict[str, Any]]:
    """The candidate pairs and the true pairs kept by the default rules bounded at each of
    ``bounds`` (one bound for every bounded rule; :data:`OWN_BOUNDS`: each rule's own; None:
    unbounded) on the extracts of ``folder``, read and normalised once."""
    from linkage import normalize, read_sources
    from linkage.model import prepare_input
    from linkage.synthetic import read_truth

    con = normalize(read_sources(folder / "data")).con
    prepare_input(con)
    truth, _ = read_truth(folder / "truth")
    con.register("bench_truth_frame", truth)
    try:
        return [_measure_rules(con, max_block, folder) for max_block in bounds]
    finally:
        con.close()


def _measure_rules(con: Any, max_block: int | str | None, folder: Path) -> dict[str, Any]:
    """:func:`measure` for one bound, on the model input of ``con``."""
    from linkage.blocking import DEFAULT_BLOCKING_RULES, add_block_keys, drop_block_keys
    from linkage.clustering import _components  # the same union-find clustering uses
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
    labels = _components(n, true_pairs["l"].astype(np.int64), true_pairs["r"].astype(np.int64))
    child = con.execute("SELECT child_id FROM bench_input ORDER BY rid").fetchnumpy()["child_id"]
    groups = np.unique(
        np.stack([np.unique(child, return_inverse=True)[1].ravel(), labels]),
        axis=1,
        return_counts=True,
    )[1].astype(np.int64)
    connected = int((groups * (groups - 1) // 2).sum())
    candidates = sum(r["pairs"] for r in rows)
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
    }


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
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S"
    )
    bound = args.max_block or OWN_BOUNDS
    results = []
    for children in args.children:
        folder = prepare(args.cache_dir, children, args.seed)
        for figures in measure(folder, (bound,) if args.no_unbounded else (bound, None)):
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
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
