"""What a plain run prints: no warning about the tool's own files, Splink's training chatter
summarised in one line."""

from __future__ import annotations

import logging

import pytest

import linkage
from linkage import synthetic


def test_the_synthetic_truth_beside_the_extracts_is_a_note_not_a_warning(tmp_path) -> None:
    folder = synthetic.write(synthetic.generate(60, seed=1), tmp_path / "data")
    sources = linkage.read_sources(folder, strict=True)  # strict: a warning would raise
    (note,) = sources.warnings
    assert note.severity == "note" and "truth" in note.message
    (folder / "notes.txt").write_text("a stray file")
    warned = linkage.read_sources(folder).warnings
    assert [w.severity for w in warned if "not source files" in w.message] == ["warning"]


@pytest.mark.slow
def test_splink_s_unobserved_level_warnings_become_one_line(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    linkage.link(synthetic.generate(300, seed=3).sources)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in warnings if "not observed in dataset" in r.getMessage()]
    summary = [r for r in caplog.records if r.getMessage().startswith("training: ")]
    assert summary and summary[0].levelno == logging.INFO and summary[0].name == "linkage"
    assert "not observed" in summary[0].getMessage()
