"""Blocking: the pair count checked before predicting, the limit, and the recall of the rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkage import BlockingError, LinkageError, normalize
from linkage.blocking import DEFAULT_BLOCKING_RULES, BlockingRule, count_comparisons
from linkage.clustering import _components
from linkage.model import prepare_input
from linkage.synthetic import generate


@pytest.fixture(scope="module")
def small():
    """The model input of a small synthetic population (about 550 records)."""
    con = normalize(generate(150, seed=1).sources).con
    table = prepare_input(con)
    return con, table


def _equal(values: pd.Series, other: pd.Series) -> np.ndarray:
    """n x n matrix: values[i] == other[j], both present."""
    present_l, present_r = values.notna().to_numpy(), other.notna().to_numpy()
    left = values.astype(object).where(values.notna(), None).to_numpy()
    right = other.astype(object).where(other.notna(), None).to_numpy()
    same = (left[:, None] == right[None, :]).astype(bool)
    return same & present_l[:, None] & present_r[None, :]


def _brute_force(frame: pd.DataFrame, rule: BlockingRule) -> int:
    """Pairs Splink would form for ``rule``: every record against every later one (by unique_id)."""
    right = rule.right_columns or rule.columns
    hit = np.ones((len(frame), len(frame)), dtype=bool)
    for a, b in zip(rule.columns, right, strict=True):
        hit &= _equal(frame[a], frame[b])
    return int(np.triu(hit, k=1).sum())


def test_counts_equal_a_brute_force_count_of_pairs(small):
    con, table = small
    frame = con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df()
    counts = count_comparisons(con, table, DEFAULT_BLOCKING_RULES).set_index("rule")
    assert list(counts.index) == [r.name for r in DEFAULT_BLOCKING_RULES]
    for rule in DEFAULT_BLOCKING_RULES:
        found = int(counts.loc[rule.name, "comparisons"])
        expected = _brute_force(frame, rule)
        if rule.right_columns is None:
            assert found == expected, rule.name
        else:  # a crossed rule is counted in both directions: an upper bound
            assert expected <= found, rule.name
    assert counts["comparisons"].sum() > 0


def test_a_simple_rule_counts_groups_exactly(small):
    con, table = small
    frame = con.execute(f"SELECT * FROM {table} ORDER BY unique_id").df()
    rule = BlockingRule(name="same birth year and sex", columns=("dob_year", "sex"))
    counts = count_comparisons(con, table, [rule])
    sizes = frame.dropna(subset=["dob_year", "sex"]).groupby(["dob_year", "sex"]).size()
    assert int(counts["comparisons"].iloc[0]) == int((sizes * (sizes - 1) // 2).sum())
    assert int(counts["largest_block"].iloc[0]) == int(sizes.max())
    assert _brute_force(frame, rule) == int(counts["comparisons"].iloc[0])


def test_a_rule_over_the_limit_stops_with_its_name(small):
    con, table = small
    loose = BlockingRule(name="same birth year only", columns=("dob_year",))
    total = int(
        count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose])["comparisons"].sum()
    )
    with pytest.raises(BlockingError) as caught:
        count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose], max_comparisons=total - 1)
    message = str(caught.value)
    assert "'same birth year only'" in message
    assert f"{total:,}" in message and f"{total - 1:,}" in message
    assert "max_comparisons" in message
    assert isinstance(caught.value, LinkageError) and isinstance(caught.value, RuntimeError)
    # at the limit it passes
    count_comparisons(con, table, [*DEFAULT_BLOCKING_RULES, loose], max_comparisons=total)


def test_the_default_rules_keep_nearly_every_true_pair():
    """Nearly every pair of one child's records is a candidate, and nearly all of the rest are
    connected through the child's other records (which clustering follows)."""
    data = generate(2000, seed=0)
    con = normalize(data.sources).con
    table = prepare_input(con)
    truth = data.truth.assign(unique_id=data.truth["source"] + ":" + data.truth["record_id"])
    con.register("truth", truth[["unique_id", "child_id"]])
    any_rule = " OR ".join(f"({rule.sql()})" for rule in DEFAULT_BLOCKING_RULES)
    # Splink pairs each record with every later one (by unique_id) and applies the rule as written.
    pairs = con.execute(
        f"""WITH m AS (SELECT i.*, t.child_id FROM {table} i JOIN truth t USING (unique_id))
            SELECT l.unique_id AS l, r.unique_id AS r, coalesce({any_rule}, FALSE) AS kept
            FROM m l JOIN m r ON l.child_id = r.child_id AND l.unique_id < r.unique_id"""
    ).df()
    true_pairs, kept = len(pairs), int(pairs["kept"].sum())
    assert true_pairs > 10_000
    assert kept / true_pairs >= 0.99, f"{true_pairs - kept} of {true_pairs} true pairs lost"
    ids = pd.Index(pd.unique(pd.concat([pairs["l"], pairs["r"]])))
    left, right = ids.get_indexer(pairs["l"]), ids.get_indexer(pairs["r"])
    labels = _components(len(ids), left[pairs["kept"]], right[pairs["kept"]])
    connected = (labels[left] == labels[right]).mean()
    assert connected >= 0.998, f"{(1 - connected) * true_pairs:.0f} true pairs not even connected"
