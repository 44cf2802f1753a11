"""Statuses by group, with their uncertainty (``HandoffReport.by_group``, groups.csv, the page's
section) and the review table ordered by what a mistake would change."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from linkage.handoff import GROUP_DIMENSIONS, handoff_report
from linkage.report import render_html, write_report
from test_handoff import IDENTITY, ROWS, make_con

#: Country, sponsor ZIP and address per record of test_handoff's six children A..F.
PLACES = {
    "a": dict(country="MX"),
    "b": dict(country="GT"),
    "b2": dict(country="GT", zip5="77001"),  # Houston: TX by its ZIP
    "c": dict(country="GT"),
    "c3": dict(country="GT", address="12 MAIN ST HOUSTON TX"),  # no ZIP: TX by the address
    "d": dict(country="HN"),
    "d1": dict(country="HN", zip5="10001", address="5 PARK AVE NEW YORK NY"),
    "e": dict(country="HN"),
    "e2": dict(country="HN", zip5="34012", address="5 OAK CT"),  # military ZIP, bare street
    "f": dict(country="MX"),
}
#: B is lost and held by a weak link; E (in proceedings, with an HHS record) by a weak link;
#: A (CBP and ICE only) by a weak link; C strongly.
PROBS = {"A": 0.6, "B": 0.5, "C": 0.99, "D": 0.999, "E": 0.9, "F": 0.97}


@pytest.fixture
def report():
    rows = [r | PLACES.get(r["record_id"], PLACES[r["record_id"][0]]) for r in ROWS]
    return handoff_report(make_con(rows, IDENTITY, PROBS))


def test_by_group_counts_lost_uncertain_and_exact_join_per_country(report):
    country = report.by_group("country").set_index("group")
    assert list(country.index) == ["GT", "HN", "MX"]  # largest first, then by name
    gt, hn = country.loc["GT"], country.loc["HN"]
    assert (gt["identities"], gt["lost"], gt["lost_rate"]) == (2, 2, 1.0)
    assert (gt["needs_review"], gt["lost_needs_review"]) == (1, 1)  # B rests on a weak link
    assert (gt["exact_join_lost"], gt["lost_difference"]) == (2, 0)
    # E's HHS record has no A-number: the exact join leaves it alone, lost (no_nta), and its
    # CBP and court records not_transferred: one lost child more, two identities more
    assert (hn["identities"], hn["lost"], hn["in_proceedings"]) == (2, 1, 1)
    assert (hn["exact_join_identities"], hn["exact_join_lost"], hn["lost_difference"]) == (3, 2, 1)
    assert hn["exact_join_lost_rate"] == pytest.approx(2 / 3)
    assert country["identities"].sum() == len(report.identities)


def test_sponsor_state_comes_from_the_zip_then_the_address(report):
    states = report.by_group("sponsor_state").set_index("group")["identities"].to_dict()
    # B by its ZIP, C by its address; D's ZIP; E: a military ZIP and a bare street ("CT" is
    # Court there, not Connecticut); A and F were never handed to HHS: no sponsor
    assert states == {"TX": 2, "NY": 1, "unknown": 1, "none": 2}


def test_every_dimension_covers_every_identity(report):
    for dimension in GROUP_DIMENSIONS:
        groups = report.by_group(dimension)
        assert groups["identities"].sum() == len(report.identities), dimension
        assert groups["lost"].sum() == report.n_lost, dimension
        assert groups["exact_join_identities"].sum() == len(
            report.result.con.table("linkage_identities_exact_join")
        )
    with pytest.raises(ValueError, match="sponsor_state"):
        report.by_group("state")  # type: ignore[arg-type]


def test_groups_are_written_as_files_and_in_summary_json(report, tmp_path):
    files = write_report(report, tmp_path)
    groups = pd.read_csv(files["groups.csv"], keep_default_na=False)
    assert set(groups["dimension"]) == set(GROUP_DIMENSIONS)
    assert len(pd.read_parquet(files["groups.parquet"])) == len(groups)
    facts = json.loads(files["summary.json"].read_text())
    hn = next(g for g in facts["groups"]["country"] if g["group"] == "HN")
    assert (hn["lost"], hn["exact_join_lost"], hn["identities"]) == (1, 2, 2)


def test_summary_csv_breaks_the_statuses_down_by_sex_and_sponsor_state(tmp_path):
    sex = {"a": "F", "b": "F", "c": "M", "d": "M", "e": "F"}  # F's records say nothing
    rows = [r | PLACES.get(r["record_id"], PLACES[r["record_id"][0]])
            | {"sex": sex.get(r["record_id"][0])} for r in ROWS]  # fmt: skip
    report = handoff_report(make_con(rows, IDENTITY, PROBS))
    summary = pd.read_csv(write_report(report, tmp_path)["summary.csv"], keep_default_na=False,
                          dtype={"value": str})  # fmt: skip
    assert list(summary["dimension"].unique()) == [
        "total", "fiscal_year", "country", "age_band", "sex", "sponsor_state"]  # fmt: skip
    children = summary.loc[summary["dimension"] == "total", "identities"].sum()
    assert children == len(report.identities) == 6
    counts = summary.set_index(["dimension", "value", "status"])["identities"]
    for dimension in ("sex", "sponsor_state"):
        assert counts.loc[dimension].sum() == children, dimension
    assert counts.loc["sex"].to_dict() == {
        ("F", "not_transferred"): 1, ("F", "no_nta"): 1, ("F", "in_proceedings"): 1,
        ("M", "nta_not_filed"): 1, ("M", "failed_to_appear"): 1,
        ("unknown", "not_transferred"): 1,
    }  # fmt: skip
    # the states as the groups table reads them: TX by B's ZIP and C's address, none for the
    # two never handed to HHS; largest first, as countries are
    assert counts.loc["sponsor_state"].to_dict() == {
        ("TX", "no_nta"): 1, ("TX", "nta_not_filed"): 1, ("none", "not_transferred"): 2,
        ("NY", "failed_to_appear"): 1, ("unknown", "in_proceedings"): 1,
    }  # fmt: skip
    states = counts.loc["sponsor_state"].groupby(level=0).sum().to_dict()
    assert states == report.by_group("sponsor_state").set_index("group")["identities"].to_dict()


def test_review_list_puts_what_a_mistake_would_change_first(report):
    review = report.review_list().set_index("identity_id")
    assert list(review.index) == ["B", "E", "A"]  # lost, could flip, neither; F, D, C are firm
    assert list(review["stake"]) == ["lost", "could flip", "none"]
    assert set(review["why"]) == {"weak link"}


def test_the_page_orders_the_review_table_by_stake_and_says_why(report):
    page = render_html(report)
    section = page.split("Identities needing review")[1].split("<h2>")[0]
    rows = section.split("<tbody>")[1].split("<tr>")[1:]
    assert [r.split("<td>")[1].split("</td>")[0] for r in rows] == ["B", "E", "A"]
    assert "weak link" in rows[0] and "<td>lost</td>" in rows[0]
    groups = page.split("Statuses by group, with their uncertainty")[1].split("<h2>")[0]
    assert "By sponsor&#x27;s state" in groups and "exact join lost" in groups


def test_evaluate_scores_statuses_per_group_of_the_true_child():
    from linkage.evaluation import evaluate

    truth = pd.DataFrame({"source": ["cbp", "hhs", "cbp", "hhs"], "record_id": ["1", "2", "3", "4"],
                          "child_id": ["a", "a", "b", "b"]})  # fmt: skip
    # child a (GT) is split: its HHS record alone reads as lost (no_nta); b (HN) is right
    clusters = truth.assign(identity_id=["i1", "i2", "i3", "i3"])
    identities = pd.DataFrame({"identity_id": ["i1", "i2", "i3"],
                               "status": ["not_transferred", "no_nta", "in_proceedings"]})  # fmt: skip
    children = pd.DataFrame({"child_id": ["a", "b"], "status": ["in_proceedings"] * 2,
                             "country": ["GT", "HN"], "age_at_entry": [16, 17]})  # fmt: skip
    result = evaluate(clusters, truth, identities=identities, children=children)
    by_group = result.by_group.set_index(["dimension", "group"])
    assert set(by_group.index.get_level_values(0)) == {"country", "age_band"}
    gt, hn = by_group.loc[("country", "GT")], by_group.loc[("country", "HN")]
    assert (gt["status_accuracy"], gt["true_lost"], gt["reported_lost"], gt["lost_error"]) == (
        0.0, 0, 1, 1,
    )  # fmt: skip
    assert (hn["status_accuracy"], hn["lost_error"]) == (1.0, 0)
    assert ("age_band", "15-16") in by_group.index  # the report's bands, from the age
    assert evaluate(clusters, truth).by_group is None


def test_the_exact_join_s_lost_are_split_into_children_and_extra_pieces(report):
    children, fragments = report.exact_join_lost_pieces
    assert children + fragments == report.n_lost_exact_join
    versus = report.to_dict()["exact_join"]
    assert (versus["lost_children"], versus["lost_fragments"]) == (children, fragments)
    page = render_html(report)
    assert f"its {report.n_lost_exact_join:,} lost are {children:,} children" in page
    assert "more pieces of them" in repr(report)


@pytest.mark.slow
def test_on_synthetic_data_the_pieces_explain_the_gap_between_the_lost_counts():
    from linkage import link, synthetic

    report = handoff_report(link(synthetic.generate(1_500, seed=4).sources, quiet=True))
    children, fragments = report.exact_join_lost_pieces
    assert children + fragments == report.n_lost_exact_join
    assert fragments > 0  # the join counts some children more than once
    # what is left of the gap after the pieces is the children the two sides judge differently
    gap = children - report.n_lost
    judged = report.lost_only_by_exact_join - report.lost_only_by_linkage
    assert abs(gap - judged) <= max(2, 0.02 * report.n_lost)
