"""``run()``: the whole job in one call. It chains the stages and adds nothing of its own.

link (which reads through read_sources, the one read path, and normalises) -> handoff_report
-> write (when ``out_dir`` is given).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkage import _progress as progress
from linkage.decisions import read_decisions
from linkage.handoff import HandoffReport, handoff_report

if TYPE_CHECKING:
    from linkage.sources import ColumnMapping, OnBadRecord

__all__ = ["run"]

logger = logging.getLogger("linkage")


def run(
    data: Any,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    model: Any = None,
    columns: Mapping[str, ColumnMapping] | None = None,
    quiet: bool = False,
    seed: int = 0,
    on_bad_record: OnBadRecord = "raise",
    store: str | os.PathLike[str] | None = None,
    decisions: Any = None,
    strict: bool = False,
    memory_limit: str | int | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> HandoffReport:
    """Read the extracts, link them, compute each identity's handoff status, write the report.

    Args:
        data: Anything :func:`linkage.read_sources` reads: a folder holding ``cbp.*``,
            ``ice.*``, ``hhs.*``, ``eoir.*``, or a mapping of source name to a path or table.
        out_dir: When given, every output file is written there (see
            :func:`linkage.report.write_report`); otherwise nothing is written.
        model: A trained model (or the path of its JSON file) to score with instead of
            training one on this data; see :func:`linkage.link`.
        columns: Per source, your column names mapped onto the layout's
            (``{"cbp": {"ALIEN_NBR": "a_number"}}``).
        quiet: No progress bars (log lines go to the ``linkage`` logger as usual).
        seed: Seed for the random sampling in training, for repeatable results.
        on_bad_record: ``"raise"`` (default) stops on empty or duplicated ``record_id`` values;
            ``"reject"`` puts those rows in the rejects table with their reason and links the
            rest.
        store: When given, the path of a new linkage store (a DuckDB file, which must not
            exist) that keeps this run for later updates (:class:`linkage.Store`,
            ``docs/store.md``). The store stays open, for the report to read, while the report
            is referenced.
        decisions: Reviewers' decisions to honour (a decisions file or frame, see
            :mod:`linkage.decisions`); with ``store``, they are kept in the new store.
        strict: stop on any warning about the input (``Sources.warnings``: a misspelled
            column, unreadable, impossible or ambiguous dates, a source given as one file, files
            skipped) with a :class:`linkage.errors.StrictInputError` (exit code 3 on the command
            line), before any linking. Without it the warnings are logged, kept in
            ``report.warnings`` and listed at the top of report.html and in summary.json.
        memory_limit: the memory the job may use (``"4GB"`` by default, or
            ``LINKAGE_MEMORY_LIMIT``; ``"none"`` for DuckDB's own limit): DuckDB is held to 3/4 of
            it (at most the limit less 600 MB) and spills to ``temp_directory`` beyond it (see
            :func:`linkage.read_sources`).
        temp_directory: where DuckDB spills (default: a folder in the system's temporary
            directory, or ``LINKAGE_TEMP_DIR``).

    Returns:
        The :class:`linkage.handoff.HandoffReport`; ``report.result`` is the linkage result
        (its model, pairs and clusters).

    Raises:
        InputError: the input cannot be read (every problem listed).
        ModelError: the model cannot be used.
        BlockingError: a blocking rule would compare too many pairs.
        OutputError: ``out_dir`` is a file, lies under a file or cannot be written (found
            before any reading or linking).

    Example:
        >>> import linkage  # doctest: +SKIP
        >>> report = linkage.run("data/", out_dir="out")  # doctest: +SKIP
        >>> report.status_counts()  # doctest: +SKIP
        {'not_transferred': 160, 'no_nta': 610, 'nta_not_filed': 600, ...}
    """
    made = _folders_to_make(out_dir)
    try:
        return _run(
            data, out_dir=out_dir, model=model, columns=columns, quiet=quiet, seed=seed,
            on_bad_record=on_bad_record, store=store, decisions=decisions, strict=strict,
            resources={"memory_limit": memory_limit, "temp_directory": temp_directory},
        )  # fmt: skip
    except BaseException:
        for folder in made:  # nothing half-written: the folders made for the output go again
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _folders_to_make(out_dir: str | os.PathLike[str] | None) -> list[Path]:
    """The output folder and its parents that do not exist yet, deepest first; then the folder
    is checked (made and probed) before the expensive work, not after it."""
    if out_dir is None:
        return []
    from linkage.report import check_out_dir

    out = Path(out_dir)
    made = [p for p in (out, *out.parents) if not p.exists()]
    try:
        check_out_dir(out)
    except BaseException:
        for folder in made:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return made


def _run(
    data: Any,
    *,
    out_dir: str | os.PathLike[str] | None,
    model: Any,
    columns: Mapping[str, ColumnMapping] | None,
    quiet: bool,
    seed: int,
    on_bad_record: OnBadRecord,
    store: str | os.PathLike[str] | None,
    decisions: Any,
    strict: bool,
    resources: dict[str, Any],
) -> HandoffReport:
    """``run`` once its output folder is known to be writable; ``resources``: the memory limit
    and temporary directory."""
    if store is not None:
        return _run_into_store(
            data, store, out_dir=out_dir, model=model, columns=columns, seed=seed,
            on_bad_record=on_bad_record, decisions=decisions, strict=strict, resources=resources,
        )  # fmt: skip
    from linkage.linking import link

    result = link(
        data, model=model, columns=columns, seed=seed, quiet=quiet, on_bad_record=on_bad_record,
        decisions=decisions, strict=strict, **resources,
    )  # fmt: skip
    with progress.quiet(quiet), progress.stages(("report", "write"), desc="report") as stage:
        stage("report")
        report = handoff_report(result)
        if out_dir is not None:
            stage("write")
            files = report.write(out_dir)
            logger.info("open %s", files["report.html"])
    return report


def _run_into_store(
    data: Any,
    path: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None,
    model: Any,
    columns: Mapping[str, ColumnMapping] | None,
    seed: int,
    on_bad_record: OnBadRecord,
    decisions: Any,
    strict: bool,
    resources: dict[str, Any],
) -> HandoffReport:
    """``run`` with a store: create it, link the data as its first update, write the report.
    A run that fails (``strict`` and a warning about the input included) leaves no store
    behind."""
    from linkage.store import Store

    store = Store.create(path, model=model, **resources)
    try:
        if decisions is not None:
            store.add_decisions(read_decisions(decisions))
        report = store.update(
            data, columns=columns, on_bad_record=on_bad_record, seed=seed, strict=strict
        )
    except BaseException:
        store.close()
        Path(path).unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
        raise
    if out_dir is not None:
        files = report.write(out_dir)
        logger.info("open %s", files["report.html"])
    return report
