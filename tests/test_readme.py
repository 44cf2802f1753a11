"""The README's commands run as written (issue 15: the first commands of the README did not)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _blocks(kind: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    use = text[text.index("## Use it") : text.index("## How well it works")]
    return re.findall(rf"```{kind}\n(.*?)```", use, flags=re.S)


def _run_shell(block: str, cwd: Path) -> None:
    for line in block.splitlines():
        command = line.split("  #")[0].strip()
        if not command:
            continue
        words = shlex.split(command)
        assert words[0] == ".venv/bin/linkage", line  # the path make demo installs
        done = subprocess.run([sys.executable, "-m", "linkage", "--quiet", *words[1:]], cwd=cwd,
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stderr[-2000:]}"


def test_the_readme_s_commands_and_python_run_as_written(tmp_path) -> None:
    shell = _blocks("sh")
    assert len(shell) == 2
    for block in shell:
        _run_shell(block, tmp_path)
    assert (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "2019-11" / "changes.csv").is_file()
    assert (tmp_path / "decisions.csv").is_file()
    (python,) = _blocks("python")
    done = subprocess.run([sys.executable, "-c", python], cwd=tmp_path, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "model.json").is_file()


def test_make_demo_installs_the_command_the_readme_names() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/bin/linkage demo" in makefile and "VENV   := .venv" in makefile
    assert (Path(sys.executable).parent / "linkage").is_file()


def test_getting_started_s_check_against_the_truth_runs_as_written(tmp_path) -> None:
    text = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    section = text[text.index("## Checking the result against the truth") :]
    (block,) = re.findall(r"```\n(.*?)```", section, flags=re.S)
    for line in block.strip().splitlines():
        words = shlex.split(line)
        assert words[0] == "linkage", line
        done = subprocess.run([sys.executable, "-m", "linkage", "--quiet", *words[1:]],
                              cwd=tmp_path, capture_output=True, text=True, timeout=900)  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stderr[-2000:]}"
    assert "status accuracy" in done.stdout
