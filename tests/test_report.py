"""The report on disk: every file, readable back, and one HTML page that opens offline."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from linkage import tables
from linkage.handoff import handoff_report, register_writer
from linkage.report import REVIEW_ROWS, render_html, write_report
from linkage.schema import STATUSES
from test_handoff import IDENTITY, ROWS, StandIn, make_con

SVG_NS = "http://www.w3.org/2000/svg"


@pytest.fixture
def report():
    probs = {"A": 0.99, "B": 0.999, "C": 0.97, "D": 0.91, "E": 0.5, "F": 0.96}
    con = make_con(ROWS, IDENTITY, probs)
    con.execute(
        f"CREATE TABLE {tables.REJECTS} AS SELECT 'cbp' AS source, NULL::VARCHAR AS record_id, "
        "7::BIGINT AS row_number, 'unreadable_row' AS reason, 'line 8: 3 fields, expected 6' "
        "AS detail"
    )
    return handoff_report(StandIn(con=con))


def test_every_file_is_written_and_reads_back(report, tmp_path):
    files = write_report(report, tmp_path / "out")
    names = {f"{t}.{ext}" for t in ("clusters", "identities", "summary", "groups", "rejects")
             for ext in ("csv", "parquet")} | {"summary.json", "report.html"}  # fmt: skip
    assert set(files) == names
    assert all(p.exists() and p.parent == tmp_path / "out" for p in files.values())

    clusters = pd.read_csv(files["clusters.csv"], dtype=str)
    assert list(clusters.columns) == ["source", "record_id", "identity_id", "link_probability"]
    assert len(clusters) == len(ROWS)  # one row per input record
    assert set(zip(clusters["source"], clusters["record_id"], strict=True)) == {
        (r["source"], r["record_id"]) for r in ROWS
    }
    for name in ("clusters", "identities", "summary", "groups", "rejects"):
        from_csv = pd.read_csv(files[f"{name}.csv"])
        from_parquet = pd.read_parquet(files[f"{name}.parquet"])
        assert len(from_csv) == len(from_parquet)
        assert list(from_csv.columns) == list(from_parquet.columns)

    identities = pd.read_parquet(files["identities.parquet"]).set_index("identity_id")
    assert identities["status"].to_dict()["D"] == "failed_to_appear"
    assert str(identities.loc["C", "apprehension_date"]) == "2020-03-01"  # a date, not a time
    csv_ids = pd.read_csv(files["identities.csv"], dtype=str).set_index("identity_id")
    assert csv_ids.loc["A", "a_numbers"] == "000000001"  # lists as plain text, not "['...']"

    rejects = pd.read_csv(files["rejects.csv"])
    assert rejects.loc[0, "reason"] == "unreadable_row"


def test_report_write_writes_what_write_report_writes(report, tmp_path):
    files = report.write(tmp_path / "method")
    direct = write_report(report, tmp_path / "function")
    assert set(files) == set(direct)
    for name in ("clusters.csv", "identities.csv", "summary.json", "report.html"):
        assert files[name].read_bytes() == direct[name].read_bytes()


def test_report_write_goes_through_the_registered_writer(report, tmp_path):
    calls = []
    register_writer(lambda r, out: calls.append((r, out)) or {})
    try:
        assert report.write(tmp_path) == {}
    finally:
        register_writer(write_report)
    assert calls == [(report, tmp_path)]
    assert not list(tmp_path.iterdir())
    assert "report.html" in report.write(tmp_path)


def test_summary_json_holds_the_pipeline_figures(report, tmp_path):
    files = write_report(report, tmp_path)
    facts = json.loads(files["summary.json"].read_text())
    assert facts["status_counts"] == report.status_counts()
    assert sum(facts["status_counts"].values()) == facts["identities"] == 6
    assert facts["lost"] == 3 and facts["exact_join"]["lost"] == 4
    assert facts["exact_join"]["lost_only_by_exact_join"] == 1
    assert facts["records_per_source"] == {"cbp": 5, "ice": 2, "hhs": 4, "eoir": 4}
    assert facts["rejects"] == 1 and facts["needs_review"] == 2
    assert isinstance(facts["version"], str) and facts["version"]


def test_rejects_written_even_when_empty(tmp_path):
    files = write_report(handoff_report(make_con(ROWS, IDENTITY)), tmp_path)
    assert pd.read_csv(files["rejects.csv"]).empty
    assert list(pd.read_parquet(files["rejects.parquet"]).columns) == [
        "source", "record_id", "row_number", "reason", "detail"]  # fmt: skip


def test_html_has_charts_tables_and_no_external_reference(report):
    page = render_html(report)
    titles = re.findall(r"<svg[^>]*>\s*<title>([^<]*)</title>", page)
    assert len(titles) == 3
    assert any("Funnel" in t for t in titles)
    assert any("fiscal year" in t for t in titles)
    assert any("exact A-number join" in t for t in titles)
    # the funnel says how many identities reached each stage, in its accessible description
    assert "CBP apprehension: 5" in page and "Immigration court: 3" in page
    for status in STATUSES:
        assert status in page
    assert page.count("<table>") >= 5
    assert "Identities needing review" in page
    # offline: no script, no stylesheet link, no web address (the SVG namespace is allowed)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    stripped = page.replace(SVG_NS, "")
    for needle in ("http://", "https://", "//cdn", "@import", "url("):
        assert needle not in stripped


def test_html_escapes_every_value():
    evil = "<script>alert('x')</script>"
    rows = [
        dict(source="hhs", record_id="1", a_number="000000009", event_date=pd.Timestamp("2021-01-04").date(),
             address=evil, zip5="1"),
        dict(source="eoir", record_id="2", a_number="000000009", event_date=pd.Timestamp("2021-03-04").date(),
             address="x", zip5="2"),
    ]  # fmt: skip
    con = make_con(rows, {"hhs:1": evil, "eoir:2": evil}, {evil: 0.2})
    page = render_html(handoff_report(con))
    assert evil not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # the review table shows it


def test_review_table_is_capped_and_sorted(tmp_path):
    n = REVIEW_ROWS + 10
    rows = [dict(source=s, record_id=f"{s}{i}", event_date=pd.Timestamp("2021-01-04").date())
            for i in range(n) for s in ("cbp", "hhs")]  # fmt: skip
    clusters = {f"{s}:{s}{i}": f"id{i:03d}" for i in range(n) for s in ("cbp", "hhs")}
    con = make_con(rows, clusters, {f"id{i:03d}": 0.1 + i / 1000 for i in range(n)})
    page = render_html(handoff_report(con))
    section = page.split("Identities needing review")[1].split("<h2>")[0]
    assert section.count("<tr>") == REVIEW_ROWS + 1  # header + the weakest 50
    assert "id000" in section and f"id{n - 1:03d}" not in section
