"""Read and normalise about a million records over the four sources; report time and peak memory.

    .venv/bin/python benchmarks/bench_normalize.py [--children 265000] [--seed 0]

Generates synthetic extracts (not timed), writes them as CSV to a temporary folder, then times
``read_sources`` (CSV -> DuckDB, validation) and ``normalize`` separately. Peak memory is the
process's resident high-water mark (``resource.getrusage``), sampled after generation and at the end,
so the figure for the timed part is the difference. Target (issue 2): under 20 s and 2 GB. The load
average printed last tells whether other work shared the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=265_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import linkage
    from linkage import synthetic

    data = synthetic.generate(args.children, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = synthetic.write(data, tmp)
        for name in ("truth_records.csv", "truth_children.csv"):
            (folder / name).unlink(missing_ok=True)
        del data
        before = rss_mb()
        started = time.perf_counter()
        sources = linkage.read_sources(folder)
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        records = linkage.normalize(sources)
        norm_s = time.perf_counter() - started
        counts = records.counts()
        peak = rss_mb()
    total = sum(counts.values())
    print(f"records: {total:,} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
    print(
        f"read_sources: {read_s:.1f} s | normalize: {norm_s:.1f} s | total: {read_s + norm_s:.1f} s"
    )
    print(f"peak RSS: {peak:,.0f} MB (after generating and writing the data: {before:,.0f} MB)")
    # Other work on the machine slows every step: report it beside the times.
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
