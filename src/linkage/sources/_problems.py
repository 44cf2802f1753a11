"""The problems several steps of :func:`~linkage.sources.read_sources` report, worded once."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from linkage.errors import Problem
from linkage.schema import SOURCES


def did_you_mean(name: object, options: Sequence[str]) -> str:
    hits = difflib.get_close_matches(str(name).strip().lower(), list(options), n=1, cutoff=0.5)
    return f"did you mean {hits[0]!r}?" if hits else ""


def unknown_source_problem(key: object) -> Problem:
    hint = did_you_mean(key, SOURCES)
    return Problem(
        source=None,
        column=None,
        message=f"unknown source {key!r}; the sources are {', '.join(SOURCES)}",
        fix=(hint + " " if hint else "") + "use one of the four source names",
        kind="source",
    )


def missing_path_problem(source: str | None, path: Path) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"no file or folder at {str(path)!r}",
        fix=f"check the path (relative paths start from the current directory, {os.getcwd()!r})",
        kind="source",
    )


def empty_file_problem(source: str, path: Path, what: str) -> Problem:
    return Problem(
        source=source,
        column=None,
        message=f"{path.name!r} is empty ({what})",
        fix="give the extract with its header row; leave the source out if there is no data",
        kind="source",
    )


def unreadable_problem(source: str, label: str, error: BaseException) -> Problem:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return Problem(
        source=source,
        column=None,
        message=f"{label!r} could not be read: {first}",
        fix="check that it is a CSV or Parquet file (or a table) holding text, and that it can be "
        "opened",
        kind="source",
    )


def label_of(value: Any) -> str:
    if isinstance(value, (str, os.PathLike)):
        return Path(value).name
    module = type(value).__module__.split(".")[0]
    return f"{module} {type(value).__name__}"
