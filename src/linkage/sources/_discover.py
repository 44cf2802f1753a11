"""Finding the inputs: a folder, one file or a mapping -> one input (path or table) per source."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from linkage.errors import Problem
from linkage.schema import SOURCES
from linkage.sources._problems import missing_path_problem, unknown_source_problem

logger = logging.getLogger("linkage")

CSV_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv")
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
COMPRESSED_SUFFIXES: tuple[str, ...] = (".gz",)


def resolve_inputs(data: Any, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """Source -> input (path or frame), in SOURCES order; problems for anything unusable."""
    if isinstance(data, (str, os.PathLike)):
        return _inputs_of_path(Path(data), problems, warnings)
    if isinstance(data, Mapping):
        return _inputs_of_mapping(data, problems)
    problems.append(
        Problem(
            source=None,
            column=None,
            message=f"cannot read sources from a value of type {type(data).__name__}",
            fix="pass a folder, or a mapping of source name to a file or table, "
            "e.g. {'cbp': 'cbp.csv', 'hhs': hhs_frame}",
            kind="source",
        )
    )
    return {}


def _inputs_of_path(path: Path, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """A folder of source files, or one file named after its source."""
    if path.is_dir():
        return _scan_folder(path, problems, warnings)
    if not path.is_file():
        problems.append(missing_path_problem(None, path))
        return {}
    source = _source_of_file(path)
    if source is None:
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"{str(path)!r} is a single file whose name is not a source name",
                fix=f"name it after its source ({', '.join(SOURCES)}), e.g. cbp.csv, "
                "or pass a mapping such as {'cbp': path}",
                kind="source",
            )
        )
        return {}
    warnings.append(
        Problem(
            source=source,
            column=None,
            message=f"{str(path)!r} is one file, so only source {source!r} was read: every "
            "other source is treated as absent (with no HHS source, no child is handed to HHS)",
            fix=f"pass the folder that holds it ({str(path.parent)!r}) to read every source, or "
            f"a mapping such as {{'{source}': path}} to mean one source only",
            kind="source",
        )
    )
    return {source: path}


def _inputs_of_mapping(data: Mapping[Any, Any], problems: list[Problem]) -> dict[str, Any]:
    """The mapping's inputs under their source names (any case, stray spaces), in SOURCES order."""
    found: dict[str, Any] = {}
    for key in data:
        name = str(key).strip().lower() if isinstance(key, str) else key
        if name not in SOURCES:
            problems.append(unknown_source_problem(key))
        elif name in found:
            problems.append(
                Problem(
                    source=name,
                    column=None,
                    message=f"source {name!r} is given twice (as {key!r})",
                    fix="give each source once",
                    kind="source",
                )
            )
        else:
            found[name] = data[key]
    if not data:
        problems.append(
            Problem(
                source=None,
                column=None,
                message="no sources were given",
                fix=f"give at least one of {', '.join(SOURCES)}",
                kind="source",
            )
        )
    _check_read_once(found, problems)
    return {s: found[s] for s in SOURCES if s in found}


def _check_read_once(found: Mapping[str, Any], problems: list[Problem]) -> None:
    """A problem when one file, or one in-memory table, is given as two sources."""
    seen: dict[object, str] = {}
    for source in SOURCES:
        if source not in found:
            continue
        value = found[source]
        key: object = id(value)
        if isinstance(value, (str, os.PathLike)):
            key = Path(value).resolve() if Path(value).exists() else Path(value)
        if key in seen:
            problems.append(
                Problem(
                    source=source,
                    column=None,
                    message=f"sources {seen[key]!r} and {source!r} are the same "
                    + ("file" if isinstance(key, Path) else "table")
                    + ": one extract would be linked to itself as two agencies",
                    fix=f"give {source!r} its own extract, or leave it out",
                    kind="source",
                )
            )
        else:
            seen[key] = source


#: The truth files ``linkage synth`` writes beside its extracts (names without suffix).
TRUTH_FILES = ("truth_records", "truth_children")


