"""Monthly synthetic extracts: every record once, revisions later and different, late court records,
the same seed the same months, and folders that ``read_sources`` and the CLI agree with."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from linkage import read_sources
from linkage.cli import main
from linkage.errors import InputError
from linkage.synthetic import (
    Extract,
    SyntheticData,
    generate,
    read_truth,
    split_by_month,
    write_by_month,
)

DATE_FORMAT = {"cbp": "%m/%d/%Y", "ice": "%Y-%m-%d", "hhs": "%m/%d/%Y", "eoir": "%Y%m%d"}
REVISION_RATE = 0.05  # above the default, so that a few hundred records see every kind


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(800, seed=21)


@pytest.fixture(scope="module")
def extracts(data: SyntheticData) -> list[Extract]:
    return split_by_month(data, seed=5, revision_rate=REVISION_RATE, late_court_rate=0.3)


def deliveries(extracts: list[Extract]) -> pd.DataFrame:
    """One row per row delivered: source, month, its position that month, and the row itself."""
    frames = [
        frame.assign(_source=source, _month=e.month, _order=np.arange(len(frame)))
        for e in extracts
        for source, frame in e.sources.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    out["_first"] = ~out.duplicated(["_source", "record_id"])  # months come in order
    return out


def event_month(source: str, frame: pd.DataFrame) -> pd.Series:
    day = pd.to_datetime(frame["event_date"], format=DATE_FORMAT[source])
    return day.dt.strftime("%Y-%m")


def test_months_are_in_order_and_each_month_has_deliveries(extracts):
    months = [e.month for e in extracts]
    assert months == sorted(months)
    assert len(set(months)) == len(months)
    assert all(e.n_records > 0 for e in extracts)
    assert all(len(f) > 0 for e in extracts for f in e.sources.values())


def test_every_record_is_delivered_once_as_it_is(data, extracts):
    rows = deliveries(extracts)
    for source, frame in data.sources.items():
        first = rows[(rows["_source"] == source) & rows["_first"]]
        assert len(first) == len(frame), source
        at = pd.Index(first["record_id"]).get_indexer(frame["record_id"])
        assert (at >= 0).all(), source
        got = first.iloc[at][list(frame.columns)].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, frame.reset_index(drop=True))


def test_a_record_id_comes_at_most_twice_and_never_twice_in_a_month(extracts):
    rows = deliveries(extracts)
    per_id = rows.groupby(["_source", "record_id"]).size()
    assert per_id.max() == 2
    assert not rows.duplicated(["_source", "_month", "record_id"]).any()
    for e in extracts:
        for source, frame in e.sources.items():
            assert frame["record_id"].is_unique, (e.month, source)


def test_columns_and_dtypes_are_those_of_the_sources(data, extracts):
    for e in extracts:
        for source, frame in e.sources.items():
            assert list(frame.columns) == list(data.sources[source].columns)
            assert (frame.dtypes == data.sources[source].dtypes).all(), (e.month, source)
            assert list(frame.index) == list(range(len(frame)))


def test_originals_come_in_their_event_month_except_late_court_records(data, extracts):
    rows = deliveries(extracts)
    for source, frame in data.sources.items():
        first = rows[(rows["_source"] == source) & rows["_first"]].set_index("record_id")
        delivered = first.loc[frame["record_id"], "_month"].to_numpy()
        event = event_month(source, frame).to_numpy()
        if source != "eoir":
            assert (delivered == event).all(), source
            continue
        late = delivered != event
        assert (delivered >= event).all()
        assert 0.2 < late.mean() < 0.4  # late_court_rate=0.3
        lag = pd.PeriodIndex(delivered[late], freq="M") - pd.PeriodIndex(event[late], freq="M")
        assert {p.n for p in lag} <= set(range(1, 7))


def test_revisions_come_later_and_differ_in_one_field(data, extracts):
    rows = deliveries(extracts)
    revised = rows[~rows["_first"]]
    assert len(revised) == pytest.approx(REVISION_RATE * data.n_records, abs=4)
    changed_columns = set()
    for (source, record_id), again in revised.groupby(["_source", "record_id"]):
        columns = list(data.sources[source].columns)
        first = rows[
            (rows["_source"] == source) & (rows["record_id"] == record_id) & rows["_first"]
        ]
        assert len(first) == 1 and len(again) == 1
        before, after = first.iloc[0], again.iloc[0]
        months = pd.Period(after["_month"], freq="M") - pd.Period(before["_month"], freq="M")
        assert 1 <= months.n <= 6, (source, record_id)
        diff = [c for c in columns if before[c] != after[c]]
        assert len(diff) == 1, (source, record_id, diff)
        changed_columns.add((source, diff[0]))
    sources = {s for s, _ in changed_columns}
    assert sources == set(data.sources)
    assert {c for _, c in changed_columns} == {"a_number", "last_name", "dob", "hearing_date"}


def test_revisions_correct_towards_the_truth(data, extracts):
    """An A-number, surname or dob changed by a revision becomes the child's true one."""
    rows = deliveries(extracts)
    truth = data.truth.merge(data.children, on="child_id").set_index(["source", "record_id"])
    checked = 0
    for (source, record_id), again in rows[~rows["_first"]].groupby(["_source", "record_id"]):
        child = truth.loc[(source, record_id)]
        before = data.sources[source].set_index("record_id").loc[record_id]
        after = again.iloc[0]
        if before["a_number"] != after["a_number"]:
            digits = "".join(ch for ch in after["a_number"] if ch.isdigit()).zfill(9)
            assert digits in (child["a_number"], child["a_number_2"])
        elif before["dob"] != after["dob"]:
            assert after["dob"] == child["dob"].strftime(DATE_FORMAT[source])
        elif source != "ice" and before["last_name"] != after["last_name"]:
            surnames = " ".join(s for s in (child["surname_1"], child["surname_2"]) if s)
            plain = unicodedata.normalize("NFKD", surnames).encode("ascii", "ignore").decode()
            assert after["last_name"] == (surnames if source == "hhs" else plain.upper())
        else:
            assert source == "eoir" and after["hearing_date"] > before["hearing_date"]
        checked += 1
    assert checked > 50


