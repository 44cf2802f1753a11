"""Scale benchmark: the whole `linkage` job at 60k to 500k children, against plain Splink.

For each number of children (``--children``, default 60,000 125,000 250,000 500,000; about 3.9
records each, so 250k children is close to a million records and 500k, the five years, close to
two million):

1. the synthetic extracts are generated once, in a process of their own, and cached as Parquet
   (``--cache-dir``; reused when present, the truth kept apart from the extracts);
2. a fresh Python process (so that memory figures belong to this size alone) runs the whole job
   read_sources -> normalize -> link (train, predict, cluster) -> handoff_report -> write, and
   prints the wall time of each stage, the peak resident memory (RSS high-water mark, sampled
   every 50 ms with psutil, ``getrusage`` as a fallback), the records and the candidate pairs
   (in all and per record);
3. the same process then runs the plain-Splink baseline of ``benchmarks/baselines.py`` on the
   same data, and both clusterings are scored against the truth (pairwise F1, status accuracy).

The machine is shared, so a size is stopped, and reported with how far it got, when it runs past
``--timeout-minutes`` or leaves less than ``--min-free-gib`` of memory to the rest of the machine;
The job runs under ``--memory-limit`` as ``linkage`` takes it (its default, 4GB: DuckDB held to
3/4 of it; ``none`` for DuckDB's own 80% of RAM) and spills to disk beyond it, into the cache
folder; plain Splink's DuckDB is held to ``--baseline-memory-limit`` (12GB by default). With
``--no-spill`` both fail with DuckDB's out-of-memory error instead of filling the disk.

Run::

    .venv/bin/python benchmarks/bench_scale.py                     # 60k, 125k, 250k, 500k
    .venv/bin/python benchmarks/bench_scale.py --children 20000 --seed 1

The figures are recorded in ``docs/performance.md``. Timings on a shared machine are noisy;
compare the linkage/baseline ratio, which is measured in one process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

DEFAULT_CHILDREN = (60_000, 125_000, 250_000, 500_000)
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "linkage-bench"
RESULT_PREFIX = "BENCH-RESULT "
SAMPLE_SECONDS = 0.05
GIB = 1024**3
#: Above this peak RSS the job is called out as memory-hungry in the table.
MEMORY_WARNING_BYTES = 4 * GIB
JOB_STAGES = ("read", "normalise", "train", "predict", "cluster", "report", "write")

logger = logging.getLogger("bench_scale")


# --------------------------------------------------------------------------------------------
# memory sampling
# --------------------------------------------------------------------------------------------


def _rss_now() -> int:
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel in the dev venv
        return _rss_high_water()
    return int(psutil.Process().memory_info().rss)


def _rss_high_water() -> int:
    """The process's RSS high-water mark (``ru_maxrss`` is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class MemorySampler:
    """Samples the RSS of this process in a thread; the peak of any time window on request."""

    def __init__(self, every: float = SAMPLE_SECONDS) -> None:
        self.every = every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), _rss_now()))
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float, end: float) -> int:
        inside = [rss for t, rss in self.samples if start <= t <= end]
        return max(inside, default=_rss_now())


@dataclass
class Stages:
    """Wall time and peak RSS per stage, in order."""

    sampler: MemorySampler
    progress: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)

    started: dict[str, float] = field(default_factory=dict)

    def note(self, running: str) -> None:
        """Write the figures so far and the stage now running (read if the run is stopped)."""
        if self.progress is not None:
            figures = {"running": running, "seconds": self.seconds, "peak_rss": self.peak_rss}
            self.progress.write_text(json.dumps(figures))

    def mark(self, name: str) -> None:
        """A step inside a stage starts: close the previous step's time and note this one."""
        now = time.perf_counter()
        if self.started:
            last = list(self.started)[-1]
            if last not in self.seconds:
                self.seconds[last] = now - self.started[last]
                self.peak_rss[last] = self.sampler.peak(self.started[last], now)
        self.started[name] = now
        logger.info("%s ...", name)
        self.note(name)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        logger.info("%s ...", name)
        self.note(name)
        start = time.perf_counter()
        yield
        end = time.perf_counter()
        self.seconds[name] = end - start
        self.peak_rss[name] = self.sampler.peak(start, end)
        self.note(f"after {name}")
        logger.info("%s: %.1f s, peak RSS %.2f GiB", name, end - start, self.peak_rss[name] / GIB)

    def split(self, start: float, parts: dict[str, float]) -> None:
        """Record sub-stages timed inside one call (``parts`` in the order they ran)."""
        self.seconds.pop("link", None)
        self.peak_rss.pop("link", None)
        for name, seconds in parts.items():
            self.seconds[name] = seconds
            self.peak_rss[name] = self.sampler.peak(start, start + seconds)
            start += seconds


