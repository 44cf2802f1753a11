"""Issue 15 (points 1-3): input mistakes that change results are loud, no child's name or birth
date in any message, and every failure a ``LinkageError`` found before the expensive work."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pandas as pd
import pytest

import linkage
from linkage import synthetic
from linkage.cli import EXIT_INPUT, EXIT_MODEL, main
from linkage.errors import (
    LinkageError,
    ModelError,
    OutputError,
    SchemaError,
    SourceError,
    StrictInputError,
)

# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data():
    return synthetic.generate(300, seed=1)


@pytest.fixture(scope="module")
def folder(data, tmp_path_factory) -> Path:
    """The four extracts of ``data`` as CSV files, alone in a folder (no truth files)."""
    out = tmp_path_factory.mktemp("extracts")
    for source, frame in data.sources.items():
        frame.to_csv(out / f"{source}.csv", index=False)
    return out


@pytest.fixture(scope="module")
def model_path(data, tmp_path_factory) -> Path:
    result = linkage.link(data.sources, seed=1, quiet=True)
    return result.save_model(tmp_path_factory.mktemp("model") / "model.json")


def _linking_started(caplog: pytest.LogCaptureFixture) -> bool:
    return any(r.getMessage().startswith("normalising") for r in caplog.records)


# --- C: every failure a LinkageError, found before the expensive work -------------------------


def _unwritable(tmp_path: Path) -> Path:
    """A folder that cannot be made: read-only for a user, under /proc for root."""
    if os.geteuid() == 0:
        return Path("/proc/self/linkage-out")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    return locked / "out"


@pytest.mark.parametrize("case", ["a file", "under a file", "not writable"])
def test_an_output_folder_that_cannot_be_written_is_an_output_error_before_linking(
    case, folder, tmp_path, caplog
):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    out = {"a file": blocker, "under a file": blocker / "out", "not writable": None}[case]
    out = out if out is not None else _unwritable(tmp_path)
    caplog.set_level(logging.DEBUG, logger="linkage")
    with pytest.raises(OutputError, match="output folder") as raised:
        linkage.run(folder, out_dir=out, quiet=True)
    assert isinstance(raised.value, LinkageError)
    assert not _linking_started(caplog), "the output folder must be checked before reading"


def test_the_command_line_says_an_output_folder_is_a_file_with_exit_code_3(
    folder, tmp_path, capsys
):
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    assert main(["run", str(folder), "--out", str(blocker), "--quiet"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "output folder" in err and "internal error" not in err


def _edited_model(model_path: Path, tmp_path: Path, *, where: str) -> Path:
    model = json.loads(model_path.read_text(encoding="utf-8"))
    if where == "comparison":
        level = model["splink_settings"]["comparisons"][0]["comparison_levels"][2]
        level["sql_condition"] = "lsat_key_l = lsat_key_r"
    else:
        model["blocking_rules"][0]["columns"] = ["alien_nbr"]
    edited = tmp_path / f"model_{where}.json"
    edited.write_text(json.dumps(model), encoding="utf-8")
    return edited


@pytest.mark.slow
@pytest.mark.parametrize(
    ("where", "column"), [("comparison", "lsat_key"), ("blocking", "alien_nbr")]
)
def test_a_model_naming_absent_columns_is_a_model_error_naming_them(
    where, column, data, model_path, tmp_path
):
    edited = _edited_model(model_path, tmp_path, where=where)
    with pytest.raises(ModelError, match=column) as raised:
        linkage.link(data.sources, model=edited, quiet=True)
    assert "SELECT" not in str(raised.value)


@pytest.mark.slow
def test_the_command_line_gives_exit_code_4_for_a_model_naming_absent_columns(
    folder, model_path, tmp_path, capsys
):
    edited = _edited_model(model_path, tmp_path, where="blocking")
    code = main(["run", str(folder), "--out", str(tmp_path / "out"), "--model", str(edited)])
    err = capsys.readouterr().err
    assert code == EXIT_MODEL
    assert "alien_nbr" in err and "internal error" not in err


def test_the_output_check_makes_a_new_folder_and_leaves_it_empty(tmp_path):
    from linkage.report import check_out_dir

    out = check_out_dir(tmp_path / "a" / "b")
    assert out.is_dir() and list(out.iterdir()) == []


# --- B: no child's name or birth date in any message, log line or report page ----------------

NAME, SURNAME, BIRTH = "ZZQXNAME", "QQWSURNAME", "03/17/2008"


def _marked(frame: pd.DataFrame, source: str, row: int = 0) -> pd.DataFrame:
    """``frame`` with distinctive name and birth date on ``row`` (to find them in messages)."""
    frame = frame.copy()
    if "full_name" in frame:
        frame.loc[row, "full_name"] = f"{SURNAME}, {NAME}"
    else:
        frame.loc[row, ["first_name", "last_name"]] = [NAME, SURNAME]
    frame.loc[row, "dob"] = BIRTH
    return frame


def _no_pii(text: str) -> None:
    for secret in (NAME, SURNAME, BIRTH, "2008-03-17"):
        assert secret not in text, f"{secret!r} leaked into: {text[:300]}"


def test_a_csv_without_header_row_is_an_error_that_does_not_echo_the_first_record(
    data, tmp_path, caplog
):
    folder = tmp_path / "nohead"
    folder.mkdir()
    _marked(data.sources["cbp"], "cbp").to_csv(folder / "cbp.csv", index=False, header=False)
    caplog.set_level(logging.DEBUG, logger="linkage")
    with pytest.raises(SchemaError, match="no header row") as raised:
        linkage.read_sources(folder)
    _no_pii(str(raised.value))
    _no_pii("\n".join(r.getMessage() for r in caplog.records))


@pytest.mark.slow
def test_report_html_names_rejects_by_source_id_line_and_reason_without_their_text(data, tmp_path):
    folder = tmp_path / "ragged"
    folder.mkdir()
    for source, frame in data.sources.items():
        frame.to_csv(folder / f"{source}.csv", index=False)
    lines = (folder / "cbp.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, f"x1,{NAME},,{SURNAME},,{BIRTH},M,,03/01/2021,extra,fields,here,too")
    (folder / "cbp.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = linkage.run(folder, out_dir=tmp_path / "out", quiet=True)
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert len(report.rejects) == 1 and "unreadable_row" in page
    _no_pii(page)
    assert NAME in (tmp_path / "out" / "rejects.csv").read_text(encoding="utf-8")


# --- A: input mistakes that change results are loud -------------------------------------------


def _warnings(sources, **where) -> list:
    return [
        w
        for w in sources.warnings
        if w.severity == "warning" and all(getattr(w, k) == v for k, v in where.items())
    ]


def test_a_misspelled_optional_column_is_a_warning_naming_the_intended_column(data):
    cbp = data.sources["cbp"].rename(columns={"last_name": "lsat_name"})
    sources = linkage.read_sources({"cbp": cbp, "hhs": data.sources["hhs"]})
    (found,) = _warnings(sources, source="cbp", column="lsat_name")
    assert "did you mean 'last_name'" in found.message
    with pytest.raises(StrictInputError, match="did you mean 'last_name'"):
        linkage.read_sources({"cbp": cbp}, strict=True)


def test_extra_columns_alone_are_a_note_that_strict_lets_through(data):
    cbp = data.sources["cbp"].assign(agent_note="x")
    sources = linkage.read_sources({"cbp": cbp}, strict=True)
    assert not _warnings(sources)
    assert any("carried through" in w.message for w in sources.warnings)


def test_a_folder_named_like_a_source_file_is_an_error_when_that_source_has_no_file(data, tmp_path):
    folder = tmp_path / "data"
    (folder / "cbp.csv").mkdir(parents=True)
    data.sources["hhs"].to_csv(folder / "hhs.csv", index=False)
    with pytest.raises(SourceError, match="'cbp.csv' .* is a folder"):
        linkage.read_sources(folder)

    data.sources["cbp"].to_csv(folder / "cbp.parquet.csv", index=False)  # cbp has a file now
    sources = linkage.read_sources(folder)
    assert sources.names == ("cbp", "hhs")
    assert _warnings(sources, source="cbp") and "is a folder" in _warnings(sources)[0].message


def test_the_same_file_or_table_given_as_two_sources_is_an_error(data, tmp_path):
    path = tmp_path / "cbp.csv"
    data.sources["cbp"].to_csv(path, index=False)
    with pytest.raises(SourceError, match="'cbp' and 'ice' are the same file"):
        linkage.read_sources({"cbp": path, "ice": str(tmp_path / "." / "cbp.csv")})
    frame = data.sources["hhs"]
    with pytest.raises(SourceError, match="same table"):
        linkage.read_sources({"hhs": frame, "eoir": frame})


def test_one_file_where_a_folder_is_expected_is_a_warning_and_an_error_on_the_command_line(
    folder, tmp_path, capsys
):
    sources = linkage.read_sources(folder / "cbp.csv")
    (found,) = _warnings(sources, source="cbp")
    assert "only source 'cbp' was read" in found.message
    code = main(["run", str(folder / "cbp.csv"), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == EXIT_INPUT
    assert "is a file, not a folder" in capsys.readouterr().err


def test_files_skipped_in_the_folder_are_listed_hidden_copies_of_extracts_too(data, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    data.sources["cbp"].to_csv(folder / "cbp.csv", index=False)
    data.sources["ice"].to_csv(folder / ".ice.csv", index=False)  # hidden by a tool
    (folder / ".DS_Store").write_bytes(b"\0")  # the system's own: not worth a word
    (folder / "notes.txt").write_text("x")
    sources = linkage.read_sources(folder)
    (skipped,) = [w for w in sources.warnings if "ignored" in w.message]
    assert set(skipped.examples) == {".ice.csv", "notes.txt"}


def _with_dates(data, column: str, values: list[str], source: str = "cbp") -> pd.DataFrame:
    frame = data.sources[source].copy()
    frame.loc[: len(values) - 1, column] = values
    return frame


def test_unreadable_dates_are_counted_with_example_record_ids(data):
    cbp = _with_dates(data, "dob", ["19 Apr 2009", "2009/19/04", "soon"])
    sources = linkage.read_sources({"cbp": cbp})
    (found,) = _warnings(sources, source="cbp", column="dob")
    assert found.count == 3 and "not dates the reader knows" in found.message
    assert list(found.examples) == cbp["record_id"].head(3).tolist()


def test_impossible_dates_are_nulled_and_counted(data):
    cbp = _with_dates(data, "event_date", ["01/01/0001", "12/31/9999"])
    cbp.loc[2, "dob"] = "01/01/2090"  # a birth in 2090
    cbp.loc[3, ["dob", "event_date"]] = ["06/01/2015", "03/01/2014"]  # an event before birth
    sources = linkage.read_sources({"cbp": cbp})
    (event,) = _warnings(sources, column="event_date")
    assert event.count == 2 and "impossible" in event.message
    born = {w.message.split(" (")[0]: w.count for w in _warnings(sources, column="dob")}
    assert born == {
        "1 dob value(s) are impossible": 1,
        "1 record(s) have a birth date after their own event_date": 1,
    }

    records = linkage.normalize(sources).to_pandas().set_index("record_id")
    ids = cbp["record_id"].head(4).tolist()
    assert records.loc[ids[:2], "event_date"].isna().all()
    assert records.loc[ids[2:4], "dob"].isna().all()


def test_dates_that_read_either_day_or_month_first_are_a_warning(data):
    dotted = _with_dates(data, "dob", ["04.05.2010", "11.02.2009"])
    (found,) = _warnings(linkage.read_sources({"cbp": dotted}), column="dob")
    assert found.count >= 2 and "2 of them are written with dots" in found.message

    mixed = _with_dates(data, "dob", ["25/12/2010", "04/05/2010"])  # one can only be day-first
    (found,) = _warnings(linkage.read_sources({"cbp": mixed}), column="dob")
    assert found.count >= 1 and "can only be day-first" in found.message


@pytest.mark.slow
def test_an_unreadable_nta_date_still_counts_as_an_nta(data, model_path):
    before = linkage.handoff_report(linkage.link(data.sources, model=model_path, quiet=True))
    sources = dict(data.sources)
    ice = sources["ice"].copy()
    written = ice["nta_issued_date"].notna()
    ice.loc[written, "nta_issued_date"] = "issued, date unknown"
    sources["ice"] = ice
    after = linkage.handoff_report(linkage.link(sources, model=model_path, quiet=True))

    assert before.status_counts()["nta_not_filed"] > 0
    assert after.status_counts() == before.status_counts()
    (found,) = [w for w in after.input_warnings if w.column == "nta_issued_date"]
    assert found.count == int(written.sum()) and "still counts as an NTA" in found.message


@pytest.mark.slow
def test_warnings_are_listed_in_summary_json_report_html_and_the_command_line(
    data, folder, model_path, tmp_path, capsys
):
    bad = tmp_path / "bad"
    bad.mkdir()
    for source, frame in data.sources.items():
        frame.to_csv(bad / f"{source}.csv", index=False)
    data.sources["cbp"].rename(columns={"last_name": "lsat_name"}).to_csv(
        bad / "cbp.csv", index=False
    )
    out = tmp_path / "out"
    code = main(["--quiet", "run", str(bad), "--out", str(out), "--model", str(model_path)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "warning(s) about the input" in printed.splitlines()[-2]
    assert "lsat_name" in printed.splitlines()[-1]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [w["column"] for w in summary["warnings"]] == ["lsat_name"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index("about the input") < page.index("<h2>")
    assert "did you mean" in page

    strict = ["--quiet", "run", str(bad), "--out", str(tmp_path / "o2"), "--strict"]
    assert main([*strict, "--model", str(model_path)]) == EXIT_INPUT
    assert "lsat_name" in capsys.readouterr().err
    with pytest.raises(StrictInputError):
        linkage.run(bad, model=model_path, strict=True, quiet=True)
    assert main(["--quiet", "run", str(folder), "--out", str(tmp_path / "o3"), "--strict",
                 "--model", str(model_path)]) == 0  # fmt: skip


# --- B: the battery: no name or birth date anywhere -------------------------------------------

BIRTH_FORMS = (BIRTH, "2008-03-17", "20080317", "17 Mar 2008")


def _secrets_absent(text: str) -> None:
    for secret in (NAME, SURNAME, *BIRTH_FORMS):
        assert secret not in text, f"{secret!r} leaked into: {text[:400]}"


def _fatal_cases(data, tmp_path: Path) -> dict[str, object]:
    """Inputs that stop reading, each with the marked child in it."""
    cbp, ice = _marked(data.sources["cbp"], "cbp"), _marked(data.sources["ice"], "ice")
    nohead = tmp_path / "nohead"
    nohead.mkdir()
    cbp.to_csv(nohead / "cbp.csv", index=False, header=False)
    frame_nohead = cbp.copy()
    frame_nohead.columns = [str(v) for v in cbp.iloc[0]]
    dup = cbp.copy()
    dup.loc[1, "record_id"] = dup.loc[0, "record_id"]
    empty_id = cbp.copy()
    empty_id.loc[0, "record_id"] = None
    unreadable = _marked(data.sources["cbp"], "cbp")
    unreadable.loc[0, "dob"] = "17 Mar 2008"
    return {
        "no header row (file)": nohead,
        "no header row (frame)": {"cbp": frame_nohead},
        "repeated record id": {"cbp": dup},
        "empty record id": {"cbp": empty_id},
        "no name column": {"ice": ice.rename(columns={"full_name": "nombre"})},
        "no event date": {"cbp": cbp.drop(columns=["event_date"])},
        "strict": {"cbp": unreadable},
    }


def _damaged_folder(data, tmp_path: Path) -> Path:
    """Every source damaged in a way that reads on, with warnings and rejects."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    cbp = _marked(data.sources["cbp"], "cbp").rename(columns={"last_name": "lsat_name"})
    cbp.loc[1, ["first_name", "dob"]] = [NAME, "17 Mar 2008"]
    cbp.loc[2, ["first_name", "dob"]] = [NAME, "03/17/2098"]
    cbp.to_csv(folder / "cbp.csv", index=False)
    lines = (folder / "cbp.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(5, f"x1,{NAME},,{SURNAME},,{BIRTH},M,,03/01/2021,one,field,too,many,here")
    (folder / "cbp.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ice = _marked(data.sources["ice"], "ice")
    ice.loc[0, "nta_issued_date"] = "17 Mar 2008"
    ice.to_csv(folder / "ice.csv", index=False, encoding="latin-1", errors="replace")
    hhs = _marked(data.sources["hhs"], "hhs")
    hhs.loc[1, "record_id"] = hhs.loc[0, "record_id"]
    hhs.to_csv(folder / "hhs.csv", index=False)
    _marked(data.sources["eoir"], "eoir").to_csv(folder / "eoir.csv", index=False)
    (folder / "stray.txt").write_text("a stray file")
    return folder


@pytest.mark.slow
def test_no_name_or_birth_date_in_any_error_warning_log_line_or_report_page(
    data, model_path, tmp_path, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    for case, value in _fatal_cases(data, tmp_path).items():
        with pytest.raises(LinkageError) as raised:
            linkage.read_sources(value, strict=True)
        _secrets_absent(f"{case}: {raised.value}")

    out = tmp_path / "out"
    folder = _damaged_folder(data, tmp_path)
    code = main(["--debug", "run", str(folder), "--out", str(out), "--model", str(model_path),
                 "--on-bad-record", "reject"])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["warnings"]) >= 5 and summary["rejects"] >= 2
    for text in (
        printed.out,
        printed.err,
        (out / "report.html").read_text(encoding="utf-8"),
        (out / "summary.json").read_text(encoding="utf-8"),
        "\n".join(r.getMessage() for r in caplog.records),
    ):
        _secrets_absent(text)


@pytest.mark.slow
def test_update_with_strict_stops_on_a_warning_and_leaves_the_store_as_it_was(
    data, folder, model_path, tmp_path, capsys
):
    from linkage.store import Store

    store = str(tmp_path / "s.duckdb")
    run = ["--quiet", "run", str(folder), "--store", store, "--model", str(model_path)]
    assert main([*run, "--out", str(tmp_path / "o1")]) == 0
    month = tmp_path / "month"
    month.mkdir()
    cbp = data.sources["cbp"].head(20).rename(columns={"last_name": "lsat_name"})
    cbp.assign(record_id=cbp["record_id"] + "-new").to_csv(month / "cbp.csv", index=False)
    update = ["--quiet", "update", str(month), "--store", store, "--out", str(tmp_path / "o2")]

    assert main([*update, "--strict"]) == EXIT_INPUT
    assert "did you mean 'last_name'" in capsys.readouterr().err
    with Store.open(store) as opened:
        assert len(opened.updates()) == 1
    assert main(update) == 0  # without --strict: read on, and say so at the end
    printed = capsys.readouterr().out
    assert "warning(s) about the input" in printed and "lsat_name" in printed
    summary = json.loads((tmp_path / "o2" / "summary.json").read_text(encoding="utf-8"))
    assert [w["column"] for w in summary["warnings"]] == ["lsat_name"]
