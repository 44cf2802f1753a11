"""benchmarks/bench_blocking.py: the figures the docs quote about bounded blocks hold together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bounded_blocks_form_fewer_pairs_and_keep_no_true_pair_the_unbounded_rules_lose(
    tmp_path: Path,
) -> None:
    out = tmp_path / "blocking.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_blocking.py"), "--children", "800",
         "--max-block", "4", "--cache-dir", str(tmp_path / "cache"), "--json", str(out),
         "--top-k", "2"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    bounded, unbounded = json.loads(out.read_text())
    assert (bounded["max_block"], unbounded["max_block"]) == (4, None)
    assert bounded["records"] == unbounded["records"] > 2_000
    assert bounded["true_pairs"] == unbounded["true_pairs"] > 0
    # a bounded block is a part of the unbounded one: fewer pairs, and never a true pair more
    assert bounded["candidate_pairs"] < unbounded["candidate_pairs"]
    assert bounded["true_pairs_direct"] <= unbounded["true_pairs_direct"]
    for figures in (bounded, unbounded):
        assert sum(r["pairs"] for r in figures["by_rule"]) == figures["candidate_pairs"]
        assert 0.9 < figures["direct"] <= figures["connected"] <= 1.0
    # pruned to each record's two best: at most two pairs per record, all of them candidates
    for figures in (bounded, unbounded):
        (pruned,) = figures["top_k"]
        assert pruned["k"] == 2
        assert pruned["candidate_pairs"] <= 2 * figures["records"]
        assert pruned["true_pairs_direct"] <= figures["true_pairs_direct"]
        assert 0.5 < pruned["direct"] <= pruned["connected"] <= figures["connected"]
    # the table printed for the docs
    assert "| 800 |" in run.stdout and "bounded at 4" in run.stdout and "unbounded" in run.stdout
    assert "each record's 2 best" in run.stdout