def _scan_folder(folder: Path, problems: list[Problem], warnings: list[Problem]) -> dict[str, Any]:
    """The source files of a folder: a warning for other files, a problem if none or too many."""
    by_source, ignored = _files_by_source(folder)
    _check_source_folders(folder, by_source, problems, warnings)
    truth = [name for name in ignored if name.split(".")[0] in TRUTH_FILES]
    ignored = [name for name in ignored if name not in truth]
    if truth:  # linkage synth writes them beside the extracts: expected, not a mistake
        warnings.append(
            Problem(
                source=None,
                column=None,
                message=f"the synthetic truth ({', '.join(truth)}) in {str(folder)!r} is not "
                "input and was not read",
                fix="score against it with linkage evaluate or linkage.evaluate",
                kind="source",
                severity="note",
            )
        )
    if ignored:
        warnings.append(
            Problem(
                source=None,
                column=None,
                message=f"{len(ignored)} file(s) in {str(folder)!r} are not source files and were ignored",
                fix="name source files cbp.*, ice.*, hhs.*, eoir.* with a suffix of "
                + ", ".join(accepted_suffixes()),
                examples=tuple(ignored),
                kind="source",
            )
        )
    if not by_source:
        shown = ", ".join(ignored[:10]) if ignored else "nothing"
        problems.append(
            Problem(
                source=None,
                column=None,
                message=f"the folder {str(folder)!r} holds no source file (found: {shown})",
                fix="put files named cbp.csv, ice.csv, hhs.csv, eoir.csv (or .parquet) in it, "
                "or pass a mapping of source name to file",
                kind="source",
            )
        )
        return {}
    return _one_file_per_source(by_source, problems)


def _files_by_source(folder: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """The folder's source files by source, and the names of the other files (hidden ones aside)."""
    by_source: dict[str, list[Path]] = {}
    ignored: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            logger.debug("ignoring folder %s", path)
            continue
        if path.name.startswith((".", "~$")):
            if _source_of_file(Path(path.name.lstrip(".~$_"))) is not None:
                ignored.append(path.name)  # a hidden copy of a source file: say it was skipped
            else:
                logger.debug("ignoring hidden file %s", path)
            continue
        source = _source_of_file(path)
        if source is None or file_kind(path) is None:
            ignored.append(path.name)
        else:
            by_source.setdefault(source, []).append(path)
    return by_source, ignored


def _check_source_folders(
    folder: Path,
    by_source: Mapping[str, list[Path]],
    problems: list[Problem],
    warnings: list[Problem],
) -> None:
    """Sub-folders named after a source (``cbp.csv/``, ``cbp/``): they are not read. A problem
    when that source has no file (a whole agency would be missing), else a warning."""
    for path in sorted(p for p in folder.iterdir() if p.is_dir()):
        source = _source_of_file(path)
        if source is None:
            continue
        message = f"{path.name!r} in {str(folder)!r} is a folder, not a file, and is not read"
        if source in by_source:
            warnings.append(
                Problem(
                    source=source,
                    column=None,
                    message=f"{message} (source {source!r} is read from "
                    f"{by_source[source][0].name!r})",
                    fix="move the folder out of the data folder to silence this",
                    kind="source",
                )
            )
        else:
            problems.append(
                Problem(
                    source=source,
                    column=None,
                    message=f"{message}: source {source!r} would be missing",
                    fix=f"put the {source} extract itself in the folder as a file "
                    f"({source}.csv or {source}.parquet)",
                    kind="source",
                )
            )


def _one_file_per_source(
    by_source: Mapping[str, list[Path]], problems: list[Problem]
) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for source in SOURCES:
        paths = by_source.get(source, [])
        if len(paths) > 1:
            problems.append(
                Problem(
                    source=source,
                    column=None,
                    message=f"{len(paths)} files in the folder could be source {source!r}",
                    fix="keep one file per source in the folder",
                    examples=tuple(p.name for p in paths),
                    kind="source",
                )
            )
        elif paths:
            found[source] = paths[0]
    return found


def _source_of_file(path: Path) -> str | None:
    stem = path.name.split(".")[0].strip().lower()
    return stem if stem in SOURCES else None


def file_kind(path: Path) -> Literal["csv", "parquet"] | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] in CSV_SUFFIXES:
            return "csv"
        return None
    if suffixes and suffixes[-1] in CSV_SUFFIXES:
        return "csv"
    if suffixes and suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    return None


def accepted_suffixes() -> list[str]:
    return [*CSV_SUFFIXES, *(s + ".gz" for s in CSV_SUFFIXES), *PARQUET_SUFFIXES]