def test_the_latest_version_is_the_original_except_for_revised_records(data, extracts):
    rows = deliveries(extracts)
    latest = rows.drop_duplicates(["_source", "record_id"], keep="last")
    revised_ids = set(map(tuple, rows.loc[~rows["_first"], ["_source", "record_id"]].to_numpy()))
    for source, frame in data.sources.items():
        columns = list(frame.columns)
        last = latest[latest["_source"] == source].set_index("record_id").loc[frame["record_id"]]
        same = (last[columns[1:]].to_numpy() == frame[columns[1:]].to_numpy()) | (
            last[columns[1:]].isna().to_numpy() & frame[columns[1:]].isna().to_numpy()
        )
        unchanged = same.all(axis=1)
        was_revised = np.array([(source, r) in revised_ids for r in frame["record_id"]])
        assert (unchanged == ~was_revised).all(), source


def test_counts_on_each_extract_match_its_rows(data, extracts):
    rows = deliveries(extracts)
    for e in extracts:
        month = rows[rows["_month"] == e.month]
        assert e.revisions == int((~month["_first"]).sum())
        eoir = month[(month["_source"] == "eoir") & month["_first"]]
        assert e.late_court == int((event_month("eoir", eoir) != e.month).sum())
    assert sum(e.late_court for e in extracts) > 0


def test_the_same_seed_gives_the_same_extracts_and_another_seed_others(data, extracts):
    again = split_by_month(data, seed=5, revision_rate=REVISION_RATE, late_court_rate=0.3)
    assert [e.month for e in again] == [e.month for e in extracts]
    for a, b in zip(again, extracts, strict=True):
        assert list(a.sources) == list(b.sources)
        for source in a.sources:
            pd.testing.assert_frame_equal(a.sources[source], b.sources[source])
    other = deliveries(split_by_month(data, seed=6, revision_rate=REVISION_RATE))
    mine = deliveries(extracts)
    assert set(other.loc[~other["_first"], "record_id"]) != set(
        mine.loc[~mine["_first"], "record_id"]
    )


def test_zero_rates_deliver_every_record_once_in_its_event_month(data):
    rows = deliveries(split_by_month(data, revision_rate=0.0, late_court_rate=0.0))
    assert rows["_first"].all() and len(rows) == data.n_records
    for source, frame in data.sources.items():
        theirs = rows[rows["_source"] == source].set_index("record_id")["_month"]
        assert (theirs.loc[frame["record_id"]].to_numpy() == event_month(source, frame)).all()


