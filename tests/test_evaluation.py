"""linkage.evaluation: scores of a clustering against known truth."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.errors import EvaluationError, LinkageError
from linkage.evaluation import Evaluation, evaluate
from linkage.schema import STATUSES
from linkage.synthetic import generate


def frames(rows: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(child_id, identity_id, source) per record -> (clusters, truth); record ids 1, 2, ..."""
    record_ids = [str(i) for i in range(1, len(rows) + 1)]
    sources = [r[2] for r in rows]
    truth = pd.DataFrame(
        {"source": sources, "record_id": record_ids, "child_id": [r[0] for r in rows]}
    )
    clusters = pd.DataFrame(
        {"source": sources, "record_id": record_ids, "identity_id": [r[1] for r in rows]}
    )
    return clusters, truth


def scored(pairs: list[tuple[str, str]], **kwargs) -> Evaluation:
    """Evaluate records given as (child_id, identity_id), all in source cbp."""
    clusters, truth = frames([(child, ident, "cbp") for child, ident in pairs])
    return evaluate(clusters, truth, **kwargs)


# three children: a has 2 records, b has 1, c has 3
CHILDREN = ["a", "a", "b", "c", "c", "c"]


def test_perfect_clustering_scores_one_everywhere():
    result = scored([(child, f"id-{child}") for child in CHILDREN])
    assert (result.pairwise_precision, result.pairwise_recall, result.pairwise_f1) == (1, 1, 1)
    assert (result.bcubed_precision, result.bcubed_recall, result.bcubed_f1) == (1, 1, 1)
    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (4, 4, 4)
    assert (result.children_split, result.identities_merged) == (0, 0)
    assert (result.n_records, result.n_children, result.n_identities) == (6, 3, 3)
    assert result.status is None


def test_everything_in_one_identity():
    result = scored([(child, "all") for child in CHILDREN])
    # 15 pairs predicted, 1 + 0 + 3 = 4 of them true
    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (4, 15, 4)
    assert result.pairwise_precision == pytest.approx(4 / 15)
    assert result.pairwise_recall == 1
    assert result.pairwise_f1 == pytest.approx(2 * (4 / 15) / (1 + 4 / 15))
    # each record: share of its identity (6) that is its child: a 2/6 twice, b 1/6, c 3/6 thrice
    assert result.bcubed_precision == pytest.approx((2 * 2 + 1 + 3 * 3) / 36)
    assert result.bcubed_recall == 1
    assert (result.children_split, result.identities_merged, result.n_identities) == (0, 1, 1)


def test_all_singletons():
    result = scored([(child, str(i)) for i, child in enumerate(CHILDREN)])
    assert result.predicted_pairs == 0
    assert result.pairwise_precision == 1  # nothing claimed, nothing wrong
    assert result.pairwise_recall == 0
    assert result.pairwise_f1 == 0
    assert result.bcubed_precision == 1
    assert result.bcubed_recall == pytest.approx((2 * 0.5 + 1 + 3 * (1 / 3)) / 6)
    assert (result.children_split, result.identities_merged, result.n_identities) == (2, 0, 6)


def test_one_wrongly_merged_pair():
    # b and c (one record each) are put together; a is right
    result = scored([("a", "1"), ("a", "1"), ("b", "2"), ("c", "2")])
    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (1, 2, 1)
    assert result.pairwise_precision == 0.5
    assert result.pairwise_recall == 1
    assert result.bcubed_precision == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert (result.children_split, result.identities_merged) == (0, 1)


def test_one_split_child():
    # c's three records are split 2 + 1
    result = scored([("a", "1"), ("a", "1"), ("c", "2"), ("c", "2"), ("c", "3")])
    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (2, 2, 4)
    assert result.pairwise_precision == 1
    assert result.pairwise_recall == 0.5
    assert result.bcubed_recall == pytest.approx((1 + 1 + 2 / 3 + 2 / 3 + 1 / 3) / 5)
    assert (result.children_split, result.identities_merged) == (1, 0)


def test_no_true_pairs_gives_recall_one():
    result = scored([("a", "1"), ("b", "2")])
    assert result.true_pairs == 0
    assert result.pairwise_recall == 1
    assert result.pairwise_f1 == 1


# -- statuses ------------------------------------------------------------------------------


