"""explain_errors: every missed pair and false merge is listed, with the reason clustering gave."""

from __future__ import annotations

import pandas as pd
import pytest

from linkage import ErrorAnalysis, evaluate, explain_errors, link, tables
from linkage.clustering import cluster
from linkage.conflicts import conflict_rules
from linkage.model import TrainingConfig
from linkage.synthetic import generate
from test_clustering import (
    FAMILY,
    family_frames,
    journey_frames,
    namesakes_frames,
    namesakes_pairs,
)

MISSED_REASONS = {
    "not_scored",
    "below_threshold",
    "conflict",
    "conflict_between_identities",
    "single_link",
    "size_cap_or_other",
}


@pytest.fixture(scope="module")
def linked():
    data = generate(600, seed=3)
    return data, link(
        data.sources, seed=0, quiet=True, training=TrainingConfig(u_max_pairs=200_000)
    )


@pytest.mark.slow
def test_the_pairs_listed_are_exactly_the_errors_evaluate_counts(linked):
    data, result = linked
    scores = evaluate(result.clusters(), data)
    analysis = explain_errors(result, data)
    assert isinstance(analysis, ErrorAnalysis)
    assert len(analysis.missed) == scores.true_pairs - scores.true_positive_pairs
    assert len(analysis.false_merges) == scores.predicted_pairs - scores.true_positive_pairs
    assert set(analysis.missed["reason"]) <= MISSED_REASONS
    assert set(analysis.false_merges["reason"]) <= {"linked_directly", "chained", "complementary"}
    # the truth agrees: a missed pair is one child in two identities, a false merge the reverse
    assert (analysis.missed["identity_id_l"] != analysis.missed["identity_id_r"]).all()
    assert (analysis.false_merges["child_id_l"] != analysis.false_merges["child_id_r"]).all()
    summary = analysis.summary()
    assert summary["pairs"].sum() == len(analysis.missed) + len(analysis.false_merges)
    assert "missed" in repr(analysis)


@pytest.mark.slow
def test_reasons_agree_with_the_probability_and_name_the_rules(linked):
    data, result = linked
    missed = explain_errors(result, data).missed
    threshold = result.model.thresholds.match_probability
    assert missed.loc[missed["reason"] == "not_scored", "match_probability"].isna().all()
    below = missed.loc[missed["reason"] == "below_threshold", "match_probability"]
    assert (below < threshold).all()
    refused = missed[missed["reason"].isin(["conflict", "conflict_between_identities"])]
    assert (refused["match_probability"] >= threshold).all()
    names = set(conflict_rules())
    for rules in refused["rules"]:
        assert rules and set(rules.split(", ")) <= names, rules


def _family_truth() -> pd.DataFrame:
    frames = family_frames()
    rows = [
        {"source": s, "record_id": rid, "child_id": rid[0]}
        for s, f in frames.items()
        for rid in f["record_id"]
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def model():
    data = generate(1000, seed=5)
    return link(data.sources, quiet=True, training=TrainingConfig(u_max_pairs=300_000)).model


@pytest.mark.slow
def test_twins_kept_apart_leave_nothing_to_explain(model):
    result = link(family_frames(), model=model, quiet=True)
    analysis = explain_errors(result, _family_truth())
    assert analysis.missed.empty and analysis.false_merges.empty
    assert analysis.summary().empty


@pytest.mark.slow
def test_twins_merged_without_conflict_checks_are_listed_with_their_direct_link(model):
    result = link(family_frames(), model=model, quiet=True, prevent_conflicts=False)
    merges = explain_errors(result, _family_truth()).false_merges
    children = set(merges["child_id_l"]) | set(merges["child_id_r"])
    assert {"A", "B"} <= children <= set(FAMILY)
    direct = merges[merges["reason"] == "linked_directly"]
    assert len(direct) > 0
    assert (direct["match_probability"] >= model.thresholds.match_probability).all()
    assert direct["comparisons"].str.contains(r"[+]").all()  # the weights that joined them


@pytest.mark.slow
def test_a_child_cut_at_a_single_weak_link_is_listed_with_that_reason(model):
    """Were the two namesakes one boy, the link clustering cut between his two groups of records
    is a missed pair, and the analysis says why."""
    result = link(namesakes_frames(), model=model, quiet=True)
    con = result.con
    con.register("_pairs", namesakes_pairs(0.9))
    con.execute(f"DELETE FROM {tables.PAIRS}")
    con.execute(
        f"INSERT INTO {tables.PAIRS} BY NAME "
        "SELECT least(unique_id_l, unique_id_r) AS unique_id_l, "
        "greatest(unique_id_l, unique_id_r) AS unique_id_r, match_probability FROM _pairs"
    )
    con.unregister("_pairs")
    cluster(con, thresholds=result.model.thresholds)
    records = result.records()
    truth = pd.DataFrame({"source": records["source"], "record_id": records["record_id"],
                          "child_id": "X"})  # fmt: skip
    missed = explain_errors(result, truth).missed
    assert len(missed) == 9  # three records on each side
    cut = missed[missed["match_probability"].notna()]
    assert cut[["unique_id_l", "unique_id_r"]].values.tolist() == [["cbp:Y1", "hhs:X3"]]
    assert cut["reason"].tolist() == ["single_link"]
    assert set(missed["reason"]) == {"single_link", "not_scored"}


@pytest.mark.slow
def test_a_false_merge_of_complementary_identities_is_listed_with_that_reason(model):
    """Were the lone CBP record another boy's, the identity clustering made by joining it to the
    ICE and HHS identity (complementary agencies) holds two false pairs, and the analysis says
    what joined them; the ICE-HHS link inside is no error."""
    result = link(journey_frames(), model=model, quiet=True)
    con = result.con
    pairs = pd.DataFrame(
        [("hhs:J3", "ice:J2", 0.999), ("cbp:J1", "ice:J2", 0.3)],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    con.register("_pairs", pairs)
    con.execute(f"DELETE FROM {tables.PAIRS}")
    con.execute(f"INSERT INTO {tables.PAIRS} BY NAME SELECT * FROM _pairs")
    con.unregister("_pairs")
    cluster(con, thresholds=result.model.thresholds)
    records = result.records()
    truth = pd.DataFrame({"source": records["source"], "record_id": records["record_id"],
                          "child_id": records["record_id"].map({"J1": "Z"}).fillna("J")})  # fmt: skip
    merges = explain_errors(result, truth).false_merges
    assert sorted(map(tuple, merges[["unique_id_l", "unique_id_r"]].values.tolist())) == [
        ("cbp:J1", "hhs:J3"),
        ("cbp:J1", "ice:J2"),
    ]
    assert set(merges["reason"]) == {"complementary"}
