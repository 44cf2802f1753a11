"""Handoff statuses per identity: the custody chain, the status rule, the exact-join comparison."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd
import pytest

from linkage import normalize, read_sources, synthetic, tables
from linkage.errors import SchemaError
from linkage.handoff import HandoffReport, LinkedData, handoff_report, identity_statuses
from linkage.schema import CANONICAL_COLUMNS, LOST_STATUSES, STATUSES


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def make_con(rows: list[dict], clusters: dict[str, str], probs: dict[str, float] | None = None):
    """A stand-in for a linkage result: the records table with the canonical columns, clusters.

    ``rows`` give some canonical columns per record (``source`` and ``record_id`` at least);
    ``clusters`` maps unique_id -> identity_id; ``probs`` maps identity_id -> link probability.
    """
    con = duckdb.connect()
    cols = ", ".join(f"{c} {t}" for c, t in CANONICAL_COLUMNS.items())
    con.execute(f"CREATE TABLE {tables.RECORDS} ({cols})")
    frame = pd.DataFrame(rows)
    frame["unique_id"] = frame["source"] + ":" + frame["record_id"]
    con.register("frame", frame)
    con.execute(f"INSERT INTO {tables.RECORDS} BY NAME SELECT * FROM frame")
    con.unregister("frame")
    probs = probs or {}
    con.register(
        "cl",
        pd.DataFrame(
            {
                "unique_id": list(clusters),
                "identity_id": list(clusters.values()),
                "link_probability": [probs.get(i) for i in clusters.values()],
            }
        ),
    )
    con.execute(
        f"CREATE TABLE {tables.CLUSTERS} AS SELECT c.unique_id, r.source, r.record_id, "
        "c.identity_id::VARCHAR AS identity_id, c.link_probability::DOUBLE AS link_probability "
        f"FROM cl AS c JOIN {tables.RECORDS} AS r USING (unique_id)"
    )
    con.unregister("cl")
    return con


@dataclass
class StandIn:
    """What a LinkageResult offers this stage: a connection, and a waterfall per pair."""

    con: duckdb.DuckDBPyConnection
    asked: list | None = None

    def explain_pair(self, unique_id_l: str, unique_id_r: str) -> pd.DataFrame:
        self.asked = [unique_id_l, unique_id_r]
        return pd.DataFrame({"comparison": ["prior", "final"], "match_weight": [-5.0, 3.0]})


# One child per status, plus one never handed to HHS but with a court case.
ROWS = [
    # A: cbp + ice only -> not_transferred
    dict(source="cbp", record_id="a1", a_number="000000001", event_date=d("2020-01-05")),
    dict(source="ice", record_id="a2", a_number="000000001", event_date=d("2020-01-06"),
         nta_issued_date=d("2020-01-07")),
    # B: cbp + hhs -> no_nta
    dict(source="cbp", record_id="b1", a_number="000000002", event_date=d("2020-02-01")),
    dict(source="hhs", record_id="b2", a_number="000000002", event_date=d("2020-02-03"),
         release_date=d("2020-03-01")),
    # C: cbp + ice with NTA + hhs -> nta_not_filed
    dict(source="cbp", record_id="c1", a_number="000000003", event_date=d("2020-03-01")),
    dict(source="ice", record_id="c2", a_number="000000003", event_date=d("2020-03-02"),
         nta_issued_date=d("2020-03-04")),
    dict(source="hhs", record_id="c3", a_number="000000003", event_date=d("2020-03-03")),
    # D: hhs + eoir with an in-absentia order -> failed_to_appear
    dict(source="hhs", record_id="d1", a_number="000000004", event_date=d("2019-09-30")),
    dict(source="eoir", record_id="d2", a_number="000000004", event_date=d("2020-05-01"),
         hearing_date=d("2021-02-01"), absentia=False),
    dict(source="eoir", record_id="d3", a_number="000000004", event_date=d("2020-05-02"),
         hearing_date=d("2021-06-01"), absentia=True),
    # E: hhs + eoir, no absentia -> in_proceedings (HHS record without A-number)
    dict(source="cbp", record_id="e1", a_number="000000005", event_date=d("2020-10-01")),
    dict(source="hhs", record_id="e2", a_number=None, event_date=d("2020-10-02")),
    dict(source="eoir", record_id="e3", a_number="000000005", event_date=d("2021-01-01"),
         hearing_date=None, absentia=False),
    # F: court case with absentia but never handed to HHS -> not_transferred
    dict(source="cbp", record_id="f1", a_number="000000006", event_date=d("2020-06-01")),
    dict(source="eoir", record_id="f2", a_number="000000006", event_date=d("2020-09-01"),
         hearing_date=d("2021-01-01"), absentia=True),
]  # fmt: skip
IDENTITY = {f"{r['source']}:{r['record_id']}": r["record_id"][0].upper() for r in ROWS}
EXPECTED = {
    "A": "not_transferred",
    "B": "no_nta",
    "C": "nta_not_filed",
    "D": "failed_to_appear",
    "E": "in_proceedings",
    "F": "not_transferred",
}


@pytest.fixture
def stand_in() -> StandIn:
    probs = {"A": 0.99, "B": 0.999, "C": 0.97, "D": 0.91, "E": 0.5, "F": 0.96}
    return StandIn(con=make_con(ROWS, IDENTITY, probs))


def by_id(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("identity_id")


def test_status_rule_one_identity_per_status(stand_in):
    ids = by_id(identity_statuses(stand_in.con).df())
    assert ids["status"].to_dict() == EXPECTED
    assert ids.loc["C", ["n_records", "n_cbp", "n_ice", "n_hhs", "n_eoir"]].tolist() == [
        3,
        1,
        1,
        1,
        0,
    ]


def test_custody_chain_dates(stand_in):
    ids = by_id(identity_statuses(stand_in.con).df())
    c, dd, e = ids.loc["C"], ids.loc["D"], ids.loc["E"]
    assert c["apprehension_date"].date() == d("2020-03-01")
    assert c["ice_book_in_date"].date() == d("2020-03-02")
    assert c["nta_issued_date"].date() == d("2020-03-04")
    assert c["orr_referral_date"].date() == d("2020-03-03")
    assert ids.loc["B", "orr_release_date"].date() == d("2020-03-01")
    assert dd["first_hearing_date"].date() == d("2021-02-01")
    assert dd["absentia_order_date"].date() == d("2021-06-01")  # the hearing with the order
    assert pd.isna(c["absentia_order_date"])
    assert e["first_hearing_date"].date() == d("2021-01-01")  # no hearing date: the court event


def test_fiscal_year_turns_in_october_and_falls_back_to_first_event(stand_in):
    ids = by_id(identity_statuses(stand_in.con).df())
    assert ids.loc["C", "fiscal_year"] == 2020  # March 2020
    assert ids.loc["E", "fiscal_year"] == 2021  # 1 October 2020 opens FY2021
    assert ids.loc["D", "fiscal_year"] == 2019  # no CBP record: earliest event, 30 Sep 2019


def test_a_numbers_and_address_disagreement():
    # addresses as normalisation leaves them (upper case, street words abbreviated)
    rows = [
        dict(source="cbp", record_id="1", a_number="111111111", event_date=d("2021-01-01")),
        dict(source="ice", record_id="2", a_number="222222222", event_date=d("2021-01-02")),
        dict(source="hhs", record_id="3", event_date=d("2021-01-03"),
             address="12 N MAIN ST HOUSTON TX", zip5="77001"),
        dict(source="eoir", record_id="4", event_date=d("2021-05-03"),
             address="12 N MAIN ST HOUSTON TX", zip5="77001"),
        dict(source="hhs", record_id="5", a_number="333333333", event_date=d("2021-02-03"),
             address="5 OAK AVE", zip5="10001"),
        dict(source="eoir", record_id="6", a_number="333333333", event_date=d("2021-06-03"),
             address="5 OAK AVE", zip5="10002"),
        dict(source="hhs", record_id="7", event_date=d("2021-02-03"), address="5 OAK AVE"),
        dict(source="eoir", record_id="8", event_date=d("2021-06-03"), address="9 ELM RD"),
        # the sponsor moved: the latest HHS record's address is the one compared
        dict(source="hhs", record_id="9", event_date=d("2021-02-03"), address="1 OLD RD", zip5="20001"),
        dict(source="hhs", record_id="10", event_date=d("2021-04-03"), address="2 NEW ST", zip5="20002"),
        dict(source="eoir", record_id="11", event_date=d("2021-06-03"), address="2 NEW ST"),
        # one side unknown: nothing to disagree with
        dict(source="hhs", record_id="12", event_date=d("2021-02-03"), address="3 ANY ST", zip5="30001"),
        dict(source="eoir", record_id="13", event_date=d("2021-06-03")),
    ]  # fmt: skip
    clusters = {"cbp:1": "x", "ice:2": "x", "hhs:3": "x", "eoir:4": "x", "hhs:5": "y",
                "eoir:6": "y", "hhs:7": "z", "eoir:8": "z", "hhs:9": "m", "hhs:10": "m",
                "eoir:11": "m", "hhs:12": "u", "eoir:13": "u"}  # fmt: skip
    ids = by_id(identity_statuses(make_con(rows, clusters)).df())
    assert list(ids.loc["x", "a_numbers"]) == ["111111111", "222222222"]
    assert list(ids.loc["m", "a_numbers"]) == []
    assert ids["multiple_a_numbers"].to_dict() == {
        "x": True, "y": False, "z": False, "m": False, "u": False}  # fmt: skip
    assert ids.loc["x", "sponsor_zip5"] == "77001" and ids.loc["y", "court_zip5"] == "10002"
    assert (ids.loc["m", "sponsor_address"], ids.loc["m", "sponsor_zip5"]) == ("2 NEW ST", "20002")
    # another zip or another street disagrees; the same place, or one side unknown, does not
    assert ids["address_disagrees"].to_dict() == {
        "x": False, "y": True, "z": True, "m": False, "u": False}  # fmt: skip


def test_demographics_take_the_most_frequent_value_and_a_real_dob_on_ties():
    rows = [
        dict(source="cbp", record_id="1", dob=d("2005-01-01"), dob_is_placeholder=True,
             sex="F", country="GT", event_date=d("2021-03-10")),
        dict(source="ice", record_id="2", dob=d("2005-07-19"), dob_is_placeholder=False,
             sex="F", country="HN", event_date=d("2021-03-11")),
        dict(source="hhs", record_id="3", dob=None, sex="M", country="GT",
             event_date=d("2021-03-12")),
        # a 17-year-old the day before the birthday, then on the birthday
        dict(source="cbp", record_id="4", dob=d("2004-03-11"), event_date=d("2021-03-10")),
        dict(source="cbp", record_id="5", dob=d("2004-03-10"), event_date=d("2021-03-10")),
        dict(source="cbp", record_id="6", event_date=d("2021-03-10")),
    ]  # fmt: skip
    clusters = {"cbp:1": "p", "ice:2": "p", "hhs:3": "p", "cbp:4": "q", "cbp:5": "r", "cbp:6": "s"}
    ids = by_id(identity_statuses(make_con(rows, clusters)).df())
    assert ids.loc["p", "dob"].date() == d("2005-07-19")
    assert (ids.loc["p", "sex"], ids.loc["p", "country"]) == ("F", "GT")
    assert ids.loc["p", "age_at_apprehension"] == 15 and ids.loc["p", "age_band"] == "15-16"
    assert ids.loc["q", "age_at_apprehension"] == 16 and ids.loc["q", "age_band"] == "15-16"
    assert ids.loc["r", "age_at_apprehension"] == 17 and ids.loc["r", "age_band"] == "17"
    assert ids.loc["s", "age_band"] == "unknown"


def test_needs_review_follows_the_threshold(stand_in):
    report = handoff_report(stand_in, review_threshold=0.95)
    ids = by_id(report.identities)
    assert set(ids.index[ids["needs_review"]]) == {"D", "E"}
    assert ids.loc["E", "weakest_link"] == pytest.approx(0.5)
    assert list(report.needs_review()["identity_id"]) == ["E", "D"]  # weakest first
    assert handoff_report(stand_in, review_threshold=0.6).identities["needs_review"].sum() == 1
    with pytest.raises(ValueError):
        handoff_report(stand_in, review_threshold=95)


def test_single_record_identities_never_need_review():
    rows = [dict(source="hhs", record_id="1", event_date=d("2021-01-01"))]
    report = handoff_report(make_con(rows, {"hhs:1": "solo"}))
    assert pd.isna(report.identities.loc[0, "weakest_link"])
    assert not report.identities.loc[0, "needs_review"]


def test_report_summary_and_counts(stand_in):
    report = handoff_report(stand_in)
    assert isinstance(report, HandoffReport)
    assert isinstance(stand_in, LinkedData)
    counts = report.status_counts()
    assert list(counts) == list(STATUSES)
    assert counts == {"not_transferred": 2, "no_nta": 1, "nta_not_filed": 1,
                      "failed_to_appear": 1, "in_proceedings": 1}  # fmt: skip
    assert report.n_lost == 3
    summary = report.summary
    assert list(summary["dimension"].unique()) == [
        "total", "fiscal_year", "country", "age_band", "sex", "sponsor_state"]  # fmt: skip
    for dim in ("fiscal_year", "age_band", "country", "sex", "sponsor_state"):
        part = summary[summary["dimension"] == dim]
        assert part["identities"].sum() == len(report.identities)
    fy = summary[(summary["dimension"] == "fiscal_year") & (summary["value"] == "2020")]
    assert dict(zip(fy["status"], fy["identities"], strict=True)) == {
        "not_transferred": 2, "no_nta": 1, "nta_not_filed": 1}  # fmt: skip
    assert report.records_per_source == {"cbp": 5, "ice": 2, "hhs": 4, "eoir": 4}
    assert report.funnel()["identities"].tolist() == [5, 2, 4, 3]
    assert len(report.rejects) == 0 and "reason" in report.rejects.columns
    text = repr(report)
    assert "6 identities" in text and "failed_to_appear" in text
    assert "<table>" in report._repr_html_()


def test_exact_join_loses_the_child_whose_hhs_record_lacks_an_a_number(stand_in):
    report = handoff_report(stand_in)
    versus = report.versus_exact_join.set_index("status")
    # E's HHS record has no A-number: alone, the exact join sees it as handed and never seen again
    assert versus.loc["no_nta", "linked"] == 1 and versus.loc["no_nta", "exact_join"] == 2
    assert versus.loc["in_proceedings", "exact_join"] == 0
    assert (versus["difference"] == versus["exact_join"] - versus["linked"]).all()
    assert report.lost_only_by_exact_join == 1
    assert report.lost_only_by_linkage == 0
    assert report.n_lost_exact_join == 4
    exact = stand_in.con.table(tables.IDENTITIES_EXACT_JOIN).df()
    assert len(exact) == 7  # six A-numbers + the lone HHS record
    summary = report.to_dict()
    assert summary["exact_join"]["lost_only_by_exact_join"] == 1
    assert summary["lost"] == 3 and summary["records"] == 15


def test_explain_shows_records_links_and_the_weakest_waterfall(stand_in):
    stand_in.con.execute(
        f"CREATE TABLE {tables.PAIRS} AS SELECT * FROM (VALUES "
        "('hhs:d1', 'eoir:d2', 8.0, 0.996), ('eoir:d2', 'eoir:d3', 3.3, 0.91), "
        "('hhs:d1', 'eoir:d3', 2.0, 0.80), ('cbp:a1', 'hhs:d1', -3.0, 0.1)) "
        "AS t(unique_id_l, unique_id_r, match_weight, match_probability)"
    )
    report = handoff_report(stand_in)
    why = report.explain("D")
    assert why.records["record_id"].tolist() == ["d1", "d2", "d3"]  # journey order
    assert {"first_name", "dob", "a_number", "hearing_date"} <= set(why.records.columns)
    assert len(why.links) == 3  # the pair reaching outside the identity is not shown
    assert why.links["match_probability"].iloc[0] == pytest.approx(0.996)
    # the weakest link is the one the clustering reported (0.91), not merely the lowest pair
    assert stand_in.asked == ["eoir:d2", "eoir:d3"]
    assert why.weakest is not None and "Identity D" in repr(why)
    with pytest.raises(KeyError):
        report.explain("nobody")


def test_explain_without_pairs_or_explain_pair():
    con = make_con(ROWS, IDENTITY)
    why = handoff_report(con).explain("A")
    assert len(why.records) == 2 and why.links.empty and why.weakest is None


def test_missing_tables_and_columns_are_reported_together():
    con = duckdb.connect()
    con.execute(f"CREATE TABLE {tables.RECORDS} AS SELECT 'x' AS unique_id, 'cbp' AS source")
    with pytest.raises(SchemaError) as info:
        identity_statuses(con)
    text = str(info.value)
    assert "2 problems" in text and "event_date" in text and repr(tables.CLUSTERS) in text


@pytest.mark.slow
def test_a_quarter_million_records_give_one_status_per_identity():
    """62,500 identities of 4 records each: every identity gets its status (the time this takes
    is measured in benchmarks, not here)."""
    con = duckdb.connect()
    n = 250_000
    con.execute(
        f"""CREATE TABLE {tables.RECORDS} AS
        SELECT ['cbp', 'ice', 'hhs', 'eoir'][i % 4 + 1] || ':' || i AS unique_id,
               ['cbp', 'ice', 'hhs', 'eoir'][i % 4 + 1] AS source, i::VARCHAR AS record_id,
               CASE WHEN i % 7 = 0 THEN NULL ELSE lpad((i // 4)::VARCHAR, 9, '0') END AS a_number,
               DATE '2005-01-01' + (i // 4 % 3000)::INT AS dob, false AS dob_is_placeholder,
               'F' AS sex, 'GT' AS country, DATE '2020-01-01' + (i % 900)::INT AS event_date,
               CASE WHEN i % 3 = 0 THEN DATE '2020-06-01' END AS nta_issued_date,
               NULL::DATE AS release_date, NULL::DATE AS hearing_date,
               i % 11 = 0 AS absentia, 'MAIN ST' AS address, '77001' AS zip5
        FROM range({n}) AS t(i)"""
    )
    con.execute(
        f"CREATE TABLE {tables.CLUSTERS} AS SELECT unique_id, source, record_id, "
        "(record_id::BIGINT // 4)::VARCHAR AS identity_id, 0.99 AS link_probability "
        f"FROM {tables.RECORDS}"
    )
    report = handoff_report(con)
    assert len(report.identities) == n // 4
    assert sum(report.status_counts().values()) == n // 4


# ---------------------------------------------------------------------------------------------
# Known truth: with the true clusters the statuses must equal the generator's statuses exactly.
# ---------------------------------------------------------------------------------------------


def test_true_clusters_give_the_true_statuses(tmp_path):
    data = synthetic.generate(1500, seed=11)
    folder = synthetic.write(data, tmp_path)  # as the command line reads it
    records = normalize(read_sources(folder))
    con = records.con
    truth = data.truth.assign(record_id=data.truth["record_id"].astype(str))
    con.register("truth_frame", truth)
    con.execute(
        f"CREATE OR REPLACE TABLE {tables.CLUSTERS} AS SELECT r.unique_id, r.source, "
        "r.record_id, t.child_id::VARCHAR AS identity_id, NULL::DOUBLE AS link_probability "
        f"FROM {records.table} AS r JOIN truth_frame AS t USING (source, record_id)"
    )
    assert con.execute(f"SELECT count(*) FROM {tables.CLUSTERS}").fetchall()[0][0] == len(truth)
    report = handoff_report(con)
    got = dict(zip(report.identities["identity_id"], report.identities["status"], strict=True))
    want = dict(zip(data.children["child_id"].astype(str), data.children["status"], strict=True))
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    assert not wrong, f"{len(wrong)} children with another status, e.g. {list(wrong.items())[:5]}"
    assert set(got) == set(want)
    # what the OIG-style count sees: the exact join can only over-count lost children
    assert report.n_lost_exact_join >= report.n_lost - report.lost_only_by_linkage
    assert set(LOST_STATUSES) <= set(report.status_counts())