def status_case():
    """Four children; one is split over two identities with different statuses."""
    pairs = [
        ("a", "1"), ("a", "1"),  # a: right
        ("b", "2"), ("b", "3"),  # b: split; identity 3 reports a different status -> wrong
        ("c", "4"), ("c", "5"),  # c: split, both identities report its status -> right
        ("d", "6"),  # d: never handed to HHS, reported right
    ]  # fmt: skip
    identities = pd.DataFrame(
        {
            "identity_id": ["1", "2", "3", "4", "5", "6"],
            "status": ["no_nta", "failed_to_appear", "in_proceedings", "nta_not_filed",
                       "nta_not_filed", "not_transferred"],
        }
    )  # fmt: skip
    children = pd.DataFrame(
        {
            "child_id": ["a", "b", "c", "d"],
            "status": ["no_nta", "failed_to_appear", "nta_not_filed", "not_transferred"],
        }
    )
    return pairs, identities, children


def test_split_child_with_mixed_statuses_counts_wrong():
    pairs, identities, children = status_case()
    status = scored(pairs, identities=identities, children=children).status
    assert status is not None
    assert status.n_children == 4
    assert status.accuracy == pytest.approx(3 / 4)
    assert status.n_children_handed_to_hhs == 3
    assert status.accuracy_handed_to_hhs == pytest.approx(2 / 3)


def test_count_error_counts_identities_against_children():
    pairs, identities, children = status_case()
    count_error = scored(pairs, identities=identities, children=children).status.count_error
    assert list(count_error.index) == list(STATUSES)
    assert count_error.loc["nta_not_filed"].tolist() == [2, 1, 1]  # c split: counted twice
    assert count_error.loc["in_proceedings"].tolist() == [1, 0, 1]
    assert count_error.loc["failed_to_appear"].tolist() == [1, 1, 0]
    assert count_error["difference"].sum() == len(identities) - len(children)


def test_confusion_counts_each_child_once_by_its_main_identity():
    pairs, identities, children = status_case()
    pairs = [*pairs, ("b", "3")]  # b now has 2 of its 3 records in identity 3 (in_proceedings)
    confusion = scored(pairs, identities=identities, children=children).status.confusion
    assert list(confusion.index) == list(STATUSES) == list(confusion.columns)
    assert confusion.to_numpy().sum() == 4
    assert confusion.loc["failed_to_appear", "in_proceedings"] == 1
    assert confusion.loc["nta_not_filed", "nta_not_filed"] == 1
    assert np.trace(confusion.to_numpy()) == 3


def test_confusion_tie_goes_to_the_identity_whose_id_sorts_first_as_text():
    # one record each in identities 9 and 10: "10" < "9" as text, so 10's status is reported
    clusters, truth = frames([("a", 9, "cbp"), ("a", 10, "cbp")])
    identities = pd.DataFrame({"identity_id": [9, 10], "status": ["no_nta", "in_proceedings"]})
    children = pd.DataFrame({"child_id": ["a"], "status": ["no_nta"]})
    status = evaluate(clusters, truth, identities=identities, children=children).status
    assert status.confusion.loc["no_nta", "in_proceedings"] == 1
    assert status.accuracy == 0


def test_statuses_need_both_tables():
    pairs, identities, _ = status_case()
    assert scored(pairs, identities=identities).status is None


def test_synthetic_data_supplies_truth_and_children():
    pairs, identities, children = status_case()
    clusters, truth = frames([(child, ident, "cbp") for child, ident in pairs])
    data = SimpleNamespace(truth=truth, children=children.assign(handed_to_hhs=True))
    from_data = evaluate(clusters, data, identities=identities)
    from_frames = evaluate(clusters, truth, identities=identities, children=children)
    assert from_data == from_frames
    assert from_data.status is not None