# --------------------------------------------------------------------------------------------
# data: generated once, cached as Parquet
# --------------------------------------------------------------------------------------------


def data_folder(cache: Path, children: int, seed: int) -> Path:
    return cache / f"children-{children}-seed-{seed}"


def prepare(cache: Path, children: int, seed: int) -> Path:
    """Generate and write the extracts (``data/``) and the truth (``truth/``) unless cached."""
    from linkage import synthetic

    folder = data_folder(cache, children, seed)
    done = folder / "complete"
    if done.exists():
        logger.info("reusing %s", folder)
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    data = synthetic.generate(children, seed=seed)
    generated = time.perf_counter() - started
    synthetic.write(data, folder / "all", format="parquet")
    (folder / "data").mkdir()
    (folder / "truth").mkdir()
    for path in (folder / "all").iterdir():
        target = "truth" if path.name.startswith("truth_") else "data"
        path.rename(folder / target / path.name)
    (folder / "all").rmdir()
    done.write_text(
        json.dumps({"children": children, "seed": seed, "generate_seconds": generated}) + "\n"
    )
    logger.info("generated %s children in %.1f s into %s", f"{children:,}", generated, folder)
    return folder


# --------------------------------------------------------------------------------------------
# one size, in one process
# --------------------------------------------------------------------------------------------


