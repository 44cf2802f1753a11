"""The ``linkage`` command line, a thin layer over :func:`linkage.pipeline.run`.

Commands: ``run`` (link a folder of extracts and write the report), ``demo`` (the same on
synthetic data, scored against its truth), ``synth`` (write synthetic data) and ``evaluate``
(score any clusters file against a truth). ``docs/cli.md`` describes every option and file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from linkage.errors import (
    BlockingError,
    EvaluationError,
    InputError,
    LinkageError,
    ModelError,
    OutputError,
    Problem,
    ResourceError,
    SourceError,
    StoreError,
)

if TYPE_CHECKING:
    import pandas as pd

    from linkage.linking import LinkageResult
    from linkage.synthetic import SyntheticData

__all__ = ["EXIT_CODES", "build_parser", "main"]

logger = logging.getLogger("linkage")

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MODEL = 4
EXIT_RESOURCES = 5
EXIT_STORE = 6
#: Exit codes, as documented in ``--help`` and docs/cli.md.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_INTERNAL: "internal error (a bug: the message says so; run again with --debug)",
    EXIT_USAGE: "usage error: unknown command or option, missing argument",
    EXIT_INPUT: "bad input: unreadable or missing files, missing columns, bad record ids, "
    "clusters and truth that do not match (every problem is listed), an output folder that "
    "cannot be written, or any input warning with --strict",
    EXIT_MODEL: "model or blocking error: a model file that cannot be used, or a blocking "
    "rule that would compare too many pairs",
    EXIT_RESOURCES: "out of memory or temporary disk space (the message says which step and how "
    "to give it more room)",
    EXIT_STORE: "store error: the store is missing, already exists, is being written by another "
    "process, or was written by another schema version (the message says what to do)",
}
DEFAULT_DEMO_CHILDREN = 2000
DEFAULT_DEMO_OUT = "out/demo"
#: The store `linkage review --out OUT` keeps beside a run's output.
REVIEW_STORE = "review.duckdb"

_EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _read_columns(path: str | None) -> dict[str, dict[str, str]] | None:
    if path is None:
        return None
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"cannot read the column mapping {path!r}: {error}",
                fix='give a JSON file such as {"cbp": {"ALIEN_NBR": "a_number"}}',
                kind="schema",
            )
        ) from error
    if not isinstance(mapping, dict) or not all(isinstance(v, dict) for v in mapping.values()):
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"the column mapping {path!r} is not an object of objects",
                fix='give a JSON file such as {"cbp": {"ALIEN_NBR": "a_number"}}',
                kind="schema",
            )
        )
    return mapping


def _print_report(report: Any, out_dir: Path) -> None:
    print(repr(report))
    print(f"report: {out_dir / 'report.html'}")
    found = getattr(report, "input_warnings", ())
    if found:  # last, where a reader looks: they can change every figure above
        print(f"{len(found)} warning(s) about the input (--strict stops on them):")
        for warning in found:
            print(f"  - {warning}")


def _cmd_run(args: argparse.Namespace) -> int:
    from linkage.pipeline import run

    _check_data_dir(args.data_dir)
    out = Path(args.out)
    report = run(
        args.data_dir,
        out_dir=out,
        model=args.model,
        columns=_read_columns(args.columns),
        quiet=args.quiet,
        seed=args.seed,
        on_bad_record=args.on_bad_record,
        store=args.store,
        decisions=args.decisions,
        strict=args.strict,
    )
    if args.save_model:
        result = cast("LinkageResult", report.result)
        result.model.save(args.save_model)
        logger.info("model saved to %s", args.save_model)
    _print_report(report, out)
    if args.store:
        report.result.con.close()  # release the store for the next update
    return EXIT_OK


def _check_data_dir(data_dir: str) -> None:
    """DATA_DIR is a folder: one file there would read one source and count every child as
    never handed to HHS (the Python API reads one file, with a warning, when asked to)."""
    path = Path(data_dir)
    if path.is_file():
        raise SourceError(
            Problem(
                source=None,
                column=None,
                message=f"DATA_DIR {data_dir!r} is a file, not a folder: only one source would "
                "be read",
                fix=f"give the folder that holds the extracts ({str(path.parent)!r})",
                kind="source",
            )
        )


def _cmd_update(args: argparse.Namespace) -> int:
    from linkage.report import check_out_dir
    from linkage.store import Store

    out = check_out_dir(args.out)
    with Store.open(args.store) as store:
        report = store.update(
            args.data_dir,
            columns=_read_columns(args.columns),
            on_bad_record=args.on_bad_record,
            retrain=args.retrain,
            seed=args.seed,
            strict=args.strict,
        )
        report.write(out)
        changes = report.changes
        if changes is not None:
            counts = changes.groupby("change").size()
            print("changes: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        _print_report(report, out)
    return EXIT_OK


def _review_store(args: argparse.Namespace) -> tuple[Any, Path | None]:
    """The store ``review`` works on, and the decisions file kept beside a run's output."""
    from linkage.store import Store

    if args.store:
        return Store.open(args.store), None
    out = Path(args.out)
    path = out / REVIEW_STORE
    if path.is_file():
        return Store.open(path), out / "decisions.csv"
    if not args.data_dir:
        raise StoreError(
            f"{out} holds no review store yet. Fix: name the run's data, as in linkage review "
            f"--out {out} DATA (it links DATA again with the same seed and keeps {path})"
        )
    if not out.is_dir():
        raise StoreError(f"no folder {out}. Fix: give the --out folder of a linkage run")
    store = Store.create(path, model=args.model)
    store.update(args.data_dir, seed=args.seed)
    return store, out / "decisions.csv"