def test_a_record_without_a_date_goes_with_its_childs_earliest_record(data):
    sources = {s: f.copy() for s, f in data.sources.items()}
    hhs = sources["hhs"]
    record_id = hhs["record_id"].iloc[-1]
    hhs.loc[hhs.index[-1], "event_date"] = None
    truth = data.truth
    child = truth.set_index(["source", "record_id"]).loc[("hhs", record_id), "child_id"]
    others = truth[(truth["child_id"] == child) & (truth["record_id"] != record_id)]
    months = [
        month
        for source, ids in others.groupby("source")["record_id"]
        for month in event_month(source, sources[source][sources[source]["record_id"].isin(ids)])
    ]
    assert months  # the child has other records
    earliest = min(months)
    undated = SyntheticData(sources, data.truth, data.children, data.seed, data.rates)
    rows = deliveries(split_by_month(undated, revision_rate=0.0, late_court_rate=0.0))
    mine = rows[(rows["_source"] == "hhs") & (rows["record_id"] == record_id)]
    assert list(mine["_month"]) == [earliest]


@pytest.mark.parametrize("rates", [{"revision_rate": 1.5}, {"late_court_rate": -0.1}])
def test_a_rate_outside_0_1_raises_input_error(data, rates):
    with pytest.raises(InputError, match="between 0 and 1"):
        split_by_month(data, **rates)


@pytest.mark.slow
def test_each_month_folder_is_read_by_read_sources(tmp_path):
    data = generate(300, seed=8)
    folders = write_by_month(data, tmp_path, seed=1, revision_rate=0.1)
    assert [f.name for f in folders] == sorted(f.name for f in folders)
    assert {p.name for p in tmp_path.iterdir() if p.is_file()} == {
        "truth_records.csv",
        "truth_children.csv",
    }
    records, children = read_truth(tmp_path)
    assert len(records) == data.n_records and len(children) == 300
    total = 0
    for folder in folders:
        counts = read_sources(folder).counts()
        on_disk = {p.stem: len(pd.read_csv(p, dtype=str)) for p in folder.glob("*.csv")}
        assert counts == on_disk and counts, folder
        total += sum(counts.values())
    assert total > data.n_records  # revisions on top of every record


def test_write_by_month_parquet_round_trips(tmp_path, data):
    extracts = split_by_month(data, seed=3)
    folders = write_by_month(data, tmp_path, format="parquet", seed=3)
    assert [f.name for f in folders] == [e.month for e in extracts]
    e = extracts[len(extracts) // 2]
    for source, frame in e.sources.items():
        back = pd.read_parquet(tmp_path / e.month / f"{source}.parquet")
        back = back.astype(object).where(back.notna(), None)
        pd.testing.assert_frame_equal(back, frame)
    assert not list(tmp_path.glob("*/*.csv"))


def test_rewriting_a_folder_leaves_no_file_of_the_other_format(tmp_path):
    data = generate(100, seed=2)
    write_by_month(data, tmp_path, format="parquet")
    folders = write_by_month(data, tmp_path, format="csv")
    for folder in folders:
        assert not list(folder.glob("*.parquet")), folder


@pytest.mark.slow
def test_cli_synth_by_month_writes_month_folders_and_says_how_many(tmp_path, capsys):
    out = tmp_path / "months"
    code = main(["synth", "--children", "300", "--seed", "4", "--out", str(out), "--by-month"])
    assert code == 0
    printed = capsys.readouterr().out
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert folders and all(len(p.name) == 7 and p.name[4] == "-" for p in folders)
    assert not (out / "cbp.csv").exists()
    assert (out / "truth_records.csv").exists()
    extracts = split_by_month(generate(300, seed=4), seed=4)
    assert [p.name for p in folders] == [e.month for e in extracts]
    revisions = sum(e.revisions for e in extracts)
    late = sum(e.late_court for e in extracts)
    assert f"months: {len(folders)} " in printed
    assert f"+ {revisions:,} revisions" in printed
    assert f"late court records: {late:,}" in printed
    assert revisions > 0 and late > 0


def test_cli_synth_without_by_month_still_writes_one_folder(tmp_path, capsys):
    code = main(["synth", "--children", "30", "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "cbp.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]
    assert "months:" not in capsys.readouterr().out


def test_extract_repr_names_month_and_counts(extracts):
    text = repr(extracts[0])
    assert text.startswith(f"Extract(month={extracts[0].month!r}")
    assert str(extracts[0].n_records) in text
