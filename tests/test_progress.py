"""Progress a person can watch: bars on a terminal, none in a pipe or with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import duckdb
import pytest

from linkage import _progress, synthetic

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    data = synthetic.generate(300, seed=2)
    return synthetic.write(data, tmp_path_factory.mktemp("progress") / "data")


def _on_a_terminal(args: list[str], *, slice_pairs: int | None = None) -> str:
    """Run ``linkage args`` with stdout and stderr on a pseudo-terminal 100 columns wide (with
    ``slice_pairs``, predict scores that many candidate pairs per slice)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    python = ["-m", "linkage"]
    if slice_pairs is not None:
        python = ["-c", "import sys; from linkage import cli, model; "
                  f"model.PAIRS_PER_PREDICT_CHUNK = {slice_pairs}; sys.exit(cli.main(sys.argv[1:]))"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, *python, *args], stdout=follower,
                            stderr=follower)  # fmt: skip
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=600) == 0, out.decode(errors="replace")[-2000:]
    os.close(leader)
    return out.decode(errors="replace")


def test_a_run_on_a_terminal_shows_its_stages_with_counts_and_time(folder, tmp_path) -> None:
    shown = _on_a_terminal(["run", str(folder), "--out", str(tmp_path / "o")])
    assert "linking:" in shown and "/4 [" in shown  # stages done of four, elapsed<left
    for stage in ("normalise", "train", "predict", "cluster"):
        assert f"stage, {stage}]" in shown or f"stage/s, {stage}]" in shown, stage
    assert "report:" in shown
    assert "linked into" in shown  # the log lines are still printed, above the bar
    # under the stages, the steps of the long ones: predict's one slice here, and the rounds
    # of clustering's conflict check, counted (how many there will be is not known before)
    assert "predict slice:" in shown and "0/1 [" in shown
    assert re.search(r"clustering round: [1-9]\d* done \[\d\d:\d\d", shown), shown[-3000:]


def test_the_predict_bar_counts_its_slices_and_the_time_left(folder, tmp_path) -> None:
    shown = _on_a_terminal(["run", str(folder), "--out", str(tmp_path / "o")], slice_pairs=500)
    pairs = int(
        re.search(r"blocking: ([\d,]+) distinct candidate pairs", shown)[1].replace(",", "")
    )
    slices = -(-pairs // 500)
    assert slices > 2
    assert f"0/{slices} [00:00<?" in shown  # the slices of predict, none done yet
    # then at least one slice done, with the time spent and the time left
    done = rf"predict slice: +\d+%\|[^|]*\| [1-9]\d*/{slices} \[\d\d:\d\d<\d\d:\d\d"
    assert re.search(done, shown), shown[-3000:]


def test_quiet_or_a_pipe_shows_no_bar(folder, tmp_path) -> None:
    quiet = _on_a_terminal(["--quiet", "run", str(folder), "--out", str(tmp_path / "q")])
    assert "linking:" not in quiet and "\r" not in quiet.replace("\r\n", "")
    assert "predict slice" not in quiet and "clustering round" not in quiet
    piped = subprocess.run(
        [sys.executable, "-m", "linkage", "run", str(folder), "--out", str(tmp_path / "p")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert piped.returncode == 0
    everything = piped.stdout + piped.stderr
    assert "linking:" not in everything and "\r" not in everything
    assert "predict slice" not in everything and "clustering round" not in everything
    assert "linked into" in piped.stderr  # plain log lines instead


def test_duckdb_s_own_bar_is_off_where_no_one_watches() -> None:
    con = duckdb.connect()
    _progress.configure(con)  # pytest's stderr is not a terminal
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0] is False
    with _progress.quiet(True):
        assert not _progress.wanted()
