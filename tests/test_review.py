"""Clerical review: the queue, decisions that bind later updates and runs, the precision they
measure (the page itself is tested in a real browser in test_review_browser.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import linkage
from linkage import synthetic
from linkage.cli import main
from linkage.decisions import DECISION_COLUMNS, read_decisions
from linkage.report import render_html
from linkage.review import precision_estimate, review_item, review_queue, sample_links
from linkage.schema import LOST_STATUSES, STATUSES
from linkage.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data() -> synthetic.SyntheticData:
    return synthetic.generate(1_500, seed=21)


@pytest.fixture
def store(data, tmp_path) -> Store:
    store = Store.create(tmp_path / "s.duckdb")
    store.update(data.sources)
    yield store
    store.close()


def _child(data: synthetic.SyntheticData) -> dict[str, str]:
    """unique_id -> true child."""
    truth = data.truth
    return dict(zip(truth["source"] + ":" + truth["record_id"], truth["child_id"], strict=True))


def _together(store: Store, a: str, b: str) -> bool:
    rows = store.con.execute(
        "SELECT count(DISTINCT identity_id) FROM linkage_store.clusters WHERE unique_id IN (?, ?)",
        [a, b],
    ).fetchall()
    return rows[0][0] == 1


def test_the_queue_puts_what_changes_a_child_s_count_first(store) -> None:
    queue = review_queue(store)
    # a queue worth reviewing (19 items at 1,500 children since the name levels for swaps with
    # a slip; how many follows the model), of both kinds
    assert len(queue) >= 10
    assert set(queue["kind"]) == {"weak_link", "refused_link"}
    # Ordered: items that move a child between lost and not lost come first.
    flags = queue["changes_lost"].astype(bool).tolist()
    assert flags == sorted(flags, reverse=True)
    assert any(flags)
    first = queue.iloc[0]
    statuses = set(STATUSES)
    assert set(first["status_if_different"].split(" + ")) <= statuses
    assert first["status_if_same"] in statuses
    lost_same = first["status_if_same"] in LOST_STATUSES
    parts = first["status_if_different"].split(" + ")
    assert any((p in LOST_STATUSES) != lost_same for p in parts)


def test_an_identity_s_weak_item_is_the_record_whose_best_link_is_weakest(store) -> None:
    # Worked out here from the stored links, in pandas: for every record, its strongest link
    # inside its identity; an identity needs review for the record whose strongest is the
    # weakest, when that is below the review threshold (a record with one weak link and one
    # strong one is not it). The queue ranks only records that have a link below it.
    thresholds = store.model.thresholds
    links = store.con.execute(
        """SELECT p.unique_id_l AS l, p.unique_id_r AS r, p.match_probability AS p,
                  cl.identity_id AS identity
           FROM linkage_store.pairs p
           JOIN linkage_store.clusters cl ON cl.unique_id = p.unique_id_l
           JOIN linkage_store.clusters cr ON cr.unique_id = p.unique_id_r
           WHERE p.match_probability >= ? AND cl.identity_id = cr.identity_id""",
        [float(thresholds.match_probability)],
    ).df()
    ends = pd.concat(
        [links.rename(columns={"l": "u"})[["u", "p", "identity"]],
         links.rename(columns={"r": "u"})[["u", "p", "identity"]]]
    )  # fmt: skip
    best = ends.groupby(["identity", "u"])["p"].max().reset_index()
    weakest = best.sort_values(["p", "u"]).groupby("identity").head(1)
    weakest = weakest[weakest["p"] < thresholds.review_probability]
    # some identities hold a record with a weak link that is not their weakest record's
    mixed = ends[ends["p"] < thresholds.review_probability].merge(
        best, on=["identity", "u"], suffixes=("", "_best")
    )
    assert (mixed["p_best"] >= thresholds.review_probability).any()
    queue = review_queue(store)
    weak = queue[queue["kind"] == "weak_link"]
    assert len(weak) == len(weakest) > 0
    expected = dict(zip(weakest["identity"], weakest["p"], strict=True))
    got = dict(zip(weak["identity_l"], weak["match_probability"], strict=True))
    assert got.keys() == expected.keys()
    assert got == pytest.approx(expected)
    alone = dict(zip(weakest["identity"], weakest["u"], strict=True))
    for row in weak.itertuples():
        assert alone[row.identity_l] in (row.unique_id_l, row.unique_id_r)


def test_an_item_shows_both_records_and_the_waterfall_of_their_link(store) -> None:
    item = review_queue(store, limit=1).iloc[0]
    shown = review_item(store, item["unique_id_l"], item["unique_id_r"])
    assert [r["unique_id"] for r in shown["records"]] == [item["unique_id_l"], item["unique_id_r"]]
    assert {"first_name", "dob", "a_number", "event_date"} <= set(shown["records"][0])
    assert shown["waterfall"][0]["comparison"] == "prior"
    assert shown["waterfall"][-1]["comparison"] == "final"
    assert shown["match_probability"] == pytest.approx(item["match_probability"], abs=1e-6)
    assert shown["status_if_same"] == item["status_if_same"]


def test_decisions_bind_the_next_update_and_leave_the_queue(store) -> None:
    queue = review_queue(store)
    weak = queue[queue["kind"] == "weak_link"].iloc[0]
    refused = queue[queue["kind"] == "refused_link"].iloc[0]
    assert _together(store, weak["unique_id_l"], weak["unique_id_r"])
    assert not _together(store, refused["unique_id_l"], refused["unique_id_r"])
    store.decide(weak["unique_id_l"], weak["unique_id_r"], "different", reviewer="ana")
    store.decide(refused["unique_id_l"], refused["unique_id_r"], "same", reviewer="ana")
    left = set(review_queue(store)["item_id"])
    assert weak["item_id"] not in left and refused["item_id"] not in left
    report = store.apply_decisions()
    assert not _together(store, weak["unique_id_l"], weak["unique_id_r"])
    assert _together(store, refused["unique_id_l"], refused["unique_id_r"])
    # The summary says why identities need review (most are refused strong links, not weak ones).
    flagged = report.identities[report.identities["needs_review"]]
    n_refused = int(flagged["contested_link"].notna().sum())
    assert n_refused > 0
    assert f"a strong link refused (a conflict or the size cap): {n_refused:,}" in repr(report)
    applied = report.changes[report.changes["change"] == "decision_applied"]
    assert sorted(applied["after"]) == ["apart", "together"]
    # A later update keeps honouring them.
    store.apply_decisions()
    assert not _together(store, weak["unique_id_l"], weak["unique_id_r"])
    assert _together(store, refused["unique_id_l"], refused["unique_id_r"])


def test_deciding_the_20_most_consequential_items_removes_their_errors(data, store) -> None:
    child = _child(data)
    queue = review_queue(store, limit=20)
    wrong_before = 0
    for item in queue.itertuples():
        same = child[item.unique_id_l] == child[item.unique_id_r]
        wrong_before += same != _together(store, item.unique_id_l, item.unique_id_r)
        store.decide(item.unique_id_l, item.unique_id_r, "same" if same else "different")
    assert wrong_before > 0  # the queue does point at mistakes
    store.apply_decisions()
    for item in queue.itertuples():
        same = child[item.unique_id_l] == child[item.unique_id_r]
        assert _together(store, item.unique_id_l, item.unique_id_r) == same, item.item_id


def test_a_sample_of_200_decisions_estimates_the_precision_of_the_links(data, store) -> None:
    child = _child(data)
    for item in sample_links(store, 200, seed=3).itertuples():
        same = child[item.unique_id_l] == child[item.unique_id_r]
        store.decide(item.unique_id_l, item.unique_id_r, "same" if same else "different",
                     mode="sample")  # fmt: skip
    estimate = precision_estimate(store)
    assert estimate["decided"] == 200
    links = store.con.execute(
        """SELECT p.unique_id_l, p.unique_id_r FROM linkage_store.pairs p
        JOIN linkage_store.clusters a ON a.unique_id = p.unique_id_l
        JOIN linkage_store.clusters b ON b.unique_id = p.unique_id_r
        WHERE a.identity_id = b.identity_id AND p.match_probability >= 0.5"""
    ).df()
    true = (links["unique_id_l"].map(child) == links["unique_id_r"].map(child)).mean()
    assert estimate["low"] <= true <= estimate["high"]
    assert estimate["high"] - estimate["low"] < 0.1
    assert estimate["unreviewed_uncertain"] > 0
    # The next update's report states it (report.html, summary.json).
    report = store.apply_decisions()
    assert report.review["precision"] == pytest.approx(estimate["precision"])
    assert report.to_dict()["review"]["low"] == pytest.approx(estimate["low"])
    page = render_html(report)
    assert f"Estimated precision of the links: <b>{estimate['precision']:.1%}</b>" in page
    assert "rests on an uncertain link no one has reviewed" in page
    # The sample draws no pair twice.
    again = sample_links(store, 50, seed=3)
    assert not set(again["item_id"]) & set(sample_links(store, 0)["item_id"])


def test_decisions_travel_as_files_and_bind_a_run(data, store, tmp_path) -> None:
    item = review_queue(store).query("kind == 'weak_link'").iloc[0]
    store.decide(item["unique_id_l"], item["unique_id_r"], "different")
    path = store.export_decisions(tmp_path / "decisions.csv")
    frame = pd.read_csv(path, dtype=str)
    assert list(frame.columns) == DECISION_COLUMNS and len(frame) == 1
    folder = synthetic.write(data, tmp_path / "data")
    out = tmp_path / "out"
    code = main(["--quiet", "run", str(folder), "--out", str(out), "--decisions", str(path)])
    assert code == 0
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    ids = dict(zip(clusters["source"] + ":" + clusters["record_id"], clusters["identity_id"],
                   strict=True))  # fmt: skip
    assert ids[item["unique_id_l"]] != ids[item["unique_id_r"]]
    with Store.create(tmp_path / "other.duckdb") as other:
        assert other.import_decisions(path) == 1
        assert other.decisions()["decision"].tolist() == ["different"]


def test_a_bad_decisions_file_names_the_lines_and_the_fix(tmp_path) -> None:
    path = tmp_path / "d.csv"
    pd.DataFrame([["cbp", "1", "hhs", "2", "yes"]], columns=DECISION_COLUMNS).to_csv(
        path, index=False
    )
    with pytest.raises(linkage.InputError, match=r"line.* 2.*same, different or not_sure"):
        read_decisions(path)
    with pytest.raises(ValueError, match="decision must be one of"):
        Store.create(tmp_path / "s.duckdb").decide("cbp:1", "hhs:2", "maybe")
