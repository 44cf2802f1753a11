"""The README's and the docs' commands run as written (issue 15: the first commands of the README
did not).

In ``docs/*.md``, every fenced shell block (no language, or ``sh``) holding a ``linkage`` command
is run, block after block in one folder per page, so a command may use what an earlier one of the
same page made; a block a test cannot run (a synopsis, a command on the reader's own data, one
that serves until stopped) says so on the line before its fence: ``<!-- not run: why -->``. Its
commands are still parsed, so a misspelled option is found there too.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkage import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: The line before a block's fence that keeps a test from running it, with the reason.
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->")
#: What the commands of each page that has some must have made (files, and words printed).
MAKES: dict[str, tuple[tuple[str, ...], str]] = {
    "getting-started.md": (("out/demo/report.html", "out/synthetic/identities.csv"),
                           "status accuracy"),
    "store.md": (("model.json", "children.duckdb", "out/2019-11/changes.csv",
                  "out/2019-12/changes.csv"), "changes:"),
    "review.md": (("children.duckdb", "other.duckdb", "decisions.csv", "out/decided/report.html"),
                  "decisions imported"),
}  # fmt: skip


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_make_demo_installs_the_command_the_readme_names() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(VENV)/bin/linkage demo" in makefile and "VENV   := .venv" in makefile
    assert (Path(sys.executable).parent / "linkage").is_file()


@dataclass(frozen=True)
class _Block:
    """A fenced shell block of a page holding ``linkage`` commands."""

    page: str
    line: int  # of its opening fence
    commands: tuple[str, ...]  # its lines that hold a command (comments dropped when run)
    not_run: str | None  # why a test does not run it, as its marker says


def _words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def _command_blocks(page: Path) -> list[_Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    found, start, info = [], None, ""
    for number, line in enumerate(lines):
        fence = re.fullmatch(r"```(\w*)\s*", line)
        if fence is None:
            continue
        if start is None:
            start, info = number, fence[1]
            continue
        body = [text for text in lines[start + 1 : number] if text.strip() and text[0] != "#"]
        if info in ("", "sh") and any(text.split()[0] == "linkage" for text in body):
            before = next((text for text in reversed(lines[:start]) if text.strip()), "")
            marker = NOT_RUN.fullmatch(before.strip())
            found.append(_Block(page.name, start + 1, tuple(body), marker and marker[1]))
        start = None
    return found


def _parses(words: list[str]) -> bool:
    """Whether ``linkage words...`` is a command line the CLI accepts (nothing is run)."""
    try:
        cli.build_parser().parse_args(words[1:])
    except SystemExit as stop:
        return stop.code == 0
    return True


def test_every_command_of_the_docs_is_run_by_a_test_or_says_why_not() -> None:
    blocks = [block for page in sorted(DOCS.glob("*.md")) for block in _command_blocks(page)]
    run = [block for block in blocks if block.not_run is None]
    assert {block.page for block in run} == set(MAKES)
    for block in run:
        for line in block.commands:
            words = _words(line)
            where = f"{block.page}:{block.line}: {line}"
            assert words[0] == "linkage", where  # one linkage command a line, nothing else
            assert not {"&&", "||", "|", ";", ">", "<"} & set(words), where
            assert _parses(words), where
    synopsis = re.compile(r"\[|\||\.\.\.")  # [--option], a|b, ...: a form, not a command
    for block in blocks:
        if block.not_run is not None and not any(synopsis.search(c) for c in block.commands):
            for line in block.commands:
                assert _parses(_words(line)), f"{block.page}:{block.line}: {line}"


@pytest.mark.slow
@pytest.mark.parametrize("page", sorted(MAKES))
def test_the_commands_of_the_docs_run_as_written(page: str, tmp_path: Path) -> None:
    printed = []
    for block in _command_blocks(DOCS / page):
        if block.not_run is not None:
            continue
        for line in block.commands:
            words = _words(line)
            done = subprocess.run([sys.executable, "-m", "linkage", "--quiet", *words[1:]],
                                  cwd=tmp_path, capture_output=True, text=True, timeout=900)  # fmt: skip
            assert done.returncode == 0, f"{page}:{block.line}: {line}\n{done.stderr[-2000:]}"
            printed.append(done.stdout)
    files, words = MAKES[page]
    for name in files:
        assert (tmp_path / name).exists(), f"{page}: no {name}"
    assert words in "".join(printed), page