def _cmd_review(args: argparse.Namespace) -> int:
    import webbrowser

    from linkage.review._server import ReviewServer

    store, beside = _review_store(args)
    with store:
        if args.import_file:
            print(f"decisions imported: {store.import_decisions(args.import_file):,}")
        if args.export_file:
            store.export_decisions(args.export_file)
            print(f"decisions exported: {len(store.decisions()):,} to {args.export_file}")
        if args.import_file or args.export_file:
            return EXIT_OK
        server = ReviewServer(store, port=args.port, decisions_file=beside)
        url = server.url
        print(f"review page: {url}")
        if beside is not None:
            print(f"decisions are kept in {store.path} and {beside}; a run honours them with "
                  f"linkage run DATA --out OUT --decisions {beside}")  # fmt: skip
        print("press Ctrl-C to stop")
        if not args.no_browser:
            webbrowser.open(url)
        server.serve_forever()
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from linkage import synthetic
    from linkage.evaluation import evaluate
    from linkage.pipeline import run
    from linkage.report import check_out_dir

    out = check_out_dir(args.out)
    started = time.perf_counter()
    logger.info("demo: generating %d synthetic children (seed %d)", args.children, args.seed)
    data = synthetic.generate(args.children, seed=args.seed)
    data_dir = synthetic.write(data, out / "data")
    # the four extracts by name: the truth files beside them are not input
    extracts = {source: data_dir / f"{source}.csv" for source in data.sources}
    report = run(extracts, out_dir=out, quiet=args.quiet, seed=args.seed)
    scores = evaluate(
        report.clusters(),
        data,
        identities=report.identities[["identity_id", "status"]],
    )
    (out / "evaluation.json").write_text(
        json.dumps(scores.to_dict(), indent=2, default=_json_default) + "\n", encoding="utf-8"
    )
    _print_report(report, out)
    print(repr(scores))
    print(f"data: {data_dir}  scores: {out / 'evaluation.json'}")
    print(f"done in {time.perf_counter() - started:.1f} s; open {out / 'report.html'}")
    return EXIT_OK


def _cmd_synth(args: argparse.Namespace) -> int:
    from linkage import synthetic

    data = synthetic.generate(args.children, seed=args.seed)
    if args.by_month:
        return _write_by_month(data, args)
    folder = synthetic.write(data, args.out, format=args.format)
    print(repr(data))
    print(f"data: {folder}")
    return EXIT_OK


def _write_by_month(data: SyntheticData, args: argparse.Namespace) -> int:
    """``synth --by-month``: a folder of extracts per month, the truth once beside them."""
    from linkage import synthetic

    extracts = synthetic.split_by_month(data, seed=args.seed)
    folders = synthetic.write_extracts(extracts, args.out, format=args.format)
    synthetic.write_truth(data, args.out, format=args.format)
    print(repr(data))
    rows = sum(e.n_records for e in extracts)
    revisions = sum(e.revisions for e in extracts)
    late = sum(e.late_court for e in extracts)
    span = f" ({extracts[0].month} to {extracts[-1].month})" if extracts else ""
    print(
        f"months: {len(folders)}{span}; rows: {rows:,} = {rows - revisions:,} records "
        f"+ {revisions:,} revisions; late court records: {late:,}"
    )
    print(f"data: {Path(args.out)}/YYYY-MM/  truth: {Path(args.out)}")
    return EXIT_OK