def test_the_terminal_table_of_group_errors_lists_short_dimensions_and_the_worst_of_long_ones():
    from linkage._group_scores import SHOWN_GROUPS, group_scores_text

    def row(dimension: str, group: str, children: int, wrong: int, lost_error: int) -> dict:
        return dict(dimension=dimension, group=group, children=children,
                    status_accuracy=1 - wrong / children, true_lost=10, reported_lost=10 + lost_error,
                    lost_error=lost_error)  # fmt: skip

    countries = [row("country", f"C{i}", 100 - i, 0, 0) for i in range(SHOWN_GROUPS + 2)]
    countries[-1] = row("country", "ZZ", 3, 2, -1)  # the smallest country, the most wrong
    countries[-2] = row("country", "YY", 4, 0, 2)  # nothing wrong, but its lost count is off
    sexes = [row("sex", "M", 50, 1, 1), row("sex", "F", 40, 0, 0)]
    text = group_scores_text(pd.DataFrame(countries + sexes))
    title, header, *lines = text.splitlines()
    assert "per group" in title
    assert header.split()[:4] == ["dimension", "group", "children", "wrong"]
    shown = [line.split() for line in lines]
    listed = [r[1] for r in shown if r[0] == "country"]
    assert listed[:3] == ["ZZ", "YY", "C0"]  # most wrong, then largest lost error, then largest
    assert len(listed) == SHOWN_GROUPS + 1
    assert " ".join(shown[SHOWN_GROUPS][1:]) == "(2 more groups)"
    assert shown[0][2:] == ["3", "2", "0.3333", "10", "9", "-1"]
    assert [r[1] for r in shown if r[0] == "sex"] == ["F", "M"]  # all of them, in order
    assert shown[-1][2:] == ["50", "1", "0.9800", "10", "11", "+1"]


def test_scores_synthetic_data_against_its_own_truth():
    data = generate(300, seed=1)
    perfect = data.truth.rename(columns={"child_id": "identity_id"})
    report = data.children[["child_id", "status"]].rename(columns={"child_id": "identity_id"})
    result = evaluate(perfect, data, identities=report)
    assert result.pairwise_f1 == result.bcubed_f1 == result.status.accuracy == 1
    assert result.n_records == data.n_records and result.n_children == len(data.children)
    assert result.status.count_error["difference"].eq(0).all()

    # one identity per record: children with several records are split; each piece reports the
    # child's own status, so every child is right, but the report counts too many identities
    alone = perfect.assign(identity_id=perfect["source"] + ":" + perfect["record_id"])
    own_status = data.children.set_index("child_id")["status"].loc[data.truth["child_id"]]
    result = evaluate(
        alone,
        data,
        identities=pd.DataFrame(
            {"identity_id": alone["identity_id"], "status": own_status.to_numpy()}
        ),
    )
    assert result.pairwise_recall == 0
    assert result.children_split == (data.truth["child_id"].value_counts() > 1).sum()
    assert result.status.accuracy == 1
    assert (result.status.count_error["difference"] >= 0).all()
    assert result.status.count_error["difference"].sum() == data.n_records - len(data.children)


def test_children_without_records_are_ignored():
    pairs, identities, children = status_case()
    extra = pd.concat([children, pd.DataFrame({"child_id": ["z"], "status": ["no_nta"]})])
    with_extra = scored(pairs, identities=identities, children=extra)
    assert with_extra == scored(pairs, identities=identities, children=children)


# -- inputs --------------------------------------------------------------------------------


def converters():
    con = duckdb.connect()
    counter = itertools.count()

    def relation(frame: pd.DataFrame) -> duckdb.DuckDBPyRelation:
        name = f"t{next(counter)}"
        con.register(name, frame)
        return con.table(name)

    return {
        "pandas": lambda f: f,
        "polars": pl.from_pandas,
        "polars-lazy": lambda f: pl.from_pandas(f).lazy(),
        "arrow": lambda f: pa.Table.from_pandas(f, preserve_index=False),
        "duckdb": relation,
    }


@pytest.mark.parametrize("kind", ["pandas", "polars", "polars-lazy", "arrow", "duckdb"])
def test_every_table_kind_gives_the_same_result(kind):
    pairs, identities, children = status_case()
    clusters, truth = frames([(child, ident, "cbp") for child, ident in pairs])
    convert = converters()[kind]
    expected = evaluate(clusters, truth, identities=identities, children=children)
    result = evaluate(
        convert(clusters),
        convert(truth),
        identities=convert(identities),
        children=convert(children),
    )
    assert result == expected
    assert result.to_dict() == expected.to_dict()