@contextmanager
def _link_stages_noted(stages: Stages) -> Iterator[None]:
    """While ``link`` runs, note when its train, predict and cluster steps start, so that a run
    stopped half-way still tells which step it was in and how long the earlier ones took.

    Wraps the three step functions as ``linkage.linking`` calls them; nothing else changes.
    """
    import linkage.linking as linking

    originals = {name: getattr(linking, name) for name in ("train", "predict", "cluster")}

    def noted(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stages.mark(name)
            return function(*args, **kwargs)

        return wrapper

    for name, function in originals.items():
        setattr(linking, name, noted(name, function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(linking, name, function)


def connect_job(memory_limit: str | None, spill: Path | None) -> Any:
    """The job's connection as ``linkage`` makes it: held to ``memory_limit`` (linkage's default
    when None), spilling into ``spill`` (not at all when None)."""
    from linkage import engine

    con = engine.connect(memory_limit=memory_limit, temp_directory=spill)
    if spill is None:
        con.execute("SET temp_directory = ''")
    return con


def connect(memory_limit: str | None, spill: Path | None) -> Any:
    """A DuckDB connection with ``memory_limit`` (DuckDB's default, 80% of RAM, when None),
    spilling into ``spill`` (not at all when None)."""
    import duckdb

    config = {"temp_directory": str(spill) if spill is not None else ""}
    if memory_limit is not None:
        config["memory_limit"] = memory_limit
    return duckdb.connect(config=config)


def measure(
    folder: Path,
    seed: int,
    *,
    baseline: bool,
    memory_limit: str | None,
    progress: Path | None,
    spill_to_disk: bool = True,
    baseline_memory_limit: str | None = "12GB",
) -> dict[str, Any]:
    """Run the whole job and (optionally) the plain-Splink baseline; return every figure."""
    import pandas as pd

    from linkage import evaluate, handoff_report, link, normalize, read_sources, tables
    from linkage.synthetic import SyntheticData, read_truth

    out: dict[str, Any] = {
        "memory_limit": memory_limit or "linkage's default (4GB: DuckDB 3GB)",
        "baseline_memory_limit": baseline_memory_limit or "DuckDB default (80% of RAM)",
        "spill_to_disk": spill_to_disk,
    }
    spill = folder / "spill" if spill_to_disk else None  # removed by the parent after each size
    if spill is not None:
        spill.mkdir(exist_ok=True)
    with MemorySampler() as sampler:
        stages = Stages(sampler, progress=progress)
        job_start = time.perf_counter()
        with stages.stage("read"):
            sources = read_sources(folder / "data", con=connect_job(memory_limit, spill))
        with stages.stage("normalise"):
            records = normalize(sources)
        link_start = time.perf_counter()
        with stages.stage("link"), _link_stages_noted(stages):
            result = link(records, seed=seed)
        stages.split(  # link's own timings: train, predict, cluster
            link_start + result.timings.get("normalise", 0.0),
            {
                "train": result.timings["train"],
                "predict": result.timings["predict"],
                "cluster": result.timings["cluster"],
            },
        )
        with stages.stage("report"):
            report = handoff_report(result)
        with tempfile.TemporaryDirectory(prefix="bench-out-") as tmp, stages.stage("write"):
            report.write(tmp)
        job_seconds = time.perf_counter() - job_start
        out["job_peak_rss"] = sampler.peak(job_start, time.perf_counter())

        con = result.con
        out["records"] = int(sum(records.counts().values()))
        out["records_per_source"] = records.counts()
        out["candidate_pairs_upper_bound"] = int(result.blocking["comparisons"].sum())
        out["pairs_scored"] = int(
            con.execute(f"SELECT count(*) FROM {tables.PAIRS}").fetchall()[0][0]
        )
        out["links"] = int(result.clustering["links"].iloc[0])
        out["refused_links"] = int(result.clustering["refused_links"].iloc[0])
        out["complementary_joins"] = int(result.clustering["complementary_joins"].iloc[0])
        out["identities"] = int(result.clustering["identities"].iloc[0])
        out["largest_block"] = (
            result.blocking.sort_values("largest_block", ascending=False)
            .head(3)[["rule", "largest_block", "comparisons"]]
            .to_dict("records")
        )
        out["stage_seconds"] = dict(stages.seconds)
        out["stage_peak_rss"] = dict(stages.peak_rss)
        out["job_seconds"] = job_seconds

        truth, children = read_truth(folder / "truth")
        scores = evaluate(
            result.clusters(),
            truth,
            identities=report.identities[["identity_id", "status"]],
            children=children,
        )
        out["linkage"] = _scores(scores)
        del result, records, sources, report
        gc.collect()

        if baseline:
            from baselines import load_raw, plain_splink, statuses

            stages.note("baseline")

            frames = {
                s: pd.read_parquet(folder / "data" / f"{s}.parquet")
                for s in ("cbp", "ice", "hhs", "eoir")
            }
            data = SyntheticData(sources=frames, truth=truth, children=children, seed=seed)
            bcon = connect(baseline_memory_limit, spill)
            load_raw(bcon, data)
            start = time.perf_counter()
            try:
                plain_splink(bcon, seed=seed)
            except SystemExit as stop:  # the baseline refuses a blocking rule that explodes
                out["baseline_error"] = str(stop)
            else:
                identities = statuses(bcon, "clusters_splink")
                end = time.perf_counter()
                out["baseline_seconds"] = end - start
                out["baseline_peak_rss"] = sampler.peak(start, end)
                clusters = bcon.execute("SELECT * FROM clusters_splink").df()
                out["baseline"] = _scores(evaluate(clusters, data, identities=identities))
            bcon.close()
    out["process_rss_high_water"] = _rss_high_water()
    return out


def _scores(scores: Any) -> dict[str, float]:
    assert scores.status is not None
    return {
        "pairwise_precision": scores.pairwise_precision,
        "pairwise_recall": scores.pairwise_recall,
        "pairwise_f1": scores.pairwise_f1,
        "bcubed_f1": scores.bcubed_f1,
        "status_accuracy": scores.status.accuracy,
        "status_accuracy_handed_to_hhs": scores.status.accuracy_handed_to_hhs,
        "n_identities": scores.n_identities,
        "n_children": scores.n_children,
    }


# --------------------------------------------------------------------------------------------
# the tables
# --------------------------------------------------------------------------------------------


def _gib(value: int) -> str:
    flag = " (!)" if value > MEMORY_WARNING_BYTES else ""
    return f"{value / GIB:.2f}{flag}"


def tables(results: dict[int, dict[str, Any]]) -> str:
    """The figures as markdown tables: stages and memory; linkage against the baseline."""
    head = (
        "| children | records | "
        + " | ".join(f"{s} (s)" for s in JOB_STAGES)
        + " | job (s) | peak RSS (GiB) | candidate pairs (blocking bound) | per record "
        + "| pairs scored | links |"
    )
    lines = ["**The whole job, per stage**", "", head, "|" + " ---: |" * (head.count("|") - 1)]
    for n, r in results.items():
        if "error" in r:
            done = r.get("progress", {})
            so_far = ", ".join(f"{s} {t:.1f} s" for s, t in done.get("seconds", {}).items())
            running = done.get("running", "?")
            lines.append(
                f"| {n:,} | {r['error']} ({r['seconds_until_stopped'] / 60:.1f} min in), in "
                f"{running} for {done.get('running_for_seconds', 0):.0f} s "
                f"(before it: {so_far or 'nothing'}) |"
            )
            continue
        cells = " | ".join(f"{r['stage_seconds'][s]:.1f}" for s in JOB_STAGES)
        lines.append(
            f"| {n:,} | {r['records']:,} | {cells} | {r['job_seconds']:.1f} "
            f"| {_gib(r['job_peak_rss'])} | {r['candidate_pairs_upper_bound']:,} "
            f"| {r['candidate_pairs_upper_bound'] / r['records']:.1f} "
            f"| {r['pairs_scored']:,} | {r['links']:,} |"
        )
    lines += ["", "**Peak RSS per stage (GiB)**", ""]
    head = "| children | " + " | ".join(JOB_STAGES) + " |"
    lines += [head, "|" + " ---: |" * (head.count("|") - 1)]
    for n, r in results.items():
        if "error" not in r:
            cells = " | ".join(_gib(r["stage_peak_rss"][s]) for s in JOB_STAGES)
            lines.append(f"| {n:,} | {cells} |")
    lines += ["", "**Against plain Splink 5 (same process, same data)**", ""]
    head = (
        "| children | linkage job (s) | plain Splink (s) | ratio | linkage pairwise F1 "
        "| Splink pairwise F1 | linkage status acc. | Splink status acc. | Splink peak RSS (GiB) |"
    )
    lines += [head, "|" + " ---: |" * (head.count("|") - 1)]
    for n, r in results.items():
        if "error" in r or "baseline" not in r:
            continue
        lk, bl = r["linkage"], r["baseline"]
        lines.append(
            f"| {n:,} | {r['job_seconds']:.1f} | {r['baseline_seconds']:.1f} "
            f"| {r['job_seconds'] / r['baseline_seconds']:.2f} | {lk['pairwise_f1']:.4f} "
            f"| {bl['pairwise_f1']:.4f} | {lk['status_accuracy']:.4f} "
            f"| {bl['status_accuracy']:.4f} | {_gib(r['baseline_peak_rss'])} |"
        )
    return "\n".join(lines)


def machine() -> str:
    import duckdb
    import splink

    try:
        import psutil

        memory = f"{psutil.virtual_memory().total / GIB:.0f} GiB RAM"
    except ImportError:  # pragma: no cover
        memory = "RAM unknown"
    return (
        f"{dt.date.today().isoformat()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, {memory}, Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, splink {splink.__version__}, linkage {_revision()}"
    )


def _revision() -> str:
    """The commit of the code measured, and the library files changed since (if any)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True
        ).stdout.split("\n")
    except OSError:
        return "(no git)"
    dirty = [line[3:] for line in changed if line.strip()]
    return commit + (f" + uncommitted {', '.join(dirty)}" if dirty else "")


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def supervise(
    command: list[str], progress: Path, timeout_seconds: float, min_free_gib: float
) -> dict[str, Any]:
    """Run one size; stop it when it runs past the timeout or the machine runs short of memory
    (other work shares it), and then report how far it got."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    child = psutil.Process(proc.pid)
    peak, reason = 0, ""
    while proc.poll() is None:
        time.sleep(1.0)
        with suppress(psutil.Error):
            peak = max(peak, child.memory_info().rss)
        free = psutil.virtual_memory().available
        if time.perf_counter() - started > timeout_seconds:
            reason = f"stopped at the {timeout_seconds / 60:g}-minute limit"
        elif free < min_free_gib * GIB:
            reason = (
                f"stopped: the machine had {free / GIB:.1f} GiB left (job RSS {peak / GIB:.1f} GiB)"
            )
        if reason:
            proc.kill()
            break
    stdout, _ = proc.communicate()
    found = [line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode == 0 and found:
        return cast(dict[str, Any], json.loads(found[-1][len(RESULT_PREFIX) :]))
    figures: dict[str, Any] = {
        "error": reason or f"exit code {proc.returncode}",
        "seconds_until_stopped": time.perf_counter() - started,
        "rss_seen": peak,
    }
    if progress.exists():  # written when each stage or step starts
        figures["progress"] = json.loads(progress.read_text())
        figures["progress"]["running_for_seconds"] = time.time() - progress.stat().st_mtime
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--children",
        type=int,
        nargs="+",
        default=list(DEFAULT_CHILDREN),
        metavar="N",
        help="numbers of children to run (default: 60000 125000 250000 500000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data and training (0)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where generated Parquet extracts are kept (default {DEFAULT_CACHE})",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain-Splink run")
    parser.add_argument(
        "--memory-limit",
        default="default",
        help="the job's memory limit as linkage takes it ('default': linkage's own, 4GB, DuckDB "
        "held to 3/4 of it; 'none' for DuckDB's own, 80%% of RAM); beyond it DuckDB spills",
    )
    parser.add_argument(
        "--baseline-memory-limit",
        default="12GB",
        help="DuckDB memory_limit of plain Splink's connection (default 12GB; 'default' for "
        "DuckDB's own, 80%% of RAM)",
    )
    parser.add_argument(
        "--no-spill",
        action="store_true",
        help="DuckDB does not spill to disk (an out-of-memory error at the limit instead)",
    )
    parser.add_argument(
        "--timeout-minutes", type=float, default=45.0, help="stop a size after this (45)"
    )
    parser.add_argument(
        "--min-free-gib",
        type=float,
        default=2.0,
        help="stop a size when the machine has less memory than this available (2)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument("--_prepare", type=int, help=argparse.SUPPRESS)  # internal: generate
    parser.add_argument("--_measure", type=Path, help=argparse.SUPPRESS)  # internal: one size
    parser.add_argument("--_progress", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("splink").setLevel(logging.WARNING)

    if args._prepare is not None:
        prepare(args.cache_dir, args._prepare, args.seed)
        return 0
    if args._measure is not None:
        figures = measure(
            args._measure,
            args.seed,
            baseline=not args.no_baseline,
            memory_limit=None if args.memory_limit == "default" else args.memory_limit,
            progress=args._progress,
            spill_to_disk=not args.no_spill,
            baseline_memory_limit=None
            if args.baseline_memory_limit == "default"
            else args.baseline_memory_limit,
        )
        print(RESULT_PREFIX + json.dumps(figures), flush=True)
        return 0

    print(f"machine: {machine()}", flush=True)
    results: dict[int, dict[str, Any]] = {}
    for n in args.children:
        started = time.perf_counter()
        folder = data_folder(args.cache_dir, n, args.seed)
        # generated in a process of its own: the generator's memory is not the job's
        subprocess.run(
            [sys.executable, __file__, "--seed", str(args.seed), "--cache-dir"]
            + [str(args.cache_dir), "--_prepare", str(n)],
            check=True,
        )
        logger.info("data ready in %.1f s", time.perf_counter() - started)
        progress = folder / "progress.json"
        progress.unlink(missing_ok=True)
        command = [sys.executable, __file__, "--seed", str(args.seed), "--_measure", str(folder)]
        command += ["--memory-limit", args.memory_limit, "--_progress", str(progress)]
        command += ["--baseline-memory-limit", args.baseline_memory_limit]
        if args.no_baseline:
            command.append("--no-baseline")
        if args.no_spill:
            command.append("--no-spill")
        results[n] = supervise(command, progress, args.timeout_minutes * 60, args.min_free_gib)
        shutil.rmtree(folder / "spill", ignore_errors=True)
        print(f"\n{n:,} children: {json.dumps(results[n])}", flush=True)
    print()
    print(tables(results))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # for ``import baselines``
    raise SystemExit(main())