def _read_table(path: str, what: str) -> pd.DataFrame:
    """A CSV or Parquet file, every column as text (ids compare as strings)."""
    import pandas as pd

    file = Path(path)
    problem = None
    if not file.is_file():
        problem = f"no {what} file at {str(file)!r}"
    elif file.suffix.lower() not in (".csv", ".parquet", ".pq"):
        problem = f"the {what} file {str(file)!r} is neither .csv nor .parquet"
    if problem:
        raise InputError(
            Problem(source=None, column=None, message=problem, fix="check the path", kind="source")
        )
    try:
        if file.suffix.lower() == ".csv":
            return pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
        frame = pd.read_parquet(file)
    except (OSError, ValueError) as error:
        raise InputError(
            Problem(
                source=None,
                column=None,
                message=f"cannot read the {what} file {str(file)!r}: {error}",
                fix="give a readable CSV or Parquet file",
                kind="source",
            )
        ) from error
    return frame.astype({c: str for c in ("record_id", "identity_id", "child_id") if c in frame})


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from linkage.evaluation import evaluate

    clusters = _read_table(args.clusters, "clusters")
    truth_path = Path(args.truth)
    children = None
    if truth_path.is_dir():
        from linkage.synthetic import read_truth

        try:
            truth, children = read_truth(truth_path)
        except (OSError, ValueError) as error:
            if isinstance(error, LinkageError):
                raise
            raise InputError(
                Problem(
                    source=None,
                    column=None,
                    message=f"cannot read the truth in {str(truth_path)!r}: {error}",
                    fix="give the folder written by `linkage synth` (truth_records.csv, "
                    "truth_children.csv) or a truth file",
                    kind="source",
                )
            ) from error
    else:
        truth = _read_table(args.truth, "truth")
    identities = _read_table(args.identities, "identities") if args.identities else None
    scores = evaluate(clusters, truth, identities=identities, children=children)
    groups = scores.by_group  # None without statuses: the output is then as it always was
    if args.json:
        figures: dict[str, Any] = dict(scores.to_dict())
        if groups is not None:  # the last key: every group, as records
            figures["by_group"] = groups.to_dict(orient="records")
        print(json.dumps(figures, indent=2, default=_json_default))
        return EXIT_OK
    print(repr(scores))
    if groups is not None and len(groups):
        from linkage._group_scores import group_scores_text

        print(group_scores_text(groups))
    return EXIT_OK


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _add_common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--quiet and --debug, accepted before or after the command name."""
    default: Any = False if top else argparse.SUPPRESS
    parser.add_argument(
        "--quiet",
        action="store_true",
        default=default,
        help="no progress: print only the result lines (errors still go to stderr)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show debug log lines and the full traceback of any error",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        type=_memory_limit,
        default=None if top else argparse.SUPPRESS,
        help="the memory the job may use, e.g. 4GB (the default, or $LINKAGE_MEMORY_LIMIT), 8GB, "
        "or none for DuckDB's own limit (80%% of the machine); DuckDB spills to --temp-dir beyond "
        "3/4 of it (at most the limit less 600MB)",
    )
    parser.add_argument(
        "--temp-dir",
        metavar="DIR",
        default=None if top else argparse.SUPPRESS,
        help="where DuckDB spills to disk (default: $LINKAGE_TEMP_DIR, else a folder in the "
        "system's temporary directory); a full disk stops with exit code 5",
    )


def _memory_limit(value: str) -> str:
    from linkage.engine import memory_limit_bytes

    try:
        memory_limit_bytes(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def _subparser(
    commands: Any, name: str, func: Callable[[argparse.Namespace], int], help_text: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(parser, top=False)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``linkage`` argument parser (all commands and options)."""
    from linkage._version import __version__

    parser = argparse.ArgumentParser(
        prog="linkage",
        description="Follow each unaccompanied child across CBP, ICE, HHS/ORR and immigration-"
        "court records, and report who lost their link after the HHS handoff.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"linkage {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_run(commands)
    _add_update(commands)
    _add_review(commands)
    _add_demo(commands)
    _add_synth(commands)
    _add_evaluate(commands)
    return parser


def _add_run(commands: Any) -> None:
    run = _subparser(
        commands, "run", _cmd_run, "Link a folder of agency extracts and write the report."
    )
    run.add_argument(
        "data_dir",
        metavar="DATA_DIR",
        help="folder holding cbp.*, ice.*, hhs.*, eoir.* (.csv or .parquet; any may be missing)",
    )
    run.add_argument(
        "--out", required=True, metavar="OUT_DIR", help="folder to write the report into"
    )
    run.add_argument(
        "--model",
        metavar="MODEL.json",
        help="score with this saved model instead of training one on the data",
    )
    run.add_argument(
        "--columns",
        metavar="MAPPING.json",
        help='your column names per source, e.g. {"cbp": {"ALIEN_NBR": "a_number"}}',
    )
    run.add_argument(
        "--save-model", metavar="PATH", help="also save the model used to this JSON file"
    )
    run.add_argument(
        "--decisions",
        metavar="FILE.csv",
        help="reviewers' decisions to honour (source_l, record_id_l, source_r, record_id_r, "
        "decision: same or different)",
    )
    run.add_argument(
        "--store",
        metavar="STORE",
        help="also keep this run in a new linkage store (a DuckDB file) for linkage update",
    )
    run.add_argument(
        "--seed", type=int, default=0, help="seed of the random sampling in training (default 0)"
    )
    run.add_argument(
        "--on-bad-record",
        choices=["raise", "reject"],
        default="raise",
        help="empty or duplicated record_id values: stop with exit code 3 (raise, the default) "
        "or put those rows in rejects.* with their reason and link the rest (reject)",
    )
    _add_strict(run)


def _add_strict(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict",
        action="store_true",
        help="stop with exit code 3 on any warning about the input (a misspelled column, "
        "unreadable, impossible or ambiguous dates, files skipped, ...) instead of going on",
    )


def _add_update(commands: Any) -> None:
    update = _subparser(
        commands,
        "update",
        _cmd_update,
        "Add an extract (new and revised records) to a linkage store and write the report.",
    )
    update.add_argument(
        "data_dir", metavar="DATA", help="folder holding this extract's cbp.*, ice.*, hhs.*, eoir.*"
    )
    update.add_argument(
        "--store", required=True, metavar="STORE", help="the store (made by linkage run --store)"
    )
    update.add_argument(
        "--out", required=True, metavar="OUT_DIR", help="folder to write the report into"
    )
    update.add_argument(
        "--retrain",
        action="store_true",
        help="train the model again on every record of the store and link them all again",
    )
    update.add_argument(
        "--columns",
        metavar="MAPPING.json",
        help='your column names per source, e.g. {"cbp": {"ALIEN_NBR": "a_number"}}',
    )
    update.add_argument("--seed", type=int, default=0, help="seed of training (with --retrain)")
    update.add_argument(
        "--on-bad-record",
        choices=["raise", "reject"],
        default="raise",
        help="empty or duplicated record_id values: stop (raise) or put them in rejects (reject)",
    )
    _add_strict(update)


def _add_review(commands: Any) -> None:
    review = _subparser(
        commands,
        "review",
        _cmd_review,
        "Serve the review page of a store (or of a run's output) on 127.0.0.1, or move its "
        "decisions in and out as files.",
    )
    where = review.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", metavar="STORE", help="the store to review")
    where.add_argument(
        "--out",
        metavar="OUT_DIR",
        help=f"the output folder of a run without a store: the review keeps OUT_DIR/{REVIEW_STORE} "
        "and OUT_DIR/decisions.csv (the first time, give the run's DATA too)",
    )
    review.add_argument(
        "data_dir", nargs="?", metavar="DATA", help="with --out, the first time: the run's data"
    )
    review.add_argument("--model", metavar="MODEL.json", help="with --out DATA: the run's model")
    review.add_argument("--seed", type=int, default=0, help="with --out DATA: the run's seed")
    review.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)"
    )
    review.add_argument(
        "--no-browser", action="store_true", help="print the page's address, do not open it"
    )
    review.add_argument(
        "--export",
        dest="export_file",
        metavar="FILE.csv",
        help="write the decisions as a decisions file and stop",
    )
    review.add_argument(
        "--import",
        dest="import_file",
        metavar="FILE.csv",
        help="add the decisions of a decisions file to the store and stop",
    )