def test_ids_are_compared_as_text():
    clusters, truth = frames([("a", "x", "cbp"), ("a", "x", "ice"), ("b", "y", "cbp")])
    as_numbers = clusters.assign(record_id=clusters["record_id"].astype(int))
    # a float column of whole numbers, as pandas makes of integers with gaps
    as_floats = truth.assign(record_id=truth["record_id"].astype(float))
    assert evaluate(as_numbers, as_floats) == evaluate(clusters, truth)


def test_same_record_id_in_two_sources_are_two_records():
    truth = pd.DataFrame(
        {"source": ["cbp", "ice"], "record_id": ["1", "1"], "child_id": ["a", "b"]}
    )
    clusters = pd.DataFrame(
        {"source": ["cbp", "ice"], "record_id": ["1", "1"], "identity_id": [1, 2]}
    )
    result = evaluate(clusters, truth)
    assert (result.n_records, result.n_identities, result.pairwise_f1) == (2, 2, 1)


def test_results_read_well():
    pairs, identities, children = status_case()
    result = scored(pairs, identities=identities, children=children)
    text = repr(result)
    assert f"{result.pairwise_precision:.4f}" in text and "status accuracy" in text
    assert "<table>" in result._repr_html_() and "failed_to_appear" in result._repr_html_()
    wide = result.to_frame()
    assert wide.shape == (1, len(result.to_dict()))
    assert wide.loc[0, "children_split"] == result.children_split
    long = result.to_frame(shape="long")
    assert dict(zip(long["metric"], long["value"], strict=True)) == result.to_dict()
    assert result.to_dict()["status_accuracy"] == pytest.approx(3 / 4)
    assert scored(pairs).to_dict()["status_accuracy"] is None


