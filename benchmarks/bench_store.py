"""Store benchmark: one month added with ``linkage update`` against the full run it extends.

1. ``--children`` synthetic children (default 250,000, about a million records) are generated and
   split into monthly extracts (:func:`linkage.synthetic.split_by_month`, with revisions and late
   court records); the month to add is the last month holding a regular month's share (about
   1/60 of the five years), the store's data is every month before it (latest version of each
   record);
2. a fresh process runs ``linkage run STORE_DATA --store S --out O`` (the full run: read,
   normalise, train, predict, cluster, report, write, and the store);
3. a fresh process runs ``linkage update MONTH --store S --out O2``, under a memory limit of 2GB
   (``--update-memory-limit``: the most the issue allows an update; the full run has linkage's
   default, 4GB, or ``--memory-limit``);
4. each child's wall time and peak resident memory (``wait4``'s ``ru_maxrss``) are printed, with
   the update's own seconds as the store recorded them, and the ratio update / full run.

Run::

    .venv/bin/python benchmarks/bench_store.py                  # 250k children
    .venv/bin/python benchmarks/bench_store.py --children 20000

Figures go to ``docs/performance.md``; compare the ratio, measured on one machine in one script.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from linkage import synthetic
from linkage.synthetic import Extract, split_by_month, write_extracts

GIB = 1024**3


def _child(argv: list[str]) -> tuple[float, int, int]:
    """Run ``linkage argv`` in a fresh process: (seconds, peak RSS bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "linkage", "--quiet", *argv])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, int(usage.ru_maxrss) * 1024, proc.returncode


def _latest(extracts: list[Extract]) -> dict[str, pd.DataFrame]:
    """Every record of ``extracts`` once, at its latest version (revisions replace)."""
    out = {}
    for source in synthetic.LAYOUT:
        frames = [e.sources[source] for e in extracts if source in e.sources]
        if frames:
            frame = pd.concat(frames, ignore_index=True)
            out[source] = frame.drop_duplicates("record_id", keep="last").reset_index(drop=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp one)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="the full run's memory limit (default: linkage's, 4GB)",
    )
    parser.add_argument(
        "--update-memory-limit",
        default="2GB",
        help="the update's memory limit (default 2GB: the most issue 12 allows an update)",
    )
    args = parser.parse_args(argv)
    work = args.dir or Path(tempfile.mkdtemp(prefix="linkage-store-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    data = synthetic.generate(args.children, seed=args.seed)
    extracts = split_by_month(data, seed=args.seed)
    sizes = [e.n_records for e in extracts]
    # The last month that holds a regular month's share (1/60 of the five years, halved for the
    # months that vary): the store holds everything before it.
    regular = sum(sizes) / 60 / 2
    at = max(i for i, n in enumerate(sizes) if n >= regular)
    month = extracts[at]
    history = Extract(month="before", sources=_latest(extracts[:at]))
    write_extracts([history, month], work)
    records = sum(len(f) for f in history.sources.values())
    print(
        f"{args.children:,} children: store data {records:,} records (months before "
        f"{month.month}), the month {month.n_records:,} records "
        f"({month.revisions:,} revisions, {month.late_court:,} late court records)",
        flush=True,
    )
    store = work / "store.duckdb"
    limit = ["--memory-limit", args.memory_limit] if args.memory_limit else []
    full = _child(
        [*limit, "run", str(work / "before"), "--store", str(store), "--out", str(work / "o1")]
    )
    shutil.copy(store, work / "store_before_update.duckdb")  # to profile the update again
    update = _child(
        [
            *(["--memory-limit", args.update_memory_limit] if args.update_memory_limit else []),
            *["update", str(work / month.month), "--store", str(store), "--out", str(work / "o2")],
        ]
    )
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    inside = con.execute(
        "SELECT seconds, records_added, records_revised, pairs_scored, records_reclustered "
        "FROM updates ORDER BY update_id DESC LIMIT 1"
    ).fetchall()[0]
    con.close()
    figures = {
        "children": args.children,
        "store_records": records,
        "month": month.month,
        "month_records": month.n_records,
        "full_run_seconds": full[0],
        "full_run_peak_gib": full[1] / GIB,
        "update_seconds": update[0],
        "update_peak_gib": update[1] / GIB,
        "update_seconds_inside": inside[0],
        "added": inside[1],
        "revised": inside[2],
        "pairs_scored": inside[3],
        "reclustered": inside[4],
        "ratio": update[0] / full[0],
        "full_run_memory_limit": args.memory_limit or "default",
        "update_memory_limit": args.update_memory_limit or "default",
        "exit_codes": [full[2], update[2]],
    }
    print(json.dumps(figures, indent=2))
    print(
        f"update / full run: {update[0]:.1f} s / {full[0]:.1f} s = {update[0] / full[0]:.1%} "
        f"(update's own work {inside[0]:.1f} s); peak memory: update {update[1] / GIB:.2f} GiB, "
        f"full run {full[1] / GIB:.2f} GiB"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0 if full[2] == update[2] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