def _add_demo(commands: Any) -> None:
    demo = _subparser(
        commands,
        "demo",
        _cmd_demo,
        "Generate synthetic data, link it, write the report and score it against the truth.",
    )
    demo.add_argument(
        "--children",
        type=_positive_int,
        default=DEFAULT_DEMO_CHILDREN,
        metavar="N",
        help=f"number of synthetic children (default {DEFAULT_DEMO_CHILDREN})",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.add_argument(
        "--out",
        default=DEFAULT_DEMO_OUT,
        metavar="DIR",
        help=f"folder for the data (DIR/data) and the report (default {DEFAULT_DEMO_OUT})",
    )


def _add_synth(commands: Any) -> None:
    synth = _subparser(
        commands, "synth", _cmd_synth, "Write synthetic four-agency extracts and their truth."
    )
    synth.add_argument(
        "--children", type=_positive_int, required=True, metavar="N", help="number of children"
    )
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    synth.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    synth.add_argument(
        "--format",
        choices=("csv", "parquet"),
        default="csv",
        help="file format of the extracts (default csv)",
    )
    synth.add_argument(
        "--by-month",
        action="store_true",
        help="write one folder of extracts per month (DIR/YYYY-MM/), with late court records "
        "and revised records, and the truth once in DIR",
    )


def _add_evaluate(commands: Any) -> None:
    evaluate = _subparser(
        commands, "evaluate", _cmd_evaluate, "Score a clusters file against known truth."
    )
    evaluate.add_argument(
        "clusters",
        metavar="CLUSTERS_FILE",
        help="CSV or Parquet with source, record_id, identity_id (e.g. OUT/clusters.csv)",
    )
    evaluate.add_argument(
        "truth",
        metavar="TRUTH_DIR_OR_FILE",
        help="folder written by `linkage synth` (truth_records.csv and truth_children.csv), "
        "or a CSV/Parquet with source, record_id, child_id",
    )
    evaluate.add_argument(
        "--identities",
        metavar="FILE",
        help="CSV or Parquet with identity_id, status (e.g. OUT/identities.csv) to also score "
        "the statuses (needs a truth folder, which holds the true statuses)",
    )
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


class _Format(logging.Formatter):
    """``[12:00:00] message``; warnings say so; Splink's messages on one line, marked."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        message = record.getMessage()
        prefix = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        if record.name.startswith("splink"):
            lines = [line.strip() for line in message.splitlines()]
            message = " ".join(line for line in lines if line and line.strip("- ") != "WARNING:")
            prefix = f"splink {prefix}"
        return f"[{stamp}] {prefix}{message}"


def _error(message: str) -> None:
    print(f"linkage: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``linkage`` command line; returns the exit code (see :data:`EXIT_CODES`)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, usage errors
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Format())
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # Splink's own messages (training warnings) go through the same handler, or nowhere
    # with --quiet; the library itself never configures logging.
    splink = logging.getLogger("splink")
    splink_handler = logging.NullHandler() if args.quiet and not args.debug else handler
    splink_propagate = splink.propagate
    splink.addHandler(splink_handler)
    splink.propagate = False
    try:
        from linkage import _progress, engine

        with (
            engine.default_resources(memory_limit=args.memory_limit, temp_directory=args.temp_dir),
            _progress.quiet(args.quiet),
        ):  # no bar with --quiet (nor in a pipe: see _progress)
            if not _progress.wanted():
                return int(args.func(args))
            from tqdm.contrib.logging import logging_redirect_tqdm

            # log lines printed above the bar, not through it
            with logging_redirect_tqdm(loggers=[logger, splink]):
                return int(args.func(args))
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as error:
        code = _exit_code(error)
        if code == EXIT_INTERNAL and not isinstance(error, LinkageError):
            _error(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in linkage: run again with --debug for the traceback, and report it."
            )
        else:
            _error(str(error))
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        return code
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
        splink.removeHandler(splink_handler)
        splink.propagate = splink_propagate


def _exit_code(error: BaseException) -> int:
    if isinstance(error, (InputError, EvaluationError, OutputError, OSError)):
        return EXIT_INPUT
    if isinstance(error, (ModelError, BlockingError)):
        return EXIT_MODEL
    if isinstance(error, ResourceError):
        return EXIT_RESOURCES
    if isinstance(error, StoreError):
        return EXIT_STORE
    return EXIT_INTERNAL