@pytest.mark.slow
def test_large_clusters_are_counted_not_enumerated():
    n = 300_000
    clusters, truth = (
        pd.DataFrame({"source": "cbp", "record_id": np.arange(n).astype(str), key: values})
        for key, values in (("identity_id", 0), ("child_id", np.arange(n) // 4))
    )
    result = evaluate(clusters, truth)  # enumerating the pairs would not finish
    assert result.predicted_pairs == n * (n - 1) // 2  # 45 billion pairs: never listed
    assert result.true_pairs == result.true_positive_pairs == (n // 4) * 6
    assert result.identities_merged == 1


# -- errors --------------------------------------------------------------------------------


def test_records_missing_on_either_side_are_named():
    clusters, truth = frames([(c, c, "cbp") for c in "abcdefghij"])
    with pytest.raises(EvaluationError) as info:
        evaluate(clusters.iloc[:2], truth.iloc[1:])
    text = str(info.value)
    assert "2 problems" in text
    assert "1 records in clusters are missing from truth (source:record_id) (e.g. cbp:1)" in text
    truth_line = next(line for line in text.splitlines() if "in truth are missing" in line)
    assert truth_line.count("cbp:") == 5  # eight missing, five named
    assert "8 records" in truth_line


def test_duplicated_records_are_named():
    clusters, truth = frames([("a", "1", "cbp"), ("b", "2", "ice")])
    doubled = pd.concat([clusters, clusters.iloc[[1]]])
    with pytest.raises(
        EvaluationError, match=r"1 records are listed more than once in clusters.*ice:2"
    ):
        evaluate(doubled, truth)
    with pytest.raises(EvaluationError, match=r"more than once in truth"):
        evaluate(clusters, pd.concat([truth, truth]))


def test_missing_columns_and_non_tables():
    clusters, truth = frames([("a", "1", "cbp")])
    with pytest.raises(EvaluationError, match=r"clusters lacks column\(s\) 'identity_id'"):
        evaluate(clusters.rename(columns={"identity_id": "cluster_id"}), truth)
    with pytest.raises(EvaluationError, match=r"truth lacks column\(s\) 'source', 'child_id'"):
        evaluate(clusters, truth[["record_id"]])
    with pytest.raises(EvaluationError, match=r"identities lacks column\(s\) 'status'"):
        evaluate(clusters, truth, identities=clusters, children=truth)
    with pytest.raises(EvaluationError, match="must be a pandas or polars DataFrame"):
        evaluate({"source": ["cbp"]}, truth)
    with pytest.raises(LinkageError):  # catchable as the library's root, and as ValueError
        evaluate(clusters, truth.iloc[:0])


def test_empty_ids_are_reported():
    clusters, truth = frames([("a", "1", "cbp"), ("b", "2", "cbp")])
    clusters.loc[1, "identity_id"] = None
    with pytest.raises(EvaluationError, match=r"1 records in clusters have an empty 'identity_id'"):
        evaluate(clusters, truth)


def test_bad_status_tables_are_reported_all_at_once():
    pairs, identities, children = status_case()
    identities = identities.iloc[1:].copy()  # identity 1 has no status
    identities.loc[identities["identity_id"] == "6", "status"] = "lost"
    children = pd.concat([children, children.iloc[[0]]])
    with pytest.raises(EvaluationError) as info:
        scored(pairs, identities=identities, children=children)
    text = str(info.value)
    assert "3 problems" in text
    assert "unknown status value(s) in identities (e.g. lost)" in text
    assert "identity ids of clusters have no row in identities (e.g. 1)" in text
    assert "child_id values are listed more than once in children (e.g. a)" in text


# -- property: the combinatorial formulas against brute force --------------------------------


def brute_force(records: list[tuple[int, int]]) -> dict[str, float]:
    """Pairwise and B-cubed figures by listing every pair; records are (child, identity)."""
    tp = predicted = true = 0
    for (child_a, ident_a), (child_b, ident_b) in itertools.combinations(records, 2):
        predicted += ident_a == ident_b
        true += child_a == child_b
        tp += ident_a == ident_b and child_a == child_b
    precision_sum = recall_sum = 0.0
    for child, ident in records:
        same_ident = [c for c, i in records if i == ident]
        same_child = [i for c, i in records if c == child]
        precision_sum += same_ident.count(child) / len(same_ident)
        recall_sum += same_child.count(ident) / len(same_child)
    return {
        "tp": tp,
        "predicted": predicted,
        "true": true,
        "precision": tp / predicted if predicted else 1.0,
        "recall": tp / true if true else 1.0,
        "bcubed_precision": precision_sum / len(records),
        "bcubed_recall": recall_sum / len(records),
    }


def brute_force_status(records, identity_status, child_status):
    """Status accuracy and the confusion table, child by child."""
    correct = {}
    confusion = Counter()
    for child in {c for c, _ in records}:
        held = Counter(i for c, i in records if c == child)
        correct[child] = all(identity_status[i] == child_status[child] for i in held)
        main = min(held, key=lambda i: (-held[i], str(i)))
        confusion[child_status[child], identity_status[main]] += 1
    return sum(correct.values()) / len(correct), confusion


records_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 12)), min_size=1, max_size=40
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(records=records_strategy, status_seed=st.integers(0, 2**32 - 1))
def test_scores_equal_brute_force_pair_enumeration(records, status_seed):
    clusters, truth = frames([(child, ident, "hhs") for child, ident in records])
    rng = np.random.default_rng(status_seed)
    identity_status = {i: STATUSES[rng.integers(len(STATUSES))] for _, i in records}
    child_status = {c: STATUSES[rng.integers(len(STATUSES))] for c, _ in records}
    result = evaluate(
        clusters,
        truth,
        identities=pd.DataFrame(
            {"identity_id": list(identity_status), "status": list(identity_status.values())}
        ),
        children=pd.DataFrame(
            {"child_id": list(child_status), "status": list(child_status.values())}
        ),
    )
    expected = brute_force(records)
    assert result.true_positive_pairs == expected["tp"]
    assert result.predicted_pairs == expected["predicted"]
    assert result.true_pairs == expected["true"]
    assert result.pairwise_precision == pytest.approx(expected["precision"])
    assert result.pairwise_recall == pytest.approx(expected["recall"])
    assert result.bcubed_precision == pytest.approx(expected["bcubed_precision"])
    assert result.bcubed_recall == pytest.approx(expected["bcubed_recall"])
    assert result.n_children == len({c for c, _ in records})
    assert result.n_identities == len({i for _, i in records})

    accuracy, confusion = brute_force_status(records, identity_status, child_status)
    assert result.status.accuracy == pytest.approx(accuracy)
    for (true_status, reported_status), count in confusion.items():
        assert result.status.confusion.loc[true_status, reported_status] == count
    assert result.status.confusion.to_numpy().sum() == result.n_children
    if result.status.n_children_handed_to_hhs == 0:
        assert math.isnan(result.status.accuracy_handed_to_hhs)
