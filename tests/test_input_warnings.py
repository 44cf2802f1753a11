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
from linkage.errors import LinkageError, ModelError, OutputError, SchemaError

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
