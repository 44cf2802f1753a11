"""Progress a person can watch: bars on a terminal, none in a pipe or with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
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


def _on_a_terminal(args: list[str]) -> str:
    """Run ``linkage args`` with stdout and stderr on a pseudo-terminal 100 columns wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "linkage", *args], stdout=follower,
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


def test_quiet_or_a_pipe_shows_no_bar(folder, tmp_path) -> None:
    quiet = _on_a_terminal(["--quiet", "run", str(folder), "--out", str(tmp_path / "q")])
    assert "linking:" not in quiet and "\r" not in quiet.replace("\r\n", "")
    piped = subprocess.run(
        [sys.executable, "-m", "linkage", "run", str(folder), "--out", str(tmp_path / "p")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert piped.returncode == 0
    everything = piped.stdout + piped.stderr
    assert "linking:" not in everything and "\r" not in everything
    assert "linked into" in piped.stderr  # plain log lines instead


def test_duckdb_s_own_bar_is_off_where_no_one_watches() -> None:
    con = duckdb.connect()
    _progress.configure(con)  # pytest's stderr is not a terminal
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0][0] is False
    with _progress.quiet(True):
        assert not _progress.wanted()
