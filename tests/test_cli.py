"""The command line, run as a user runs it: ``python -m linkage ...`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from linkage import cli

COMMANDS = {
    "run": ["--out", "--model", "--columns", "--save-model", "--seed", "--store", "--decisions"],
    "update": ["--store", "--out", "--retrain", "--columns", "--seed"],
    "review": ["--store", "--out", "--port", "--no-browser", "--export", "--import"],
    "demo": ["--children", "--seed", "--out"],
    "synth": ["--children", "--seed", "--out", "--format", "--by-month"],
    "evaluate": ["--identities", "--json", "CLUSTERS_FILE", "TRUTH_DIR_OR_FILE"],
}


def linkage(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkage", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


@pytest.mark.slow
def test_help_explains_every_command_option_and_exit_code():
    top = linkage("--help")
    assert top.returncode == 0
    for command in COMMANDS:
        assert command in top.stdout
    for code in ("0", "1", "2", "3", "4"):
        assert f"  {code}  " in top.stdout
    for command, options in COMMANDS.items():
        shown = linkage(command, "--help")
        assert shown.returncode == 0, shown.stderr
        for option in [
            *options,
            "--quiet",
            "--debug",
            "--memory-limit",
            "--temp-dir",
            "exit codes",
        ]:
            assert option in shown.stdout, (command, option)


@pytest.mark.slow
def test_version_and_usage_errors():
    version = linkage("--version")
    assert version.returncode == 0 and version.stdout.startswith("linkage ")
    unknown = linkage("frobnicate")
    assert unknown.returncode == 2 and "invalid choice" in unknown.stderr
    missing = linkage("run", "somewhere")  # --out is required
    assert missing.returncode == 2 and "--out" in missing.stderr
    where = linkage("review", "--no-browser")  # --store or --out is required
    assert where.returncode == 2 and "--store" in where.stderr


def test_bad_input_exits_3_naming_source_and_column(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "cbp.csv").write_text("record_id,first_name,last_name\nc1,ANA,LOPEZ\n")
    (data / "hhs.csv").write_text(
        "record_id,first_name,last_name,event_date\nh1,Ana,López,01/02/2021\n"
    )
    done = linkage("run", str(data), "--out", str(tmp_path / "out"))
    assert done.returncode == 3, done.stderr
    assert "cbp" in done.stderr and "event_date" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "report.html").exists()


def test_missing_folder_exits_3_quietly(tmp_path):
    done = linkage("--quiet", "run", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert done.returncode == 3
    assert "nowhere" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") <= 2  # one clear message, no log chatter
    assert done.stdout == ""


def test_internal_errors_exit_1_and_show_a_traceback_only_with_debug(monkeypatch, capsys, tmp_path):
    import linkage.evaluation

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(linkage.evaluation, "evaluate", broken)
    file = tmp_path / "clusters.csv"
    file.write_text("source,record_id,identity_id\ncbp,1,a\n")
    assert cli.main(["evaluate", str(file), str(file)]) == 1
    err = capsys.readouterr().err
    assert "boom" in err and "--debug" in err and "Traceback" not in err
    assert cli.main(["evaluate", str(file), str(file), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_evaluate_reports_a_missing_file_as_bad_input(tmp_path):
    done = linkage("evaluate", str(tmp_path / "nope.csv"), str(tmp_path))
    assert done.returncode == 3 and "nope.csv" in done.stderr
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------------------------------------
# With the synthetic generator
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    done = linkage("synth", "--children", "60", "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_synth_writes_the_extracts_and_the_truth(synth_dir, tmp_path):
    names = {p.name for p in synth_dir.iterdir()}
    assert {"cbp.csv", "ice.csv", "hhs.csv", "eoir.csv", "truth_records.csv",
            "truth_children.csv"} <= names  # fmt: skip
    truth = pd.read_csv(synth_dir / "truth_records.csv", dtype=str)
    assert truth["child_id"].nunique() == 60
    pq_dir = tmp_path / "pq"
    done = linkage("synth", "--children", "20", "--seed", "3", "--out", str(pq_dir),
                   "--format", "parquet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (pq_dir / "cbp.parquet").exists()


@pytest.mark.slow
def test_evaluate_true_clusters_score_perfectly(synth_dir, tmp_path):
    truth = pd.read_csv(synth_dir / "truth_records.csv", dtype=str)
    children = pd.read_csv(synth_dir / "truth_children.csv", dtype=str)
    clusters = truth.rename(columns={"child_id": "identity_id"})
    clusters.to_csv(tmp_path / "clusters.csv", index=False)
    children.rename(columns={"child_id": "identity_id"})[["identity_id", "status"]].to_csv(
        tmp_path / "identities.csv", index=False
    )
    done = linkage("evaluate", str(tmp_path / "clusters.csv"), str(synth_dir),
                   "--identities", str(tmp_path / "identities.csv"), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    scores = json.loads(done.stdout)
    assert scores["pairwise_f1"] == scores["bcubed_f1"] == pytest.approx(1.0)
    assert scores["status_accuracy"] == pytest.approx(1.0)
    assert scores["n_children"] == scores["n_identities"] == 60
    # one record moved to an identity of its own: its child is split, recall drops
    clusters.loc[0, "identity_id"] = "someone-else"
    clusters.to_csv(tmp_path / "clusters.csv", index=False)
    worse = linkage("evaluate", str(tmp_path / "clusters.csv"), str(synth_dir / "truth_records.csv"),
                    "--json")  # fmt: skip
    assert worse.returncode == 0, worse.stderr
    worse_scores = json.loads(worse.stdout)
    assert worse_scores["children_split"] == 1 and worse_scores["pairwise_recall"] < 1.0
    assert worse_scores["status_accuracy"] is None  # a truth file holds no statuses
    table = linkage("evaluate", str(tmp_path / "clusters.csv"), str(synth_dir))
    assert table.returncode == 0 and "precision" in table.stdout


@pytest.mark.slow
def test_evaluate_prints_the_status_errors_per_group_after_its_figures(synth_dir, tmp_path):
    from linkage.evaluation import evaluate
    from linkage.synthetic import read_truth

    truth, children = read_truth(synth_dir)
    clusters = truth.rename(columns={"child_id": "identity_id"})
    clusters.to_csv(tmp_path / "clusters.csv", index=False)
    # one child in proceedings reported lost (no NTA): one wrong status, one lost too many
    known = children["country"].notna() & children["sex"].notna()
    wrong = children[known & (children["status"] == "in_proceedings")].iloc[0]
    reported = children.rename(columns={"child_id": "identity_id"})[["identity_id", "status"]]
    reported.loc[reported["identity_id"] == wrong["child_id"], "status"] = "no_nta"
    reported.to_csv(tmp_path / "identities.csv", index=False)
    args = [str(tmp_path / "clusters.csv"), str(synth_dir), "--identities",
            str(tmp_path / "identities.csv")]  # fmt: skip
    done = linkage("evaluate", *args)
    assert done.returncode == 0, done.stderr
    scores = evaluate(clusters, truth, identities=reported, children=children)
    figures = repr(scores).splitlines()
    lines = done.stdout.splitlines()
    assert lines[: len(figures)] == figures  # the figures' lines as they always were, first
    title, header, *rows = lines[len(figures) :]
    assert title.startswith("status errors per group of the true child")
    assert header.split() == ["dimension", "group", "children", "wrong", "accuracy", "true",
                              "lost", "reported", "lost", "lost", "error"]  # fmt: skip
    shown = [row.split() for row in rows]
    assert {row[0] for row in shown} == {"country", "age_band", "sex", "fiscal_year",
                                         "sponsor_state"}  # fmt: skip
    for dimension in ("country", "sex"):  # few groups here: all of them, the child's wrong
        for row in (row for row in shown if row[0] == dimension):
            expected = ("1", "+1") if row[1] == wrong[dimension] else ("0", "0")
            assert (row[3], row[-1]) == expected, row
        assert [dimension, wrong[dimension]] in [row[:2] for row in shown]
    as_json = linkage("evaluate", *args, "--json")
    assert as_json.returncode == 0, as_json.stderr
    parsed = json.loads(as_json.stdout)
    by_group = parsed.pop("by_group")
    assert parsed == pytest.approx(scores.to_dict())  # the other keys as they were
    assert len(by_group) == len(scores.by_group)  # every group, not only the worst
    row = next(g for g in by_group if (g["dimension"], g["group"]) == ("country", wrong["country"]))
    assert (row["true_lost"] + 1, row["reported_lost"], row["lost_error"]) == (
        row["reported_lost"], row["reported_lost"], 1)  # fmt: skip
    plain = linkage("evaluate", str(tmp_path / "clusters.csv"), str(synth_dir))  # no statuses
    assert plain.returncode == 0 and "per group" not in plain.stdout


@pytest.mark.slow
def test_demo_links_reports_and_scores(tmp_path):
    out = tmp_path / "demo"
    done = linkage("demo", "--children", "300", "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "data" / "cbp.csv").exists()
    page = (out / "report.html").read_text()
    assert "<svg" in page and "Handoff report" in page
    facts = json.loads((out / "summary.json").read_text())
    clusters = pd.read_csv(out / "clusters.csv", dtype=str)
    truth = pd.read_csv(out / "data" / "truth_records.csv", dtype=str)
    assert len(clusters) == len(truth) == facts["records"]  # every record has an identity
    assert str(out / "report.html") in done.stdout
    assert "identities" in done.stdout
    scores = json.loads((out / "evaluation.json").read_text())
    assert scores["pairwise_f1"] > 0.8  # the linkage finds most children on easy data
    assert "[" in done.stderr  # progress log lines went to stderr, not stdout
